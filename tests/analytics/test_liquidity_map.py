"""Liquidation map model: a hand-computed 3-bar case, conservation, and agreement with a plain loop reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.liquidity.liquidation_map import (
    MODEL_LABEL,
    LiquidationMapParams,
    build_liquidation_map,
    first_at_or_below,
)
from derivintel.analytics.liquidity.liquidation_price import liquidation_price
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.series import CandleSeries, OpenInterestSeries

T0 = datetime(2024, 1, 1, tzinfo=UTC)
HOUR_MS = 3_600_000


def _src(name: str) -> Source:
    return Source(name, "test", T0, T0)


def _ts(n: int, step_ms: int = HOUR_MS) -> np.ndarray:
    return (np.datetime64(T0.replace(tzinfo=None), "ms") + np.arange(n) * np.timedelta64(step_ms, "ms")).astype(
        "datetime64[ms]"
    )


def _candles(venue: str, high, low, close, taker=None, volume=None, interval_s: int = 3600) -> CandleSeries:
    n = len(high)
    vol = np.asarray(volume if volume is not None else np.full(n, 10.0), dtype=float)
    return CandleSeries(
        venue=venue,
        asset="BTC",
        market="perp",
        interval_s=interval_s,
        ts=_ts(n, interval_s * 1000),
        open=np.asarray(close, dtype=float),
        high=np.asarray(high, dtype=float),
        low=np.asarray(low, dtype=float),
        close=np.asarray(close, dtype=float),
        volume_base=vol,
        taker_buy_base=None if taker is None else np.asarray(taker, dtype=float),
        source=_src(venue),
    )


def _oi(venue: str, oi_base, step_ms: int = HOUR_MS) -> OpenInterestSeries:
    oi_base = np.asarray(oi_base, dtype=float)
    return OpenInterestSeries(
        venue, "BTC", step_ms // 1000, _ts(len(oi_base), step_ms), oi_base, oi_base * 100, _src(venue)
    )


# Hand case. MMR 0 (override), tiers 2x and 10x at 50/50 weights: long liq = E(1 − 1/L), short liq = E(1 + 1/L).
# bar0 H105 L95 C100 → TP 100, taker buy 6 of 10 → 60 % long.   bar1 H101 L89 C95.   bar2 H97 L92 C93.
# OI at bar opens 10 → 12 → 9 → 9.
# step 1 (bar0): ΔOI +2 → 200 USD at 100: long 120 = 60 @ 50 (2x) + 60 @ 90 (10x); short 80 = 40 @ 150 + 40 @ 110.
# bar1: low 89 ≤ 90 → the 90 long level is consumed at 60 USD; highs 101 < 110.
# step 2 (bar1): ΔOI −3 of 12 → every open level loses 25 %: 60→45, 40→30, 40→30; removed 15 + 10 + 10 = 35.
# bar2 crosses nothing; step 3 ΔOI 0.  Open = 45 + 30 + 30 = 105 = 200 − 60 − 35.
HAND_PARAMS = LiquidationMapParams(
    leverage_tiers=(2.0, 10.0),
    leverage_weights=(0.5, 0.5),
    bin_width_fraction=0.01,
    range_fraction=0.5,
    mmr_by_venue={"testvenue": 0.0},
    bands=(0.05, 0.2),
)
AS_OF = T0 + timedelta(hours=3)


def _hand_inputs() -> tuple[OpenInterestSeries, CandleSeries]:
    candles = _candles("testvenue", [105, 101, 97], [95, 89, 92], [100, 95, 93], taker=[6, 5, 5])
    return _oi("testvenue", [10, 12, 9, 9]), candles


def test_hand_case() -> None:
    oi, candles = _hand_inputs()
    res = build_liquidation_map([oi], {"testvenue": candles}, as_of=AS_OF, reference_price_usd=93.0, params=HAND_PARAMS)
    assert res.status is Status.OK, res.reasons
    m = res.value
    assert m is not None
    assert m.added_usd == pytest.approx(200.0)
    assert m.consumed_usd == pytest.approx(60.0)
    assert m.removed_usd == pytest.approx(35.0)
    assert m.open_usd == pytest.approx(105.0)
    # 150 is 61 % above 93: outside the ±50 % range.
    assert m.short_outside_range_usd == pytest.approx(30.0)
    assert m.long_outside_range_usd == 0.0
    edges = m.bin_edges_usd
    i50 = np.searchsorted(edges, 50.0, side="right") - 1
    i110 = np.searchsorted(edges, 110.0, side="right") - 1
    assert m.long_notional_usd[i50] == pytest.approx(45.0)
    assert m.long_notional_usd.sum() == pytest.approx(45.0)
    assert m.short_notional_usd[i110] == pytest.approx(30.0)
    assert m.short_notional_usd.sum() == pytest.approx(30.0)
    # within 5 %: longs ≥ 88.35 → none; shorts ≤ 97.65 → none. Within 20 %: shorts ≤ 111.6 → the 110 level (30).
    assert m.long_within_usd[0.05] == 0.0
    assert m.short_within_usd[0.2] == pytest.approx(30.0)
    assert m.long_within_usd[0.2] == 0.0  # 50 is 46 % below
    # Each side has one in-range bin holding 100 % of its side → one cluster per side (5 % threshold).
    assert m.nearest_long_cluster is not None
    assert m.nearest_long_cluster.notional_usd == pytest.approx(45.0)
    assert m.nearest_short_cluster is not None
    assert m.nearest_short_cluster.notional_usd == pytest.approx(30.0)
    assert m.label == MODEL_LABEL
    (venue,) = m.venues
    assert venue.open_long_usd == pytest.approx(45.0)
    assert venue.open_short_usd == pytest.approx(60.0)
    assert venue.even_split_steps == 0


def test_without_taker_flow_splits_evenly_and_says_so() -> None:
    oi, _ = _hand_inputs()
    candles = _candles("testvenue", [105, 101, 97], [95, 89, 92], [100, 95, 93], taker=None)
    res = build_liquidation_map([oi], {"testvenue": candles}, as_of=AS_OF, reference_price_usd=93.0, params=HAND_PARAMS)
    assert res.status is Status.PARTIAL
    assert any("50/50" in r for r in res.reasons)
    m = res.value
    assert m is not None
    # 100 long (50 @ 50, 50 @ 90 consumed) and 100 short; after −25 %: 37.5 long open, 75 short open.
    assert m.venues[0].open_long_usd == pytest.approx(37.5)
    assert m.venues[0].open_short_usd == pytest.approx(75.0)
    assert m.consumed_usd == pytest.approx(50.0)


def test_reference_candles_fallback_and_missing() -> None:
    oi, candles = _hand_inputs()
    res = build_liquidation_map([oi], {}, as_of=AS_OF, reference_price_usd=93.0, params=HAND_PARAMS)
    assert res.status is Status.INSUFFICIENT_DATA
    res = build_liquidation_map(
        [oi], {}, as_of=AS_OF, reference_price_usd=93.0, params=HAND_PARAMS, reference_candles=candles
    )
    assert res.status is Status.PARTIAL
    assert any("reference candles" in r for r in res.reasons)
    assert res.value is not None
    assert res.value.open_usd == pytest.approx(105.0)
    assert build_liquidation_map([], {}, as_of=AS_OF, reference_price_usd=93.0).status is Status.INSUFFICIENT_DATA


def test_point_in_time_cut() -> None:
    # At as_of = T0 + 2h only bars 0-1 are closed and OI points 10, 12, 9 known: same accounting but bar2 unused.
    oi, candles = _hand_inputs()
    res = build_liquidation_map(
        [oi], {"testvenue": candles}, as_of=T0 + timedelta(hours=2), reference_price_usd=93.0, params=HAND_PARAMS
    )
    m = res.value
    assert m is not None
    assert m.open_usd == pytest.approx(105.0)
    # At T0 + 1h the bar0 is closed, OI 10 → 12 known: nothing consumed or removed yet.
    res = build_liquidation_map(
        [oi], {"testvenue": candles}, as_of=T0 + timedelta(hours=1), reference_price_usd=100.0, params=HAND_PARAMS
    )
    assert res.value is not None
    assert res.value.consumed_usd == 0.0
    assert res.value.open_usd == pytest.approx(200.0)


def test_reference_price_consumes_levels_on_the_wrong_side() -> None:
    # Reference 89.5 < 90: the 90 long level is already consumed by bar1; with reference 112 > 110 the 110 short
    # level is consumed at the reference (30 USD after the 25 % removal).
    oi, candles = _hand_inputs()
    res = build_liquidation_map(
        [oi], {"testvenue": candles}, as_of=AS_OF, reference_price_usd=112.0, params=HAND_PARAMS
    )
    m = res.value
    assert m is not None
    assert m.consumed_usd == pytest.approx(60.0 + 30.0)
    assert m.open_usd == pytest.approx(75.0)
    assert (m.bin_centers_usd[m.short_notional_usd > 0] > 112.0).all()


def test_first_at_or_below_matches_bruteforce() -> None:
    rng = np.random.default_rng(3)
    series = rng.normal(size=257)
    start = rng.integers(0, 258, size=500)
    thr = rng.normal(size=500) - 1.0
    got = first_at_or_below(series, start, thr)
    for s, t, g in zip(start, thr, got, strict=False):
        hits = np.flatnonzero(series[s:] <= t)
        assert g == (s + hits[0] if len(hits) else len(series))


# ---- plain-loop reference of the same model (independent implementation: one level at a time) ----


def _loop_reference(oi: OpenInterestSeries, c: CandleSeries, ref: float, tiers, weights, mmr: float):
    """Returns (open levels [(price, notional, is_long)], added, consumed, removed)."""
    w = np.asarray(weights) / np.sum(weights)
    levels: list[list] = []  # [price, notional, is_long, birth_candle]
    added = consumed = removed = 0.0
    steps = []
    for k in range(1, len(oi.oi_base)):
        start = int(oi.ts[k - 1].astype(np.int64))
        j = None
        for ci in range(len(c.ts)):
            o = int(c.ts[ci].astype(np.int64))
            if o <= start < o + c.interval_s * 1000:
                j = ci
        steps.append((j, oi.oi_base[k] - oi.oi_base[k - 1], oi.oi_base[k - 1]))
    for ci in range(len(c.ts)):
        for lv in levels:
            if lv[1] > 0 and lv[3] < ci and ((lv[2] and c.low[ci] <= lv[0]) or (not lv[2] and c.high[ci] >= lv[0])):
                consumed += lv[1]
                lv[1] = 0.0
        for j, d, prev in steps:
            if j != ci:
                continue
            if d < 0:
                frac = -d / prev
                for lv in levels:
                    removed += lv[1] * frac
                    lv[1] *= 1 - frac
            elif d > 0:
                tp = (c.high[ci] + c.low[ci] + c.close[ci]) / 3
                share = c.taker_buy_base[ci] / c.volume_base[ci]
                for lev, wt in zip(tiers, w, strict=False):
                    for is_long, part in ((True, share), (False, 1 - share)):
                        px = liquidation_price(tp, lev, mmr, "long" if is_long else "short")
                        levels.append([px, d * tp * part * wt, is_long, ci])
                        added += d * tp * part * wt
    for lv in levels:
        if lv[1] > 0 and ((lv[2] and lv[0] >= ref) or (not lv[2] and lv[0] <= ref)):
            consumed += lv[1]
            lv[1] = 0.0
    return [(p, n, il) for p, n, il, _ in levels if n > 0], added, consumed, removed


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 40), ratio=st.sampled_from([1, 3]))
def test_vectorised_equals_loop_reference(seed: int, n: int, ratio: int) -> None:
    """Random walk candles (1h) and OI sampled every 1h/ratio: vectorised model == one-level-at-a-time loop."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    high = close * (1 + rng.uniform(0, 0.03, n))
    low = close * (1 - rng.uniform(0, 0.03, n))
    vol = rng.uniform(1, 10, n)
    taker = vol * rng.uniform(0.2, 0.8, n)
    candles = _candles("v", high, low, close, taker=taker, volume=vol)
    oi = _oi("v", 1000 + np.cumsum(rng.normal(0, 20, n * ratio)), step_ms=HOUR_MS // ratio)
    ref = float(close[-1])
    params = LiquidationMapParams(
        leverage_tiers=(5, 10, 25, 50, 100),
        leverage_weights=(1, 2, 2, 1, 1),
        bin_width_fraction=0.005,
        range_fraction=0.6,
        mmr_by_venue={"v": 0.004},
    )
    as_of = T0 + timedelta(hours=n)
    res = build_liquidation_map([oi], {"v": candles}, as_of=as_of, reference_price_usd=ref, params=params)
    m = res.value
    assert m is not None
    lv, added, consumed, removed = _loop_reference(
        oi, candles, ref, params.leverage_tiers, params.leverage_weights, 0.004
    )
    assert m.added_usd == pytest.approx(added, rel=1e-9, abs=1e-6)
    assert m.consumed_usd == pytest.approx(consumed, rel=1e-9, abs=1e-6)
    assert m.removed_usd == pytest.approx(removed, rel=1e-9, abs=1e-6)
    # conservation and binning
    assert m.open_usd == pytest.approx(m.added_usd - m.removed_usd - m.consumed_usd, rel=1e-9, abs=1e-6)
    edges = m.bin_edges_usd
    want_long = np.zeros(len(edges) - 1)
    want_short = np.zeros(len(edges) - 1)
    for p, notional, is_long in lv:
        i = int(np.floor((p - edges[0]) / m.bin_width_usd))
        if 0 <= i < len(want_long):
            (want_long if is_long else want_short)[i] += notional
    np.testing.assert_allclose(m.long_notional_usd, want_long, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(m.short_notional_usd, want_short, rtol=1e-9, atol=1e-6)
    # long levels below the reference, short above
    assert (edges[1:][m.long_notional_usd > 0] <= ref + 1e-9).all()
    assert (edges[:-1][m.short_notional_usd > 0] >= ref - 1e-9).all()


def test_dominant_cluster_and_magnet() -> None:
    # One OI jump of +10 coins at TP (101 + 99 + 100) / 3 = 100 with 100 % taker buy, MMR 0, tiers 10x (97 %) and
    # 4x (3 %): long levels 970 USD @ 90 and 30 USD @ 75. With min share 5 % only the 90 bin [90, 91) is dominant.
    candles = _candles("v", [101, 101], [99, 99], [100, 100], taker=[10, 10])
    oi = _oi("v", [100, 110, 110])

    def build(min_share: float):
        params = LiquidationMapParams(
            leverage_tiers=(10.0, 4.0),
            leverage_weights=(0.97, 0.03),
            mmr_by_venue={"v": 0.0},
            bin_width_fraction=0.01,
            cluster_min_share=min_share,
        )
        res = build_liquidation_map(
            [oi], {"v": candles}, as_of=T0 + timedelta(hours=2), reference_price_usd=100.0, params=params
        )
        assert res.value is not None
        return res.value

    m = build(0.05)
    assert m.long_notional_usd.sum() == pytest.approx(1000.0)
    (cl,) = m.long_clusters
    assert cl is m.nearest_long_cluster
    assert cl.price_usd == pytest.approx(90.5)  # centre of the [90, 91) bin
    assert (cl.price_low_usd, cl.price_high_usd) == (pytest.approx(90.0), pytest.approx(91.0))
    assert cl.notional_usd == pytest.approx(970.0)
    assert cl.distance_fraction == pytest.approx(0.095)
    assert cl.magnet_score_usd_per_pct == pytest.approx(970.0 / 9.5)  # USD per percent of distance
    assert m.short_clusters == ()
    assert m.nearest_short_cluster is None
    # With a 2 % threshold the 75 bin (3 %) is a cluster too; nearest first.
    assert [c.price_usd for c in build(0.02).long_clusters] == [pytest.approx(90.5), pytest.approx(75.5)]
