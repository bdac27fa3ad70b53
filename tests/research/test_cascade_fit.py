"""Square-root impact fit on liquidation windows: grouping, hand fit, exact power law recovered."""

from __future__ import annotations

import numpy as np
import pytest

from derivintel.core.result import Status
from derivintel.research.cascade_fit import fit_sqrt_impact, liquidation_windows


def test_windows_group_by_time_and_side() -> None:
    # window 0: two forced sells (longs liquidated) 100 → 99: move +1 % in their direction, Q 30;
    # one forced buy alone (dropped: one fill); window 1 (t ≥ 300): two forced buys 99 → 99.99: +1 %, Q 5.
    t = np.array([10.0, 20.0, 30.0, 310.0, 320.0])
    p = np.array([100.0, 99.0, 100.0, 99.0, 99.99])
    q = np.array([10.0, 20.0, 7.0, 2.0, 3.0])
    s = np.array([-1.0, -1.0, 1.0, 1.0, 1.0])
    w = liquidation_windows(t, p, q, s, window_s=300)
    assert w.n_fills.tolist() == [2, 2]
    assert w.notional_usd.tolist() == pytest.approx([30.0, 5.0])
    assert w.move_frac.tolist() == pytest.approx([0.01, 0.01])
    assert w.start_s.tolist() == [0.0, 300.0]


def test_exact_square_root_law_is_recovered() -> None:
    q = np.geomspace(1e4, 1e8, 25)
    sigma, y, v = 0.02, 0.8, 1e10
    move = y * sigma * np.sqrt(q / v)
    fit = fit_sqrt_impact(move, q, sigma_daily_frac=sigma).value
    assert fit is not None
    assert fit.k == pytest.approx(y / np.sqrt(v), rel=1e-12)
    assert fit.implied_volume_usd_at_y1 == pytest.approx(v / y**2, rel=1e-9)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.loglog_slope == pytest.approx(0.5, abs=1e-12)
    assert fit.n == 25


def test_too_few_windows_is_missing() -> None:
    assert fit_sqrt_impact(np.ones(5), np.ones(5), sigma_daily_frac=0.02).status is Status.INSUFFICIENT_DATA
    assert fit_sqrt_impact(-np.ones(20), np.ones(20), sigma_daily_frac=0.02).status is Status.INSUFFICIENT_DATA
