"""Cascade exposure and the square-root-impact cascade: hand case, flags, conservation, symmetry, monotonicity."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from derivintel.analytics.liquidity.book_depth import DepthCurve
from derivintel.analytics.liquidity.cascade import CascadeParams, cascade_exposure, simulate_cascade
from derivintel.analytics.liquidity.impact import DEFAULT_IMPACT_RANGE, ImpactParams, MarketActivity
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


def _act(sigma: float = 0.02, volume: float = 500.0) -> MarketActivity:
    return MarketActivity(sigma, volume, 720, 3600, ("test",))


ONE = (ImpactParams("only", y=1.0, forced_fraction=0.5, resilience=0.5),)


def test_hand_case_down() -> None:
    # P = 100; long levels 100 @ 99, 200 @ 98, 1000 @ 96; σ_d 0.02, V_d 500 USD; Y 1, f 0.5, r 0.5; shock 1.5 %.
    # wave 1 crosses (0, 1.5 %]: 99 → Q1 = 50, U1 = 50, impact 0.02·√(50/500) = 0.0063246 → x1 = 0.0213246.
    # wave 2 crosses (1.5 %, 2.13 %]: 98 → Q2 = 100, U2 = 0.5·50 + 100 = 125, impact 0.02·√0.25 = 0.01 → x2 = 0.025.
    # wave 3 crosses (2.13 %, 2.5 %]: nothing (96 is 4 % away) → stop; terminal 97.5.
    m = _map({99.0: 100.0, 98.0: 200.0, 96.0: 1000.0}, {})
    res = simulate_cascade(
        m, _linear_curve(100.0), _act(), price_usd=100.0, shock_fraction=0.015, direction="down", param_sets=ONE
    )
    assert res.value is not None
    path = res.value.central
    assert path.forced_notional_usd_per_wave == pytest.approx((50.0, 100.0))
    assert path.impact_fraction_per_wave == pytest.approx((0.02 * np.sqrt(0.1), 0.01))
    assert path.price_path_usd == pytest.approx((100.0, 98.5, 100 * (1 - 0.015 - 0.02 * np.sqrt(0.1)), 97.5))
    assert path.terminal_move_fraction == pytest.approx(-0.025)
    assert path.n_waves == 2
    assert path.stopped_by == "no_new_level"
    # U2/V = 0.25 > 0.1: wave 2 is beyond the measured range of the law; wave 1 (0.1) is not; book covers 2.5 %.
    assert len(path.flags) == 1
    assert path.flags[0].startswith("wave 2: forced flow 25.0% of daily volume")
    assert res.status is Status.PARTIAL
    assert "only -2.50%" in res.value.note


def test_the_old_runaway_case_now_ends_near_the_shock() -> None:
    # The old simulator forced 100 % of every crossed level into a never-refilled book extrapolated at average depth:
    # with 500 USD of longs at every 1 % below 100 and 300 USD of bids per 1 %, a 1.5 % shock ran to the 50 % cap.
    levels = {float(p): 500.0 for p in range(45, 100)}
    m = _map(levels, {})
    res = simulate_cascade(
        m, _linear_curve(300.0), _act(0.03, 1e6), price_usd=100.0, shock_fraction=0.015, direction="down"
    )
    assert res.value is not None
    for path in res.value.paths:
        assert -0.03 < path.terminal_move_fraction <= -0.015
        assert path.stopped_by == "no_new_level"


def test_flags_beyond_book_and_visible_depth() -> None:
    levels = {float(p): 5000.0 for p in range(80, 100)}
    m = _map(levels, {})
    thin = _linear_curve(10.0, reach=0.01)  # 10 USD per 1 % out to 1 %
    res = simulate_cascade(m, thin, _act(0.05, 2000.0), price_usd=100.0, shock_fraction=0.02, direction="down")
    assert res.value is not None
    high = res.value.high
    assert any("past the order-book snapshot" in f for f in high.flags)
    assert any("exceeds the visible bid depth" in f for f in high.flags)
    assert any("beyond the square-root law's measured range" in f for f in high.flags)
    assert res.value.flags
    assert all(f.split(":")[0] in ("low", "central", "high") for f in res.value.flags)
    assert res.status is Status.PARTIAL


def test_max_waves_and_max_move() -> None:
    levels = {float(p): 500.0 for p in range(45, 100)}
    m = _map(levels, {})
    strong = (ImpactParams("x", y=1.0, forced_fraction=1.0, resilience=0.0),)
    kw = {"price_usd": 100.0, "shock_fraction": 0.015, "direction": "down", "param_sets": strong}
    capped = simulate_cascade(m, _linear_curve(300.0), _act(0.05, 1000.0), params=CascadeParams(max_waves=2), **kw)
    assert capped.value is not None
    assert capped.value.central.n_waves == 2
    assert capped.value.central.stopped_by == "max_waves"
    far = simulate_cascade(
        m, _linear_curve(300.0), _act(0.05, 1000.0), params=CascadeParams(max_move_fraction=0.1), **kw
    )
    assert far.value is not None
    assert far.value.central.stopped_by == "max_move"
    assert far.value.central.terminal_price_usd == pytest.approx(90.0)


def test_missing_inputs() -> None:
    m = _map({99.0: 1.0}, {})
    kw = {"price_usd": 100.0, "shock_fraction": 0.01, "direction": "down"}
    assert simulate_cascade(m, _linear_curve(1.0), _act(0.0, 1.0), **kw).status is Status.INSUFFICIENT_DATA
    assert simulate_cascade(m, _linear_curve(1.0), _act(0.02, 0.0), **kw).status is Status.INSUFFICIENT_DATA
    bad = {"price_usd": 100.0, "shock_fraction": 1.5, "direction": "down"}
    assert simulate_cascade(m, _linear_curve(1.0), _act(), **bad).status is Status.INSUFFICIENT_DATA
    with pytest.raises(ValueError, match="forced_fraction"):
        ImpactParams("bad", y=1.0, forced_fraction=1.5, resilience=0.0)


def _random_case(seed: int) -> tuple[dict[float, float], MarketActivity]:
    rng = np.random.default_rng(seed)
    prices = rng.choice(np.arange(45, 100), size=20, replace=False).astype(float)
    notionals = rng.uniform(0, 1000, 20)
    return dict(zip(prices.tolist(), notionals.tolist(), strict=True)), _act(
        float(rng.uniform(0.01, 0.08)), float(rng.uniform(200.0, 20_000.0))
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), shock=st.floats(0.002, 0.05))
@example(seed=99999, shock=0.049999999999999996)  # the shock ends exactly on a level (95.0): found by Hypothesis
def test_conservation_symmetry_and_range(seed: int, shock: float) -> None:
    long_levels, act = _random_case(seed)
    m_down = _map(long_levels, {})
    # mirror: a short level at 200 − p is as far above 100 as p is below
    m_up = _map({}, {200.0 - p: n for p, n in long_levels.items()})
    down = simulate_cascade(m_down, _linear_curve(100.0), act, price_usd=100.0, shock_fraction=shock, direction="down")
    up = simulate_cascade(
        m_up, _linear_curve(100.0, side="ask"), act, price_usd=100.0, shock_fraction=shock, direction="up"
    )
    assert down.value is not None
    assert up.value is not None
    for dp, upp, ps in zip(down.value.paths, up.value.paths, DEFAULT_IMPACT_RANGE, strict=True):
        assert dp.params == ps
        # conservation: forced = f × Σ notional of the levels crossed before the last wave's end point
        if dp.stopped_by == "no_new_level":
            last_x = 1 - dp.price_path_usd[-1] / 100.0
            distances = [(100 - p) / 100 for p in long_levels]
            # a level within rounding of the end point (shock 0.049999999999999996 ends at 95.0 = a level) is
            # neither crossed nor missed for this oracle, which reads the end point back from a rounded price
            if all(abs(d - last_x) > 1e-9 for d in distances):
                crossed = sum(n for p, n in long_levels.items() if 0 < (100 - p) / 100 <= last_x)
                assert dp.total_forced_notional_usd == pytest.approx(ps.forced_fraction * crossed, rel=1e-9, abs=1e-9)
        assert sum(dp.forced_notional_usd_per_wave) == pytest.approx(dp.total_forced_notional_usd)
        # symmetry: the up cascade over mirrored levels is the down cascade mirrored
        assert upp.n_waves == dp.n_waves
        assert upp.terminal_move_fraction == pytest.approx(-dp.terminal_move_fraction, rel=1e-9, abs=1e-12)
        assert dp.terminal_move_fraction <= -shock + 1e-15
    # the central move lies within the stated low / high range
    lo, c, hi = (p.terminal_move_fraction for p in down.value.paths)
    assert hi <= c + 1e-15
    assert c <= lo + 1e-15


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), s1=st.floats(0.002, 0.05), s2=st.floats(0.002, 0.05))
def test_move_is_monotone_in_the_shock(seed: int, s1: float, s2: float) -> None:
    long_levels, act = _random_case(seed)
    m = _map(long_levels, {})
    small, big = sorted((s1, s2))
    a = simulate_cascade(m, _linear_curve(100.0), act, price_usd=100.0, shock_fraction=small, direction="down")
    b = simulate_cascade(m, _linear_curve(100.0), act, price_usd=100.0, shock_fraction=big, direction="down")
    assert a.value is not None
    assert b.value is not None
    for pa, pb in zip(a.value.paths, b.value.paths, strict=True):
        assert pb.terminal_move_fraction <= pa.terminal_move_fraction + 1e-12  # bigger shock → at least as far down


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
