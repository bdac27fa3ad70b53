"""The plan record on real Binance BTCUSDT 4h history: the replayed plan at a decision time is the plan the
point-in-time report shows at that time (same rules, same window), and the record's figures hold together."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.core.timeutil import to_ms
from derivintel.research.plan_track import _structure_candles, plan_at, plan_track_record
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps
from derivintel.store.snapshot_at import build_snapshot_at
from tests.realdata import real_path


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with HistoryStore(tmp_path_factory.mktemp("plan") / "h.duckdb") as s:
        import_dumps("binance-vision", [real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_4h.csv")], s)
        yield s


@pytest.mark.parametrize(
    "at", [datetime(2022, 6, 13, tzinfo=UTC), datetime(2024, 3, 4, tzinfo=UTC), datetime(2025, 9, 15, tzinfo=UTC)]
)
def test_replayed_plan_is_the_point_in_time_reports_plan(store, at):
    live = analyze_snapshot(build_snapshot_at(store, "BTC", (), at), AnalysisOptions()).plan.value
    replay = plan_at(_structure_candles(store.candle_series("BTC")), to_ms(at))
    assert live is not None
    assert replay is not None
    assert replay.price_usd == live.price_usd
    assert replay.atr_usd == pytest.approx(live.atr_usd, rel=1e-12)
    for mine, theirs in ((replay.long, live.long), (replay.short, live.short)):
        assert (mine.status, mine.reason, mine.entry_level, mine.targets) == (
            theirs.status,
            theirs.reason,
            theirs.entry_level,
            theirs.targets,
        )
        assert mine.stop_usd == theirs.stop_usd
        assert mine.entry_usd == theirs.entry_usd
    # the phase call the record replays is the report's phase call
    from derivintel.research.plan_track import replay_weekly

    phase = analyze_snapshot(build_snapshot_at(store, "BTC", (), at), AnalysisOptions()).primary.structure.value.phase
    replayed = replay_weekly(_structure_candles(store.candle_series("BTC")), np.array([to_ms(at)])).phase_calls
    assert [c.phase for c in replayed] == [phase.phase.value]


def test_plan_record_on_five_years(store):
    as_of = datetime(2026, 7, 1, tzinfo=UTC)
    res = plan_track_record(store, "BTC", as_of, n_boot=300)
    rec = res.value
    assert rec is not None
    assert rec.span_end <= datetime(2026, 6, 24, tzinfo=UTC)  # every horizon closed by as_of
    assert rec.span_start >= datetime(2021, 7, 1, tzinfo=UTC)  # the 5-year window
    assert rec.n_target + rec.n_stop + rec.n_open == rec.n_filled <= rec.n_plans
    assert rec.n_target + rec.n_stop >= rec.min_plans
    assert rec.hit_ci_low <= rec.hit_rate <= rec.hit_ci_high
    assert rec.edge_ci_low <= rec.edge <= rec.edge_ci_high
    assert rec.mean_r_ci_low <= rec.mean_r_net <= rec.mean_r_ci_high
    assert 0 < rec.base_hit_rate < 1
    assert any("replayed on 4h bars" in r for r in res.reasons)
    assert {"options walls", "modelled liquidation clusters"} == set(rec.excluded)


def test_phase_10_shows_the_record_with_its_figures(store):
    from derivintel.assessment.analyze import UNCALIBRATED
    from derivintel.report.builder import build_report

    as_of = datetime(2026, 7, 1, tzinfo=UTC)
    res = plan_track_record(store, "BTC", as_of, n_boot=300)
    snap = build_snapshot_at(store, "BTC", (), as_of)
    cal = type(UNCALIBRATED)(UNCALIBRATED.short_squeeze, UNCALIBRATED.long_squeeze, plan_record=res)
    report = build_report(snap, analyze_snapshot(snap, AnalysisOptions(), cal), generated_at=as_of)
    p10 = next(p for p in report.phases if p.number == 10)
    assert "Measured record: the same rules replayed every Monday on 4h bars" in p10.reasoning
    assert "Not replayed: options walls" in p10.reasoning
    assert report.metric("risk.plan_record.hit_rate").value == res.value.hit_rate
    assert report.metric("risk.plan_record.n_resolved").value == res.value.n_target + res.value.n_stop
    assert report.metric("risk.plan_record.mean_r_net").value == res.value.mean_r_net


def test_phase_record_on_five_years(store):
    from derivintel.research.plan_track import structure_records

    plan, phases = structure_records(store, "BTC", datetime(2026, 7, 1, tzinfo=UTC), n_boot=300)
    rec = phases.value
    assert rec.n_up + rec.n_down == sum(rec.n_by_phase.values()) >= 250  # about one call a week over 5 years
    assert rec.ci_low <= rec.difference <= rec.ci_high
    assert any("not replayed" in r for r in phases.reasons)
    assert plan.value.n_decisions >= 250


def test_demo_says_the_plan_has_no_measured_record():
    from derivintel.app.pipeline import SnapshotRequest, build_report_for

    report = build_report_for(
        "BTC",
        secondary=(),
        request=SnapshotRequest(demo=True),
        options=AnalysisOptions(),
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    p10 = next(p for p in report.phases if p.number == 10)
    assert "The plan has no measured record in this report (no measured record: no stored history" in p10.reasoning
    assert report.metric("risk.plan_record.hit_rate").value is None
    p2 = next(p for p in report.phases if p.number == 2)
    assert "The phase call has no measured record in this report" in p2.reasoning
    assert report.metric("structure.phase_record.difference").value is None
