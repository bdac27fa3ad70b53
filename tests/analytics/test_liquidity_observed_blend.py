"""The cascade's levels: modelled map with one venue's covered share replaced by its observed positions.

The reference is brute force: every level (venue A modelled, venue B modelled at weight 1 − c, venue B observed) is
put in its bin one by one in plain Python on the shared grid, and the blend of the binned maps must equal it.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.analytics.liquidity.liquidation_map import LiquidationMap, LiquidationMapParams
from derivintel.analytics.liquidity.observed_blend import MIN_OBSERVED_COVERAGE_FRAC, blend_observed_levels
from derivintel.analytics.liquidity.observed_map import build_observed_map
from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.positions import ObservedPositions

AS_OF = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
REF = 100.0
GRID = LiquidationMapParams()
N_SIDE = math.ceil(GRID.range_fraction / GRID.bin_width_fraction)
WIDTH = GRID.bin_width_fraction * REF
EDGES = REF + WIDTH * np.arange(-N_SIDE, N_SIDE + 1, dtype=np.float64)


def brute_bins(levels: list[tuple[float, float, bool]]) -> tuple[list[float], list[float], dict, dict, float, float]:
    """(long bins, short bins, long within band, short within band, long outside, short outside) of
    ``levels`` = [(price, notional, is_long)], one level at a time."""
    long_b = [0.0] * (2 * N_SIDE)
    short_b = [0.0] * (2 * N_SIDE)
    lw = dict.fromkeys(GRID.bands, 0.0)
    sw = dict.fromkeys(GRID.bands, 0.0)
    lo = so = 0.0
    for price, notional, is_long in levels:
        i = math.floor((price - EDGES[0]) / WIDTH)
        if 0 <= i < 2 * N_SIDE:
            (long_b if is_long else short_b)[i] += notional
        elif is_long:
            lo += notional
        else:
            so += notional
        for d in GRID.bands:
            if is_long and price >= REF * (1 - d):
                lw[d] += notional
            if not is_long and price <= REF * (1 + d):
                sw[d] += notional
    return long_b, short_b, lw, sw, lo, so


def as_map(levels: list[tuple[float, float, bool]]) -> LiquidationMap:
    long_b, short_b, lw, sw, lo, so = brute_bins(levels)
    return LiquidationMap(
        asset="BTC",
        as_of=AS_OF,
        reference_price_usd=REF,
        bin_width_usd=WIDTH,
        bin_edges_usd=EDGES,
        bin_centers_usd=(EDGES[:-1] + EDGES[1:]) / 2,
        long_notional_usd=np.array(long_b),
        short_notional_usd=np.array(short_b),
        long_outside_range_usd=lo,
        short_outside_range_usd=so,
        long_within_usd=lw,
        short_within_usd=sw,
        long_clusters=(),
        short_clusters=(),
        venues=(),
        added_usd=0.0,
        removed_usd=0.0,
        consumed_usd=0.0,
    )


def random_levels(rng: random.Random, n: int) -> list[tuple[float, float, bool]]:
    out = []
    for _ in range(n):
        is_long = rng.random() < 0.5
        dist = rng.uniform(0.001, 0.4)  # some beyond the ±30 % range
        out.append((REF * (1 - dist) if is_long else REF * (1 + dist), rng.uniform(1.0, 1000.0), is_long))
    return out


def observed(rows: list[tuple[float, float]], oi_base: float) -> tuple[ObservedPositions, float]:
    """rows: (size_base, liquidation price); all read at as_of, isolated 10×."""
    n = len(rows)
    pos = ObservedPositions(
        venue="hyperliquid",
        coin="BTC",
        observed_at=np.array([to_datetime64(AS_OF)] * n, dtype="datetime64[ms]"),
        size_base=np.array([r[0] for r in rows]),
        liquidation_price_usd=np.array([r[1] for r in rows]),
        leverage=np.full(n, 10.0),
        is_cross=np.zeros(n, dtype=bool),
        position_value_usd=np.abs(np.array([r[0] for r in rows])) * REF,
        accounts_observed=n,
        accounts_failed=0,
        source=Source("hyperliquid", "clearinghouseState", AS_OF, AS_OF),
    )
    return pos, oi_base


@pytest.mark.parametrize("seed", range(5))
def test_blend_equals_brute_force_binning_of_all_levels(seed: int) -> None:
    rng = random.Random(seed)
    venue_a = random_levels(rng, 300)
    venue_b = random_levels(rng, 200)
    rows = []
    for _ in range(50):
        is_long = rng.random() < 0.5
        dist = rng.uniform(0.001, 0.35)
        rows.append((rng.uniform(0.1, 3.0) * (1 if is_long else -1), REF * (1 - dist if is_long else 1 + dist)))
    pos, _ = observed(rows, 0.0)
    observed_base = sum(abs(r[0]) for r in rows)
    coverage = rng.uniform(0.3, 0.9)
    oi_base = observed_base / (2 * coverage)
    obs = build_observed_map(pos, as_of=AS_OF, reference_price_usd=REF, oi_base=oi_base).value
    assert obs is not None
    assert obs.coverage_frac == pytest.approx(coverage)

    res = blend_observed_levels(as_map(venue_a + venue_b), as_map(venue_b), obs)
    assert res.value is not None, res.reasons
    got = res.value.map

    c = coverage
    expected_levels = venue_a + [(p, (1 - c) * q, is_long) for p, q, is_long in venue_b]
    expected_levels += [(liq, abs(size) * REF, size > 0) for size, liq in rows]
    long_b, short_b, lw, sw, lo, so = brute_bins(expected_levels)
    np.testing.assert_allclose(got.long_notional_usd, long_b, rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(got.short_notional_usd, short_b, rtol=1e-9, atol=1e-7)
    for d in GRID.bands:
        assert got.long_within_usd[d] == pytest.approx(lw[d], rel=1e-9)
        assert got.short_within_usd[d] == pytest.approx(sw[d], rel=1e-9)
    assert got.long_outside_range_usd == pytest.approx(lo, rel=1e-9)
    assert got.short_outside_range_usd == pytest.approx(so, rel=1e-9)
    # clusters are recomputed on the blended bins, nearest first
    assert [cl.distance_fraction for cl in got.long_clusters] == sorted(
        cl.distance_fraction for cl in got.long_clusters
    )
    assert "observed positions" in got.label
    assert res.value.coverage_frac == pytest.approx(coverage)


def test_coverage_below_threshold_keeps_the_model_and_says_why() -> None:
    pos, _ = observed([(1.0, 95.0), (-1.0, 105.0)], 0.0)
    obs = build_observed_map(pos, as_of=AS_OF, reference_price_usd=REF, oi_base=10.0).value  # coverage 10 %
    assert obs is not None
    assert obs.coverage_frac == pytest.approx(0.1)
    m = as_map([(95.0, 10.0, True)])
    res = blend_observed_levels(m, m, obs)
    assert res.value is None
    assert any(f"under the {MIN_OBSERVED_COVERAGE_FRAC:.0%}" in r for r in res.reasons)
    assert blend_observed_levels(m, m, obs, min_coverage_frac=0.05).value is not None


def test_unknown_coverage_keeps_the_model() -> None:
    pos, _ = observed([(1.0, 95.0)], 0.0)
    obs = build_observed_map(pos, as_of=AS_OF, reference_price_usd=REF, oi_base=None).value
    assert obs is not None
    assert obs.coverage_frac is None
    m = as_map([(95.0, 10.0, True)])
    res = blend_observed_levels(m, m, obs)
    assert res.value is None
    assert "coverage unknown" in res.reasons[0]


def test_different_grids_are_refused() -> None:
    pos, _ = observed([(1.0, 95.0), (-1.0, 105.0)], 0.0)
    obs = build_observed_map(pos, as_of=AS_OF, reference_price_usd=REF + 1.0, oi_base=2.0).value
    m = as_map([(95.0, 10.0, True)])
    res = blend_observed_levels(m, m, obs)
    assert res.value is None
    assert "different grids" in res.reasons[0]


def test_coverage_above_one_removes_at_most_the_venue_model() -> None:
    pos, _ = observed([(2.0, 95.0), (-2.0, 105.0)], 0.0)
    obs = build_observed_map(pos, as_of=AS_OF, reference_price_usd=REF, oi_base=1.0).value  # coverage 200 %
    venue = as_map([(95.0, 50.0, True)])
    total = as_map([(95.0, 50.0, True), (94.0, 30.0, True)])
    got = blend_observed_levels(total, venue, obs).value
    assert got is not None
    assert got.map.long_notional_usd.sum() == pytest.approx(30.0 + 2.0 * REF)  # venue model fully replaced
    assert (got.map.long_notional_usd >= 0).all()
    assert (got.map.short_notional_usd >= 0).all()
