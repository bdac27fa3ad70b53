"""Liquidation price formula against hand calculations, and the long < entry < short invariant."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.analytics.liquidity.liquidation_price import (
    liquidation_price,
)


@pytest.mark.parametrize(
    ("entry", "lev", "mmr", "side", "expected"),
    [
        # long 10x, MMR 0.4 %: 40000 × (1 − 0.1) / (1 − 0.004) = 36000 / 0.996 = 36144.578313...
        (40_000.0, 10.0, 0.004, "long", 36_000.0 / 0.996),
        # short 10x, MMR 0.4 %: 40000 × 1.1 / 1.004 = 44000 / 1.004 = 43824.701195...
        (40_000.0, 10.0, 0.004, "short", 44_000.0 / 1.004),
        # long 100x, MMR 0.5 %: 50000 × 0.99 / 0.995 = 49500 / 0.995 = 49748.743718...
        (50_000.0, 100.0, 0.005, "long", 49_748.743718592965),
        # short 100x, MMR 0.5 %: 50000 × 1.01 / 1.005 = 50500 / 1.005 = 50248.756218...
        (50_000.0, 100.0, 0.005, "short", 50_248.756218905476),
        # long 2x, MMR 0: 100 × 0.5 = 50 ; short 2x, MMR 0: 100 × 1.5 = 150
        (100.0, 2.0, 0.0, "long", 50.0),
        (100.0, 2.0, 0.0, "short", 150.0),
        # Hyperliquid BTC 40x, MMR 1/80 = 0.0125: long 80000 × 0.975 / 0.9875 = 78000 / 0.9875 = 78987.3417...
        (80_000.0, 40.0, 0.0125, "long", 78_987.34177215189),
        # short 25x, MMR 0.02 (HL ETH): 2000 × 1.04 / 1.02 = 2080 / 1.02 = 2039.2156...
        (2_000.0, 25.0, 0.02, "short", 2_039.2156862745098),
    ],
)
def test_hand_cases(entry: float, lev: float, mmr: float, side: str, expected: float) -> None:
    assert liquidation_price(entry, lev, mmr, side) == pytest.approx(expected, rel=1e-12)


def test_vectorised_matches_scalar() -> None:
    entries = np.array([100.0, 200.0, 300.0])
    levs = np.array([5.0, 20.0, 50.0])
    sides = np.array([True, False, True])
    got = liquidation_price(entries, levs, 0.004, sides)
    want = [
        liquidation_price(e, lv, 0.004, "long" if s else "short")
        for e, lv, s in zip(entries, levs, sides, strict=False)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-14)
    # broadcasting: 2 entries × 3 tiers
    grid = liquidation_price(entries[:2, None], levs[None, :], 0.004, "long")
    assert grid.shape == (2, 3)
    assert grid[1, 2] == pytest.approx(200.0 * (1 - 1 / 50) / 0.996)


@pytest.mark.parametrize(
    ("lev", "mmr", "match"),
    [(0.0, 0.004, "leverage"), (250.0, 0.004, "1/leverage"), (10.0, 1.0, "mmr"), (10.0, -0.1, "mmr")],
)
def test_invalid_inputs_raise(lev: float, mmr: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        liquidation_price(100.0, lev, mmr, "long")


def test_bad_side_raises() -> None:
    with pytest.raises(ValueError, match="side"):
        liquidation_price(100.0, 10.0, 0.004, "flat")  # type: ignore[arg-type]


@given(
    entry=st.floats(1e-3, 1e7),
    lev=st.floats(1.01, 200.0),
    mmr_share=st.floats(0.0, 0.99),
)
def test_long_below_entry_below_short(entry: float, lev: float, mmr_share: float) -> None:
    mmr = mmr_share / lev  # any MMR with 1/L > MMR
    long_px = liquidation_price(entry, lev, mmr, "long")
    short_px = liquidation_price(entry, lev, mmr, "short")
    assert long_px < entry < short_px


@given(entry=st.floats(1.0, 1e6), lev_a=st.floats(1.5, 100.0), lev_b=st.floats(1.5, 100.0))
def test_higher_leverage_is_closer(entry: float, lev_a: float, lev_b: float) -> None:
    lo, hi = sorted((lev_a, lev_b))
    assert liquidation_price(entry, hi, 0.004, "long") >= liquidation_price(entry, lo, 0.004, "long")
    assert liquidation_price(entry, hi, 0.004, "short") <= liquidation_price(entry, lo, 0.004, "short")


def test_bracket_liquidation_price_by_hand_and_against_tier_one() -> None:
    from derivintel.analytics.liquidity.liquidation_price import bracket_liquidation_price
    from derivintel.sources.binance.margins import leverage_brackets

    t = leverage_brackets()
    assert t is not None
    # tier 1 (cum 0, MMR 0.4%): the plain formula
    assert bracket_liquidation_price(70_000.0, 20.0, 10_000.0, "long", t) == pytest.approx(
        liquidation_price(70_000.0, 20.0, 0.004, "long")
    )
    # $1M at 20x sits in bracket 3 (MMR 1%, cum 1,300): Q = 1e6/7e4 coins, cum/Q = 91 USD per coin
    long = bracket_liquidation_price(70_000.0, 20.0, 1_000_000.0, "long", t)
    assert long == pytest.approx((70_000 * 0.95 - 91.0) / 0.99)
    short = bracket_liquidation_price(70_000.0, 20.0, 1_000_000.0, "short", t)
    assert short == pytest.approx((70_000 * 1.05 + 91.0) / 1.01)
    # the tier-1 approximation is about 0.5% off there (the defect this replaces)
    assert (long - liquidation_price(70_000.0, 20.0, 0.004, "long")) / long == pytest.approx(0.00466, abs=1e-4)
    with pytest.raises(ValueError, match="maximum of 20x"):
        bracket_liquidation_price(70_000.0, 25.0, 5_000_000.0, "long", t)
    with pytest.raises(ValueError, match="beyond"):
        bracket_liquidation_price(70_000.0, 1.0, 1e12, "long", t)
