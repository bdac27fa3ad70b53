"""Observed liquidation map: binning, coverage, ages, leverage distribution and overlap with the modelled map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.liquidity.liquidation_map import LiquidationCluster, LiquidationMap
from derivintel.analytics.liquidity.observed_map import (
    ObservedMapParams,
    build_observed_map,
    leverage_distribution,
    model_overlap,
)
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.positions import ObservedPositions

AS_OF = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
SRC = Source("hyperliquid", "clearinghouseState", AS_OF, AS_OF)


def positions(rows: list[tuple[float, float, float, bool, float]], *, failed: int = 0) -> ObservedPositions:
    """rows: (size_base, liquidation price or nan, leverage, is_cross, age in seconds)."""
    return ObservedPositions(
        venue="hyperliquid",
        coin="BTC",
        observed_at=np.array([to_datetime64(AS_OF - timedelta(seconds=r[4])) for r in rows], dtype="datetime64[ms]"),
        size_base=np.array([r[0] for r in rows]),
        liquidation_price_usd=np.array([r[1] for r in rows]),
        leverage=np.array([r[2] for r in rows]),
        is_cross=np.array([r[3] for r in rows], dtype=bool),
        position_value_usd=np.abs(np.array([r[0] for r in rows])) * 100.0,
        accounts_observed=len(rows),
        accounts_failed=failed,
        source=SRC,
    )


ROWS = [
    (1.0, 95.1, 20.0, True, 60.0),  # long, in range: bin [95.0, 95.25)
    (2.0, 95.2, 10.0, False, 600.0),  # long, same bin
    (-3.0, 104.9, 5.0, False, 30.0),  # short: bin [104.75, 105.0)
    (0.5, np.nan, 3.0, True, 10.0),  # cross, no liquidation price
    (1.5, 101.0, 50.0, True, 20.0),  # long whose liquidation price is above the price: crossed
    (-1.0, 150.0, 2.0, True, 5.0),  # short beyond the +30 % range
    (4.0, 90.0, 25.0, False, 3 * 3600.0),  # stale: older than 2 h
    (9.0, 90.0, 25.0, False, -60.0),  # read after as_of: not known yet
]


def test_bins_coverage_and_accounting() -> None:
    res = build_observed_map(positions(ROWS, failed=2), as_of=AS_OF, reference_price_usd=100.0, oi_base=20.0)
    m = res.value
    assert m is not None
    assert res.status is Status.PARTIAL  # two reads failed, one position stale: said so
    assert any("2 account read(s) failed" in r for r in res.reasons)
    assert m.bin_width_usd == pytest.approx(0.25)
    assert m.positions == 6
    assert m.stale_positions == 1
    i_long = int(np.flatnonzero(m.long_notional_usd)[0])
    assert m.bin_edges_usd[i_long] == pytest.approx(95.0)
    assert m.long_notional_usd.sum() == pytest.approx(300.0)  # (1 + 2) coins × 100
    i_short = int(np.flatnonzero(m.short_notional_usd)[0])
    assert m.bin_edges_usd[i_short] == pytest.approx(104.75)
    assert m.short_notional_usd.sum() == pytest.approx(300.0)
    assert m.no_liquidation_price_usd == pytest.approx(50.0)
    assert m.crossed_usd == pytest.approx(150.0)
    assert m.short_outside_range_usd == pytest.approx(100.0)
    assert m.long_outside_range_usd == 0.0
    # Everything used is accounted for exactly once.
    used = (1 + 2 + 3 + 0.5 + 1.5 + 1) * 100.0
    assert m.mapped_usd + m.no_liquidation_price_usd + m.crossed_usd == pytest.approx(used)
    # Coverage: (long 5 + short 4 coins) / (2 × 20 coins of single-sided OI).
    assert m.observed_long_base == pytest.approx(5.0)
    assert m.observed_short_base == pytest.approx(4.0)
    assert m.coverage_frac == pytest.approx(9.0 / 40.0)
    assert m.oldest_observation_age_s == pytest.approx(600.0)
    assert m.nearest_long_cluster is not None
    assert m.nearest_long_cluster.price_usd == pytest.approx(95.125)
    assert m.nearest_short_cluster is not None
    assert m.nearest_short_cluster.price_usd == pytest.approx(104.875)
    assert m.accounts_failed == 2


def test_unknown_oi_means_unknown_coverage() -> None:
    res = build_observed_map(positions(ROWS[:3]), as_of=AS_OF, reference_price_usd=100.0, oi_base=None)
    assert res.value is not None
    assert res.value.coverage_frac is None
    assert any("coverage not computed" in r for r in res.reasons)


def test_nothing_observed_is_missing_not_zero() -> None:
    res = build_observed_map(positions(ROWS[6:7]), as_of=AS_OF, reference_price_usd=100.0, oi_base=20.0)
    assert res.value is None
    assert "no observed BTC positions" in res.reasons[0]
    empty = positions([])
    assert build_observed_map(empty, as_of=AS_OF, reference_price_usd=100.0, oi_base=20.0).value is None
    assert build_observed_map(positions(ROWS), as_of=AS_OF, reference_price_usd=0.0, oi_base=1.0).value is None


def test_max_age_is_a_parameter() -> None:
    res = build_observed_map(
        positions(ROWS), as_of=AS_OF, reference_price_usd=100.0, oi_base=20.0, params=ObservedMapParams(max_age_s=45)
    )
    assert res.value is not None
    assert res.value.positions == 4  # ages 30, 10, 20, 5 s
    assert res.value.oldest_observation_age_s == pytest.approx(30.0)


def test_leverage_distribution_by_notional() -> None:
    lev = np.array([20.0, 10.0, 5.0, 3.0, 50.0, 2.0, 100.0, 14.0, 15.0])
    notional = np.array([100.0, 200.0, 300.0, 50.0, 150.0, 100.0, 100.0, 0.0, 0.0])
    cross = np.array([True, False, False, True, True, True, False, False, False])
    d = leverage_distribution(lev, notional, cross, (5.0, 10.0, 20.0, 25.0, 50.0, 100.0))
    assert d is not None
    total = notional.sum()
    # Buckets: ≤7.07 → 5x (5, 3, 2); ≤14.1 → 10x (10, 14); ≤22.4 → 20x (20, 15); 25x none; ≤70.7 → 50x; else 100x.
    assert d.weights == pytest.approx(np.array([450.0, 200.0, 100.0, 0.0, 150.0, 100.0]) / total)
    assert sum(d.weights) == pytest.approx(1.0)
    assert d.cross_share == pytest.approx(400.0 / total)
    # Notional-weighted median: sorted by leverage 2(100) 3(50) 5(300) ... cumulative 450 of 1000 at 5x, 650 at 10x.
    assert d.median == 10.0
    assert d.p25 == 5.0
    assert d.positions == 9
    assert d.distance_to_assumed is None
    tiers = (5.0, 10.0, 20.0, 25.0, 50.0, 100.0)
    same = leverage_distribution(lev, notional, cross, tiers, tuple(np.array([450, 200, 100, 0, 150, 100]) * 2.0))
    assert same is not None
    assert same.distance_to_assumed == pytest.approx(0.0, abs=1e-12)  # weights are normalised before comparing
    flat = leverage_distribution(lev, notional, cross, tiers, (1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    assert flat is not None
    expected = 0.5 * np.abs(np.array([0.45, 0.2, 0.1, 0.0, 0.15, 0.1]) - 1 / 6).sum()
    assert flat.distance_to_assumed == pytest.approx(expected)
    assert leverage_distribution(lev[:0], notional[:0], cross[:0], (5.0, 10.0)) is None


def _modelled(ref: float, long: tuple[float, float] | None, short: tuple[float, float] | None) -> LiquidationMap:
    def cluster(side, lo_hi):
        lo, hi = lo_hi
        c = (lo + hi) / 2
        return LiquidationCluster(side, c, lo, hi, 1.0, abs(c / ref - 1), 1.0)

    empty = np.zeros(2)
    return LiquidationMap(
        asset="BTC",
        as_of=AS_OF,
        reference_price_usd=ref,
        bin_width_usd=0.25,
        bin_edges_usd=np.array([ref - 0.25, ref, ref + 0.25]),
        bin_centers_usd=np.array([ref - 0.125, ref + 0.125]),
        long_notional_usd=empty,
        short_notional_usd=empty,
        long_outside_range_usd=0.0,
        short_outside_range_usd=0.0,
        long_within_usd={},
        short_within_usd={},
        long_clusters=(cluster("long", long),) if long else (),
        short_clusters=(cluster("short", short),) if short else (),
        venues=(),
        added_usd=0.0,
        removed_usd=0.0,
        consumed_usd=0.0,
    )


def test_overlap_against_uniform_baseline() -> None:
    obs = build_observed_map(positions(ROWS[:3]), as_of=AS_OF, reference_price_usd=100.0, oi_base=20.0).value
    assert obs is not None
    # A modelled long cluster over [94, 96]; ±0.5 % of 100 widens it to [93.5, 96.5]: the observed longs (bin centre
    # 95.125) are inside, the shorts are not (no modelled short cluster).
    res = model_overlap(obs, _modelled(100.0, (94.0, 96.0), None), tolerance_fraction=0.005)
    ov = res.value
    assert ov is not None
    assert ov.share == pytest.approx(0.5)  # longs are half of the in-range observed notional
    # Uniform baseline: the long side spans [70, 100]; 3.0 of its 30.0 is covered → 0.1 of the long half.
    assert ov.baseline == pytest.approx(0.5 * 0.1)
    assert ov.lift == pytest.approx(10.0)
    miss = model_overlap(obs, _modelled(100.0, (80.0, 82.0), (120.0, 121.0))).value
    assert miss is not None
    assert miss.share == 0.0
    assert miss.baseline == pytest.approx(0.5 * 3.0 / 30.0 + 0.5 * 2.0 / 30.0)
    none = model_overlap(obs, _modelled(100.0, None, None))
    assert none.value is not None
    assert none.value.lift is None
    assert none.reasons == ("the modelled map has no clusters",)


def test_overlap_share_never_exceeds_one_and_baseline_matches_uniform_positions() -> None:
    # Observed liquidation prices spread evenly over the long side: the overlap share must equal the covered
    # fraction up to the bin resolution (half a bin at each of the interval's two ends).
    n = 12_000
    liq = np.linspace(70.0 + 1e-6, 100.0 - 1e-6, n)
    rows = [(1.0, float(p), 10.0, False, 1.0) for p in liq]
    obs = build_observed_map(positions(rows), as_of=AS_OF, reference_price_usd=100.0, oi_base=None).value
    assert obs is not None
    ov = model_overlap(obs, _modelled(100.0, (84.0, 86.0), None)).value
    assert ov is not None
    assert 0.0 <= ov.share <= 1.0
    bound = obs.bin_width_usd / 30.0  # a half bin at each end, as a fraction of the 30-wide side
    assert ov.share == pytest.approx(ov.baseline, abs=bound)


def test_real_account_from_the_sdk_cassette() -> None:
    """The recorded account (2023-03-27): every coin's position goes through the map at its own entry price."""
    from derivintel.sources.hyperliquid.positions import parse_clearinghouse_state
    from tests.sources.test_hyperliquid_parse import cassette_body

    recv = datetime(2023, 3, 27, 18, 5, 22, tzinfo=UTC)
    body = cassette_body("hlsdk_test_get_user_state.yaml", "clearinghouseState")
    state = parse_clearinghouse_state(body, address="0x5e9ee1089755c3435139848e47e6635505d5a13a", ts_recv=recv)
    src = state.source
    for p in state.positions:
        obs = ObservedPositions.from_accounts("hyperliquid", p.coin, [state], failed=0, source=src)
        assert len(obs) == 1
        res = build_observed_map(obs, as_of=recv, reference_price_usd=p.entry_price_usd, oi_base=None)
        m = res.value
        assert m is not None
        notional = abs(p.size_base) * p.entry_price_usd
        if p.liquidation_price_usd is None:
            assert m.no_liquidation_price_usd == pytest.approx(notional)
        else:
            # A small cross account at 20x: its shorts' liquidation prices lie far above the entry (BTC at 6.4x),
            # beyond the ±30 % map, so they are counted outside the range, never dropped.
            assert p.size_base < 0
            assert m.short_outside_range_usd + m.short_notional_usd.sum() == pytest.approx(notional)
        assert m.leverage is not None
        assert m.leverage.median == 20.0
        assert m.leverage.cross_share == 1.0
