"""Phase 4 shows the liquidation map's accuracy score with N, or null with the reason."""

from __future__ import annotations

from dataclasses import replace

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.report.builder import build_report
from tests.report.conftest import GENERATED_AT

KEY = "liquidity.map_accuracy.top_decile_share"


def test_demo_report_scores_the_map(demo_report) -> None:
    m = demo_report.metric(KEY)
    assert isinstance(m.value, float)
    assert 0.0 <= m.value <= 1.0
    n = demo_report.metric("liquidity.map_accuracy.n_events").value
    assert isinstance(n, int | float)
    assert n > 0
    lo = demo_report.metric("liquidity.map_accuracy.random_low").value
    hi = demo_report.metric("liquidity.map_accuracy.random_high").value
    mean = demo_report.metric("liquidity.map_accuracy.random_mean").value
    assert lo <= mean <= hi
    assert m.status == "partial"  # one day of demo liquidations, not seven: said so
    assert "of 7 days" in (m.note or "")
    phase4 = next(p for p in demo_report.phases if p.number == 4)
    assert KEY in {x.key for x in phase4.metrics}


def test_no_liquidation_history_is_null_with_a_reason(demo_snapshot) -> None:
    btc = replace(demo_snapshot.asset("BTC"), liquidations=())
    snap = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": btc})
    report = build_report(snap, analyze_snapshot(snap, AnalysisOptions()), generated_at=GENERATED_AT)
    m = report.metric(KEY)
    assert m.value is None
    assert m.status == "insufficient_data"
    assert "no realised-liquidation history" in (m.note or "")
