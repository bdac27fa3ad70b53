"""Phase 6 cascade on the demo: the runaway of the old simulator (2 % shock → −29.6 %) is gone, keys are stable."""

from __future__ import annotations

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.report.builder import build_report
from tests.report.conftest import GENERATED_AT


def _metrics(report) -> dict:
    return {m.key: m for p in report.phases for m in p.metrics}


def _move(snapshot, shock: float, direction: str) -> float:
    report = build_report(
        snapshot, analyze_snapshot(snapshot, AnalysisOptions(cascade_shock_fraction=shock)), generated_at=GENERATED_AT
    )
    value = _metrics(report)[f"cascade.{direction}.move"].value
    assert isinstance(value, float)
    return value


def test_two_percent_shock_does_not_run_away(demo_snapshot) -> None:
    # The old model forced 100 % of modelled notional into a never-refilled book: −29.6 % from a 2 % shock.
    down = _move(demo_snapshot, 0.02, "down")
    up = _move(demo_snapshot, 0.02, "up")
    assert -0.05 <= down <= -0.02  # signed: a move down is negative, and within a few percent of the shock
    assert 0.02 <= up <= 0.05


def test_half_percent_shock_stays_small(demo_snapshot) -> None:
    # Old model: any shock ≥ 0.5 % gave ≥ 28 %.
    assert -0.03 <= _move(demo_snapshot, 0.005, "down") <= -0.005
