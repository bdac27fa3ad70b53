"""Phase 4 (resting vs swept stops) and phase 10 (the plan's call, stable keys, parameters) on the demo report."""

from __future__ import annotations

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.report.builder import build_report
from derivintel.report.json_render import render_json
from derivintel.report.markdown import render_markdown
from derivintel.synthesis.trade_plan import PlanParams
from tests.report.conftest import GENERATED_AT


def _keys(report, prefix: str) -> list[str]:
    return [m.key for m in report.all_metrics() if m.key.startswith(prefix)]


def test_resting_stops_sit_beyond_price_on_their_side(demo_report):
    price = demo_report.metric("price.last").value
    above = [k for k in _keys(demo_report, "liquidity.stops.above_") if not k.endswith("_usd")]
    below = [k for k in _keys(demo_report, "liquidity.stops.below_") if not k.endswith("_usd")]
    assert above
    assert below
    assert all(demo_report.metric(k).value >= price for k in above)
    assert all(demo_report.metric(k).value <= price for k in below)
    assert all(demo_report.metric(k).note.startswith("untouched") for k in above + below)
    swept = _keys(demo_report, "liquidity.stops.swept_")
    assert swept == [f"liquidity.stops.swept_{i}" for i in range(1, len(swept) + 1)]
    assert demo_report.metric("liquidity.stops.n_swept").value >= len(swept)
    assert all(" UTC" in demo_report.metric(k).note for k in swept)


def test_plan_keys_are_stable_and_the_atr_names_its_bars(demo_report):
    for side in ("long", "short"):
        rr = demo_report.metric(f"risk.{side}.reward_risk")
        call = demo_report.metric(f"risk.{side}.call").value
        if rr.value is None:
            assert call.startswith("no trade: ")
        else:
            assert rr.value >= demo_report.metric("risk.min_reward_risk").value
            assert call == "enter" or call.startswith("wait for ")
    assert "1h bars" in demo_report.metric("risk.atr").label  # the demo's structure series is hourly
    assert "hourly" not in render_markdown(demo_report).split("## PHASE 10")[1]


def test_no_trade_side_has_null_reward_risk_with_the_reason(demo_snapshot):
    options = AnalysisOptions(plan=PlanParams(min_reward_risk=50.0))
    report = build_report(demo_snapshot, analyze_snapshot(demo_snapshot, options), generated_at=GENERATED_AT)
    for side in ("long", "short"):
        rr = report.metric(f"risk.{side}.reward_risk")
        assert rr.value is None
        assert rr.note.startswith("no trade: R/R ")
        assert rr.note.endswith("< 50")
        assert report.metric(f"risk.{side}.size").value is None
    assert '"risk.long.reward_risk"' in render_json(report)
    assert "no trade on either side" in render_markdown(report)


def test_interval_words_name_the_real_bar_size():
    from derivintel.report.phases.p10_risk import interval_words

    assert [interval_words(s) for s in (900, 3600, 14_400, 86_400)] == ["15m", "1h", "4h", "1d"]
