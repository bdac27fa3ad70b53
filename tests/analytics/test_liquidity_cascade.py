"""Cascade exposure and simulator: hand case, conservation, deep vs thin book, direction symmetry."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.liquidity.book_depth import DepthCurve
from derivintel.analytics.liquidity.cascade import CascadeParams, cascade_exposure, simulate_cascade
from derivintel.analytics.liquidity.liquidation_map import LiquidationMap
from derivintel.core.result import Status

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _map(long_: dict[float, float], short: dict[float, float], ref: float = 100.0, width: float = 1.0):
    """A map on a 1-USD grid with bin centres at integer prices (edges at x.5)."""
    centers = np.arange(ref - 60, ref + 61, width)
    edges = np.concatenate((centers - width / 2, [centers[-1] + width / 2]))
    lo = np.array([long_.get(float(c), 0.0) for c in centers])
    sh = np.array([short.get(float(c), 0.0) for c in centers])
    return LiquidationMap(
        asset="BTC",
        as_of=T0,
        reference_price_usd=ref,
        bin_width_usd=width,
        bin_edges_usd=edges,
        bin_centers_usd=centers,
        long_notional_usd=lo,
        short_notional_usd=sh,
        long_outside_range_usd=0.0,
        short_outside_range_usd=0.0,
        long_within_usd={},
        short_within_usd={},
        long_clusters=(),
        short_clusters=(),
        venues=(),
        added_usd=float(lo.sum() + sh.sum()),
        removed_usd=0.0,
        consumed_usd=0.0,
    )


def _linear_curve(usd_per_pct: float, reach: float = 0.05, side: str = "bid") -> DepthCurve:
    return DepthCurve(side, np.array([0.0, reach]), np.array([0.0, usd_per_pct * reach * 100]))  # type: ignore[arg-type]


def test_hand_case_down() -> None:
    # P = 100; long levels 100 @ 99, 200 @ 98, 1000 @ 96; bids 100 USD per 1 % out to 5 % (500 USD).
    # shock 1.5 %: book used D(0.015) = 150.  wave 1 crosses (0, 1.5 %]: 99 → 100; used 250 → x = 2.5 %.
    # wave 2 crosses (1.5, 2.5 %]: 98 → 200; used 450 → x = 4.5 %.   wave 3 crosses (2.5, 4.5 %]: 96 → 1000;
    # used 1450 > 500: beyond reach at the snapshot's own average 500 / 0.05 = 10 000 USD per unit fraction:
    # x = 0.05 + 950 / 10 000 = 0.145.  wave 4 crosses (4.5, 14.5 %]: nothing → stop.
    m = _map({99.0: 100.0, 98.0: 200.0, 96.0: 1000.0}, {})
    res = simulate_cascade(m, _linear_curve(100.0), price_usd=100.0, shock_fraction=0.015, direction="down")
    path = res.value
    assert path is not None
    assert path.forced_notional_usd_per_wave == pytest.approx((100.0, 200.0, 1000.0))
    assert path.total_forced_notional_usd == pytest.approx(1300.0)
    assert path.price_path_usd == pytest.approx((100.0, 98.5, 97.5, 95.5, 85.5))
    assert path.terminal_price_usd == pytest.approx(85.5)
    assert path.terminal_move_fraction == pytest.approx(0.145)
    assert path.n_waves == 3
    assert path.extrapolated
    assert path.stopped_by == "no_new_level"
    assert res.status is Status.PARTIAL
    assert any("snapshot's own average" in a for a in path.assumptions)
    # explicit assumption: 1000 USD per 1 % beyond the snapshot → x = 0.05 + 950 / 100 000 = 0.0595
    res2 = simulate_cascade(
        m,
        _linear_curve(100.0),
        price_usd=100.0,
        shock_fraction=0.015,
        direction="down",
        params=CascadeParams(extrapolation_usd_per_pct=1000.0),
    )
    assert res2.value is not None
    assert res2.value.terminal_price_usd == pytest.approx(94.05)
    assert any("(parameter)" in a for a in res2.value.assumptions)


def test_deep_book_stops_at_first_wave_thin_book_runs() -> None:
    levels = {float(p): 500.0 for p in range(70, 100)}  # 500 USD at every 1 % below 100
    m = _map(levels, {})
    deep = simulate_cascade(m, _linear_curve(1e9), price_usd=100.0, shock_fraction=0.015, direction="down").value
    thin = simulate_cascade(m, _linear_curve(300.0), price_usd=100.0, shock_fraction=0.015, direction="down").value
    assert deep is not None
    assert thin is not None
    assert deep.n_waves == 1
    assert deep.total_forced_notional_usd == pytest.approx(500.0)  # only the 99 level
    assert not deep.extrapolated
    assert thin.n_waves > deep.n_waves
    assert thin.terminal_price_usd < deep.terminal_price_usd
    assert thin.total_forced_notional_usd > deep.total_forced_notional_usd


def test_max_waves_and_max_move() -> None:
    levels = {float(p): 500.0 for p in range(45, 100)}
    m = _map(levels, {})
    capped = simulate_cascade(
        m,
        _linear_curve(300.0),
        price_usd=100.0,
        shock_fraction=0.015,
        direction="down",
        params=CascadeParams(max_waves=2),
    ).value
    assert capped is not None
    assert capped.n_waves == 2
    assert capped.stopped_by == "max_waves"
    far = simulate_cascade(
        m,
        _linear_curve(10.0),
        price_usd=100.0,
        shock_fraction=0.015,
        direction="down",
        params=CascadeParams(max_move_fraction=0.2),
    ).value
    assert far is not None
    assert far.stopped_by == "max_move"
    assert far.terminal_price_usd == pytest.approx(80.0)


def test_no_depth_is_missing() -> None:
    m = _map({99.0: 1.0}, {})
    empty = DepthCurve("bid", np.zeros(1), np.zeros(1))
    res = simulate_cascade(m, empty, price_usd=100.0, shock_fraction=0.01, direction="down")
    assert res.status is Status.INSUFFICIENT_DATA


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 100_000),
    shock=st.floats(0.002, 0.05),
    usd_per_pct=st.floats(50.0, 5000.0),
)
def test_conservation_and_symmetry(seed: int, shock: float, usd_per_pct: float) -> None:
    rng = np.random.default_rng(seed)
    prices = rng.choice(np.arange(45, 100), size=20, replace=False).astype(float)
    notionals = rng.uniform(0, 1000, 20)
    long_levels = dict(zip(prices.tolist(), notionals.tolist(), strict=False))
    m_down = _map(long_levels, {})
    # mirror: a short level at 200 − p is as far above 100 as p is below
    m_up = _map({}, {200.0 - p: n for p, n in long_levels.items()})
    dist = np.concatenate(([0.0], np.sort(rng.uniform(0, 0.03, 10))))
    cum = np.concatenate(([0.0], np.cumsum(rng.uniform(0, usd_per_pct, 10))))
    down = simulate_cascade(
        m_down, DepthCurve("bid", dist, cum), price_usd=100.0, shock_fraction=shock, direction="down"
    ).value
    up = simulate_cascade(
        m_up, DepthCurve("ask", dist, cum), price_usd=100.0, shock_fraction=shock, direction="up"
    ).value
    assert down is not None
    assert up is not None
    # conservation: forced = Σ notional of the levels crossed before the last wave's end point
    if down.stopped_by == "no_new_level":
        last_x = 1 - down.price_path_usd[-1] / 100.0
        crossed = sum(n for p, n in long_levels.items() if 0 < (100 - p) / 100 <= last_x + 1e-12)
        assert down.total_forced_notional_usd == pytest.approx(crossed, rel=1e-9, abs=1e-9)
    assert sum(down.forced_notional_usd_per_wave) == pytest.approx(down.total_forced_notional_usd)
    # symmetry
    assert up.n_waves == down.n_waves
    assert up.forced_notional_usd_per_wave == pytest.approx(down.forced_notional_usd_per_wave)
    assert up.terminal_move_fraction == pytest.approx(down.terminal_move_fraction, rel=1e-9, abs=1e-12)
    assert up.terminal_price_usd >= 100.0 >= down.terminal_price_usd


def test_exposure_and_asymmetry() -> None:
    # longs 100 @ 99.0 (1 % below), 300 @ 97 (3 %); shorts 50 @ 101 (1 %), 50 @ 104 (4 %), 999 @ 110 (10 %).
    m = _map({99.0: 100.0, 97.0: 300.0}, {101.0: 50.0, 104.0: 50.0, 110.0: 999.0})
    ex = cascade_exposure(m, bands=(0.01, 0.02, 0.05)).value
    assert ex is not None
    assert ex.long_below_usd == {0.01: 100.0, 0.02: 100.0, 0.05: 400.0}
    assert ex.short_above_usd == {0.01: 50.0, 0.02: 50.0, 0.05: 100.0}
    assert ex.asymmetry[0.05] == pytest.approx(4.0)
    only_longs = cascade_exposure(_map({99.0: 1.0}, {}), bands=(0.01,))
    assert only_longs.value is not None
    assert only_longs.value.asymmetry[0.01] is None
    assert only_longs.reasons
