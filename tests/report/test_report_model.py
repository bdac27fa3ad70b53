import json
import re
from datetime import UTC, datetime

from derivintel.assessment.analyze import analyze_snapshot
from derivintel.report.builder import build_report
from derivintel.report.format import format_metric
from derivintel.report.json_render import SCHEMA_PATH, render_json, report_json_schema
from derivintel.report.markdown import freshness_age, render_markdown
from derivintel.report.model import Report
from derivintel.sources.demo import build_demo_snapshot

REQUIRED_KEYS = (
    "price.last",
    "structure.avwap.quarter",
    "structure.avwap.year",
    "structure.poc",
    "positioning.oi.total_usd",
    "positioning.oi.change_24h_pct",
    "positioning.funding.oi_weighted_1h",
    "positioning.funding.oi_weighted_apr",
    "options.max_pain",
    "options.put_call_oi_ratio",
    "options.net_gex_usd_per_1pct",
    "options.gamma_flip",
    "macro.vix",
    "macro.btc_dominance",
    "decision.bias",
)


def test_ten_phases_with_tables_and_reasoning(demo_report):
    assert [p.number for p in demo_report.phases] == list(range(1, 11))
    for phase in demo_report.phases:
        assert phase.tables, f"phase {phase.number} has no table"
        assert all(t.rows for t in phase.tables), f"phase {phase.number} has an empty table"
        assert phase.reasoning
        assert phase.summary
        assert phase.headline
    assert demo_report.data_limitations
    assert demo_report.freshness


def test_required_metric_keys_present_with_units_and_sources(demo_report):
    for key in REQUIRED_KEYS:
        metric = demo_report.metric(key)
        assert metric.value is not None, f"{key} missing in the demo: {metric.note}"
        assert metric.source
        assert metric.as_of is not None
    assert "27MAR26" in demo_report.metric("options.max_pain").label  # headline expiry named in the metric


def test_metric_keys_unique_and_dotted(demo_report):
    keys = [m.key for m in demo_report.all_metrics()]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", k) for k in keys)


def test_demo_is_flagged_synthetic_everywhere(demo_report):
    assert demo_report.synthetic
    assert "SYNTHETIC DEMO DATA" in demo_report.banner
    md = render_markdown(demo_report)
    assert md.startswith("> **SYNTHETIC DEMO DATA")
    assert json.loads(render_json(demo_report))["synthetic"] is True
    assert all(
        m.source.startswith(("demo/", "derived", "user parameter", "parameter", "missing")) or "demo/" in m.source
        for m in demo_report.all_metrics()
    )


def test_same_seed_gives_identical_json_apart_from_generated_at(demo_snapshot):
    a = build_report(demo_snapshot, analyze_snapshot(demo_snapshot), generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    fresh = build_demo_snapshot("BTC", ("ETH",), seed=7)
    b = build_report(fresh, analyze_snapshot(fresh), generated_at=datetime(2031, 6, 1, tzinfo=UTC))
    ja, jb = json.loads(render_json(a)), json.loads(render_json(b))
    assert ja["generated_at"] != jb["generated_at"]
    ja.pop("generated_at")
    jb.pop("generated_at")
    assert json.dumps(ja, sort_keys=True) == json.dumps(jb, sort_keys=True)


def test_different_seed_changes_numbers():
    snap = build_demo_snapshot("BTC", ("ETH",), seed=8)
    other = build_report(snap, analyze_snapshot(snap), generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    snap7 = build_demo_snapshot("BTC", ("ETH",), seed=7)
    base = build_report(snap7, analyze_snapshot(snap7), generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert other.metric("price.last").value != base.metric("price.last").value


def test_json_round_trips_through_the_model(demo_report):
    assert Report.model_validate_json(render_json(demo_report)) == demo_report


def test_published_schema_is_current():
    assert SCHEMA_PATH.read_text() == report_json_schema(), "run: derivintel schema > src/derivintel/report/schema/..."


ALLOWED_PATTERNS = (
    r"\d{4}-\d{2}-\d{2}",  # dates of timestamps (as_of, freshness observation times)
    r"\d{2}:\d{2}",
    r"(?:1h|4h|8h|24h|7d|30d)",  # window names in fixed prose and labels
    r"\d{2}[A-Z]{3}\d{2}",  # expiry names (themselves the value of options.headline_expiry)
    r"[+−-]?\d?σ",
    r"#\d",
    r"25Δ",
    r"(?i)rr25",  # the name of the 25-delta risk reversal
    r"(?i)bf25",  # the name of the 25-delta butterfly
    r"50Δ",
    r"[a-z_]+\.[a-z0-9_.]+",  # rule signal names (dotted metric keys) in the vote table
)


def _tokens(text: str) -> list[str]:
    return [t.strip("()[],.;:|*") for t in text.split()]


def test_every_number_in_markdown_comes_from_the_json(demo_report):
    """Each token with a digit is a formatted metric value, a freshness figure, part of a data-limitation line
    (verbatim JSON text), or one of a few structural patterns (dates, window names, phase numbers)."""
    md = render_markdown(demo_report)
    allowed: set[str] = set()
    for m in demo_report.all_metrics():
        allowed.update(_tokens(format_metric(m, asset=demo_report.symbol)))
        allowed.update(_tokens(m.source))
    for f in demo_report.freshness:
        allowed.update([*_tokens(f.source), freshness_age(f.age_s), freshness_age(f.budget_s)])
    lines = [ln for ln in md.splitlines() if not ln.startswith("- ")]  # limitations: verbatim JSON strings
    assert all(ln[2:] in demo_report.data_limitations for ln in md.splitlines() if ln.startswith("- "))
    bad = []
    for line in lines:
        if line.startswith("## PHASE "):
            line = line.split("—", 1)[1]
        for token in _tokens(line):
            if not re.search(r"\d", token) or token in allowed:
                continue
            if any(re.fullmatch(p, token) for p in ALLOWED_PATTERNS):
                continue
            bad.append((token, line[:80]))
    assert not bad, bad


def test_missing_source_is_missing_not_zero(demo_snapshot):
    from dataclasses import replace

    no_options = {k: replace(v, options=None) for k, v in demo_snapshot.assets.items()}
    snap = replace(demo_snapshot, assets=no_options)
    report = build_report(snap, analyze_snapshot(snap), generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    mp = report.metric("options.max_pain")
    assert mp.source == "missing"  # a missing figure cites no source it does not rest on
    assert mp.value is None
    assert mp.status == "insufficient_data"
    assert "no option chain" in (mp.note or "")
    phase5 = next(p for p in report.phases if p.number == 5)
    # realised volatility needs only candles, so phase 5 is partial, and everything options-based is missing
    assert phase5.status == "partial"
    assert report.metric("options.rv_30d").value is not None
    vrp = report.metric("options.vrp_30d")
    assert vrp.value is None
    assert vrp.source == "missing"
    assert "no 30d ATM IV" in vrp.note
    assert report.metric("options.surface.rr25_30d").value is None
    assert "n/a" in render_markdown(report)
    assert any("options" in item for item in report.data_limitations)


def test_keyed_exchange_flows_show_when_present(demo_snapshot):
    from dataclasses import replace

    import numpy as np

    from derivintel.core.provenance import Source
    from derivintel.domain.macro import MacroSeries

    day = np.datetime64("2026-03-12T00:00", "ms")
    src = Source("cryptoquant", "exchange-flows/netflow", datetime(2026, 3, 13, tzinfo=UTC), demo_snapshot.as_of)
    flows = MacroSeries(
        "exchange_netflow_btc",
        "btc",
        np.array([day]),
        np.array([-1234.5]),
        src,
        np.array([day + np.timedelta64(1, "D")]),
    )
    snap = replace(demo_snapshot, macro={**demo_snapshot.macro, "exchange_netflow_btc": flows})
    report = build_report(snap, analyze_snapshot(snap), generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    metric = report.metric("macro.exchange_netflow_btc")
    assert metric.value == -1234.5
    assert metric.source == "cryptoquant/exchange-flows/netflow"
    assert report.metric("macro.stablecoin_exchange_netflow_usd").value is None  # not fetched: missing, not zero


def test_aggregator_oi_is_a_cross_check_not_summed(demo_snapshot):
    from dataclasses import replace

    import numpy as np

    from derivintel.core.provenance import Source
    from derivintel.domain.series import OpenInterestSeries

    ts = np.array([np.datetime64("2026-03-14T00:00", "ms"), np.datetime64("2026-03-14T04:00", "ms")])
    src = Source("coinglass", "oi-aggregated-usd", datetime(2026, 3, 14, 4, tzinfo=UTC), demo_snapshot.as_of)
    agg = OpenInterestSeries(
        "coinglass-aggregate", "BTC", 14_400, ts, np.array([500e3, 510e3]), np.array([40e9, 41e9]), src
    )
    btc = replace(demo_snapshot.asset("BTC"), aggregate_open_interest=agg)
    snap = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": btc})
    with_agg = build_report(snap, analyze_snapshot(snap), generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    base = build_report(demo_snapshot, analyze_snapshot(demo_snapshot), generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert with_agg.metric("positioning.aggregate.oi_usd").value == 41e9
    assert with_agg.metric("positioning.aggregate.oi_usd").source == "coinglass/oi-aggregated-usd"
    # The venue total is untouched: the aggregate is shown beside it, never added to it.
    assert with_agg.metric("positioning.oi.total_usd").value == base.metric("positioning.oi.total_usd").value
    missing = base.metric("positioning.aggregate.oi_usd")
    assert missing.value is None
    assert "Coinglass key" in missing.note


def test_every_decision_rule_states_its_record_or_that_it_has_none(demo_report):
    # bias (8), dealer regime (7), squeeze (8), clusters (4) carry measured records or their absence; the macro regime
    # (1), the market phase (2) and the trade plan (10) have none and must say so, not imply one
    text = {p.number: " ".join([p.summary, p.reasoning]) for p in demo_report.phases}
    assert "no measured record" in text[1]  # the demo has no store: the macro record is absent and says so
    assert "no measured record" in text[2]
    assert "no measured record" in text[10]
    assert "measured record" in text[7]
    assert demo_report.metric("decision.track_record.n").note  # the demo has none, and the metric says why
    assert demo_report.metric("liquidity.map_accuracy.top_decile_share").value is not None
