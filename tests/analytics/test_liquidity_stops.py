"""Stop clusters at structure levels: resting buy stops above untouched highs, resting sell stops below untouched
lows, levels traded through since they formed in their own swept list; sizes only from a map (never invented)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.liquidity.liquidation_map import LiquidationMap
from derivintel.analytics.liquidity.stop_clusters import ReferenceKind, ReferenceLevel, stop_clusters
from derivintel.analytics.structure.levels import LevelStatus
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.core.timeutil import to_ms
from derivintel.domain.series import CandleSeries

T0 = datetime(2024, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)
SRC = Source("test", "hand", T0, T0)


def _candles(high, low, close) -> CandleSeries:
    high, low, close = (np.asarray(x, dtype=float) for x in (high, low, close))
    ts = np.datetime64(to_ms(T0), "ms") + np.arange(len(high)) * np.timedelta64(3_600_000, "ms")
    return CandleSeries("test", "BTC", "perp", 3600, ts, close.copy(), high, low, close, np.ones(len(high)), None, SRC)


def _map() -> LiquidationMap:
    # 1-USD bins centred on integers 40..160; longs 70 @ 95, 30 @ 90; shorts 40 @ 105, 25 @ 106, 10 @ 120.
    centers = np.arange(40.0, 161.0)
    edges = np.concatenate((centers - 0.5, [160.5]))
    lo = np.zeros_like(centers)
    sh = np.zeros_like(centers)
    lo[centers == 95] = 70.0
    lo[centers == 90] = 30.0
    sh[centers == 105] = 40.0
    sh[centers == 106] = 25.0
    sh[centers == 120] = 10.0
    return LiquidationMap("BTC", T0, 100.0, 1.0, edges, centers, lo, sh, 0.0, 0.0, {}, {}, (), (), (), 175.0, 0.0, 0.0)


# Ten flat hourly bars between 99 and 101 closing at 100: no level outside [99, 101] is touched.
FLAT = _candles([101.0] * 10, [99.0] * 10, [100.0] * 10)
AS_OF = T0 + 10 * H

LEVELS = [
    ReferenceLevel(105.2, ReferenceKind.EQUAL_HIGHS, T0),
    ReferenceLevel(120.0, ReferenceKind.RANGE_HIGH),
    ReferenceLevel(95.0, ReferenceKind.SWING_LOW, T0),
    ReferenceLevel(80.0, ReferenceKind.RANGE_LOW),
]


def test_sizes_from_map() -> None:
    res = stop_clusters(LEVELS, price_usd=100.0, liq_map=_map(), candles=FLAT, as_of=AS_OF, window_fraction=0.01)
    assert res.status is Status.OK
    v = res.value
    assert v is not None
    # above: 105.2 (window 104.148..106.252 → shorts at 105 + 106 = 65), then 120 (118.8..121.2 → 10)
    assert [s.price_usd for s in v.above] == [105.2, 120.0]
    assert v.above[0].stop_side == "buy_stops"
    assert v.above[0].liquidation_side == "short"
    assert v.above[0].modelled_liquidation_usd == pytest.approx(65.0)
    assert v.above[1].modelled_liquidation_usd == pytest.approx(10.0)
    assert v.above[0].distance_fraction == pytest.approx(0.052)
    # below, nearest first: 95 (94.05..95.95 → longs at 95 = 70), 80 (79.2..80.8 → 0: nothing modelled there)
    assert [s.price_usd for s in v.below] == [95.0, 80.0]
    assert v.below[0].stop_side == "sell_stops"
    assert v.below[0].liquidation_side == "long"
    assert v.below[0].modelled_liquidation_usd == pytest.approx(70.0)
    assert v.below[1].modelled_liquidation_usd == 0.0
    assert v.swept == ()


def test_without_map_sizes_are_none() -> None:
    res = stop_clusters(LEVELS, price_usd=100.0, liq_map=None, candles=FLAT, as_of=AS_OF)
    assert res.status is Status.PARTIAL
    assert res.value is not None
    assert all(s.modelled_liquidation_usd is None for s in res.value.above + res.value.below)


def test_missing_levels() -> None:
    assert stop_clusters([], price_usd=100.0, liq_map=None, candles=FLAT, as_of=AS_OF).status is (
        Status.INSUFFICIENT_DATA
    )


# Defect (issue 11 item 1): a swing high that price has since traded through was listed below price as "sell stops,
# long liquidations" and a swing low above price as "buy stops". Path: up to 104 (bar 3), down to 96 (bar 7), then a
# rally through 104 to 106 closing 105 (bar 10), a pullback with a wick to 103 (bar 12) closing back at 104.5 and a
# last close at 105.
#                idx:  0      1      2      3      4      5      6      7      8      9      10     11     12     13
PATH = _candles(
    [100.5, 101.5, 102.5, 104.0, 102.5, 100.5, 99.0, 97.5, 99.5, 101.0, 106.0, 105.5, 105.0, 105.5],
    [99.5, 100.5, 101.5, 102.5, 100.5, 98.5, 97.0, 96.0, 97.5, 99.5, 101.0, 104.5, 103.0, 104.5],
    [101.0, 102.0, 103.0, 103.5, 101.0, 99.0, 97.5, 97.0, 99.0, 100.5, 105.0, 105.0, 104.5, 105.0],
)
PATH_AS_OF = T0 + 14 * H
SWING_HIGH_104 = ReferenceLevel(104.0, ReferenceKind.SWING_HIGH, T0 + 6 * H)  # bar 3, confirmed after bar 5 (k=2)
SWING_LOW_96 = ReferenceLevel(96.0, ReferenceKind.SWING_LOW, T0 + 10 * H)  # bar 7, confirmed after bar 9
SWING_LOW_104_5 = ReferenceLevel(104.5, ReferenceKind.SWING_LOW, T0 + 12 * H)  # hypothetical low above the last dip


def test_traded_through_levels_are_swept_not_resting() -> None:
    res = stop_clusters(
        [SWING_HIGH_104, SWING_LOW_96, SWING_LOW_104_5, ReferenceLevel(106.0, ReferenceKind.RANGE_HIGH)],
        price_usd=105.0,
        liq_map=None,
        candles=PATH,
        as_of=PATH_AS_OF,
    )
    v = res.value
    assert v is not None
    # Resting: buy stops only above untouched highs, sell stops only below untouched lows.
    assert [(s.price_usd, s.stop_side) for s in v.above] == [(106.0, "buy_stops")]
    assert [(s.price_usd, s.stop_side) for s in v.below] == [(96.0, "sell_stops")]
    # Swept, most recent first: the 104.5 low by bar 12's wick (closed back above: swept) at 13:00; the 104 high by
    # bar 10 (closed 105, beyond it: broken) at 11:00.
    assert [(s.price_usd, s.kind, s.stop_side, s.outcome, s.swept_ts) for s in v.swept] == [
        (104.5, ReferenceKind.SWING_LOW, "sell_stops", LevelStatus.SWEPT, T0 + 13 * H),
        (104.0, ReferenceKind.SWING_HIGH, "buy_stops", LevelStatus.BROKEN, T0 + 11 * H),
    ]


def test_level_beyond_the_live_price_without_a_closed_bar_through_it_is_swept_now() -> None:
    # The live price (107) is above every closed bar; the 106 range high is being taken by the open bar.
    v = stop_clusters(
        [ReferenceLevel(106.0, ReferenceKind.RANGE_HIGH)], price_usd=107.0, liq_map=None, candles=PATH, as_of=PATH_AS_OF
    ).value
    assert v is not None
    assert v.above == ()
    assert [(s.price_usd, s.outcome, s.swept_ts) for s in v.swept] == [(106.0, None, PATH_AS_OF)]


def test_duplicate_prices_keep_the_most_specific_kind() -> None:
    v = stop_clusters(
        [ReferenceLevel(106.0, ReferenceKind.SWING_HIGH, T0), ReferenceLevel(106.0, ReferenceKind.RANGE_HIGH)],
        price_usd=105.0,
        liq_map=None,
        candles=PATH,
        as_of=PATH_AS_OF,
    ).value
    assert v is not None
    assert [(s.price_usd, s.kind) for s in v.above] == [(106.0, ReferenceKind.RANGE_HIGH)]


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.floats(-2.0, 2.0), min_size=12, max_size=40),
    picks=st.lists(st.tuples(st.integers(0, 39), st.booleans()), min_size=1, max_size=8),
)
def test_resting_levels_are_on_the_right_side_and_untouched(steps, picks) -> None:
    close = 100.0 + np.cumsum(steps)
    candles = _candles(close + 0.5, close - 0.5, close)
    n = len(close)
    levels = []
    for i, is_high in picks:
        i = i % n
        price = float(candles.high[i] if is_high else candles.low[i])
        kind = ReferenceKind.SWING_HIGH if is_high else ReferenceKind.SWING_LOW
        levels.append(ReferenceLevel(price, kind, T0 + (i + 1) * H))
    as_of = T0 + n * H
    price = float(close[-1])
    v = stop_clusters(levels, price_usd=price, liq_map=None, candles=candles, as_of=as_of).value
    assert v is not None
    for s in v.above:
        assert s.kind.is_high
        assert s.price_usd >= price
        assert s.stop_side == "buy_stops"
        j = int((s.formed_ts - T0) / H)
        assert (candles.high[j:] <= s.price_usd).all()
    for s in v.below:
        assert not s.kind.is_high
        assert s.price_usd <= price
        assert s.stop_side == "sell_stops"
        j = int((s.formed_ts - T0) / H)
        assert (candles.low[j:] >= s.price_usd).all()
    assert len(v.above) + len(v.below) + len(v.swept) == len({(lv.price_usd, lv.kind.is_high) for lv in levels})


def test_real_binance_2026_03_14_replay_lists_traded_through_levels_as_swept() -> None:
    """The 2026-03-14 00:00 replay (Binance BTCUSDT perp 4h): before the fix 4 of the 6 listed stop levels had been
    traded through ($71,286 and $71,748 highs above price, a $68,172 high below price shown as sell stops, a $66,080
    low). Checked here against the raw bars, independently of the level code."""
    import pandas as pd

    from derivintel.analytics.structure import analyze_structure
    from derivintel.assessment.analyze import _reference_levels
    from tests.realdata import real_path

    path = real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_4h.csv")
    df = pd.read_csv(path)
    c = CandleSeries(
        "binance-usdm", "BTC", "perp", 14_400, df["open_time"].to_numpy(np.int64).astype("datetime64[ms]"),
        *(df[k].to_numpy(float) for k in ("open", "high", "low", "close", "volume", "taker_buy_volume")), SRC,
    )  # fmt: skip
    as_of = datetime(2026, 3, 14, tzinfo=UTC)
    structure = analyze_structure(c, as_of=as_of)
    price = structure.value.last_close_usd
    v = stop_clusters(_reference_levels(structure), price_usd=price, liq_map=None, candles=c, as_of=as_of).value
    assert v is not None
    swept = {round(s.price_usd): s for s in v.swept}
    for level in (71_286, 71_748, 68_172, 66_080):
        assert level in swept
    assert swept[68_172].kind is ReferenceKind.SWING_HIGH
    assert swept[68_172].stop_side == "buy_stops"
    known = df[df.open_time + 14_400_000 <= to_ms(as_of)]
    for s in v.above + v.below:
        assert s.stop_side == ("buy_stops" if s.kind.is_high else "sell_stops")
        since = known[known.open_time >= to_ms(s.formed_ts)] if s.formed_ts else known.iloc[0:0]
        if s.kind.is_high:
            assert s.price_usd >= price
            assert (since.high <= s.price_usd).all()
        else:
            assert s.price_usd <= price
            assert (since.low >= s.price_usd).all()
    for s in v.swept:
        assert s.formed_ts is not None  # every swept level here was crossed by a closed bar
        bars = known[(known.open_time >= to_ms(s.formed_ts)) & (known.open_time + 14_400_000 <= to_ms(s.swept_ts))]
        crossed = bars.high > s.price_usd if s.kind.is_high else bars.low < s.price_usd
        assert crossed.any()
        assert bool(crossed.iloc[-1])  # the sweep bar is the first bar through the level
        assert not crossed.iloc[:-1].any()
