"""Causal swings, ATR, range and equal highs/lows with sweeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.structure.levels import (
    LevelStatus,
    atr,
    equal_levels,
    equal_levels_result,
    price_range,
    true_range,
    wilder_atr,
)
from derivintel.analytics.structure.swings import swing_indices, swing_points
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.core.timeutil import to_ms
from derivintel.domain.series import CandleSeries

T0 = datetime(2024, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)
SRC = Source("test", "hand", T0, T0)


def candles(high, low, close, volume=None, *, interval_s=3600) -> CandleSeries:
    high, low, close = (np.asarray(x, dtype=float) for x in (high, low, close))
    volume = np.ones(len(high)) if volume is None else np.asarray(volume, dtype=float)
    ts = np.datetime64(to_ms(T0), "ms") + np.arange(len(high)) * np.timedelta64(interval_s * 1000, "ms")
    return CandleSeries("test", "BTC", "perp", interval_s, ts, close.copy(), high, low, close, volume, None, SRC)


def from_highs(highs, closes=None):
    highs = np.asarray(highs, dtype=float)
    closes = highs - 1 if closes is None else np.asarray(closes, dtype=float)
    return candles(highs, highs - 2, closes)


# --- swings ---------------------------------------------------------------------------------------------------

#                idx: 0  1  2  3   4  5  6  7
PEAK = from_highs([1, 2, 3, 10, 4, 3, 2, 1])


def test_swing_high_not_visible_before_confirmation():
    # k = 2: bar 3 (high 10) > max(bars 1, 2) and ≥ max(bars 4, 5) → a swing high, confirmed when bar 5 closes,
    # i.e. at 06:00. Bar 5 is open from 05:00 to 06:00.
    for as_of in (T0 + 5 * H, T0 + 5 * H + timedelta(minutes=59)):  # bars 0–4 closed, bar 5 not
        r = swing_points(PEAK, as_of=as_of, k=2)
        assert r.status is Status.OK
        assert r.value.highs == ()
    highs = swing_points(PEAK, as_of=T0 + 6 * H, k=2).value.highs
    assert len(highs) == 1
    s = highs[0]
    assert (s.ts, s.confirmed_ts, s.price_usd) == (T0 + 3 * H, T0 + 6 * H, 10.0)


def test_future_bars_do_not_change_past_swings():
    # the same series extended with a higher bar: swings known at 06:00 are unchanged
    extended = from_highs([1, 2, 3, 10, 4, 3, 2, 1, 50, 1, 1, 1])
    assert (
        swing_points(extended, as_of=T0 + 6 * H, k=2).value.highs
        == swing_points(PEAK, as_of=T0 + 6 * H, k=2).value.highs
    )


def test_flat_top_counts_once_and_lows():
    # highs 1 5 5 1 1 → bar 1 is the swing (strictly above the left side), bar 2 is not (not above bar 1)
    hi_idx, lo_idx = swing_indices(np.array([1, 5, 5, 1, 1.0]), np.array([0, 4, 4, 0, 0.0]), 1)
    assert hi_idx.tolist() == [1]
    # lows 0 4 4 0 0 with k = 1: bar 3 (0) < bar 2 (4) and ≤ bar 4 (0) → swing low at 3
    assert lo_idx.tolist() == [3]


def test_swing_points_missing_with_too_few_bars():
    assert swing_points(PEAK, as_of=T0 + 3 * H, k=2).status is Status.INSUFFICIENT_DATA


def brute_swings(high, low, k):
    hs, ls = [], []
    for i in range(k, len(high) - k):
        if high[i] > max(high[i - k : i]) and high[i] >= max(high[i + 1 : i + k + 1]):
            hs.append(i)
        if low[i] < min(low[i - k : i]) and low[i] <= min(low[i + 1 : i + k + 1]):
            ls.append(i)
    return hs, ls


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=80),
    st.integers(1, 6),
    st.integers(0, 90),
    st.sampled_from([3600, 14_400]),
)
def test_swings_are_causal(values, k, cut_bars, interval_s):
    high = np.array(values, dtype=float) + 1
    low = high - 1
    c = candles(high, low, high - 0.5, interval_s=interval_s)
    as_of = T0 + timedelta(seconds=cut_bars * interval_s)
    r = swing_points(c, as_of=as_of, k=k)
    n_known = min(cut_bars, len(high))
    if n_known < 2 * k + 1:
        assert r.status is Status.INSUFFICIENT_DATA
        return
    bar = timedelta(seconds=interval_s)
    for s in r.value.highs + r.value.lows:
        assert s.confirmed_ts >= s.ts + k * bar
        assert s.confirmed_ts <= as_of
    hs, ls = brute_swings(high[:n_known].tolist(), low[:n_known].tolist(), k)
    assert [T0 + i * bar for i in hs] == [s.ts for s in r.value.highs]
    assert [T0 + i * bar for i in ls] == [s.ts for s in r.value.lows]


# --- ATR and range --------------------------------------------------------------------------------------------


def test_true_range_uses_previous_close():
    # bar 2: H 20 L 18, previous close 9 → max(2, |20 − 9|, |18 − 9|) = 11
    np.testing.assert_allclose(true_range(np.array([10.0, 20]), np.array([8.0, 18]), np.array([9.0, 19])), [2, 11])


def test_wilder_atr_hand():
    # TR = [2, 2, 2, 5] (bar 4: H 16 L 11, prev close 12 → max(5, 4, 1)); period 3: seed = mean(2, 2, 2) = 2,
    # then ATR = 2 + (5 − 2) / 3 = 3
    h, lo, c = np.array([10, 11, 12, 16.0]), np.array([8, 9, 10, 11.0]), np.array([9, 10, 12, 15.0])
    assert wilder_atr(h, lo, c, 3) == pytest.approx(3.0)
    assert wilder_atr(h, lo, c, 5) is None
    series = candles(h, lo, c)
    assert atr(series, as_of=T0 + 4 * H, period=3).value == pytest.approx(3.0)
    assert atr(series, as_of=T0 + 3 * H, period=3).value == pytest.approx(2.0)  # bar 4 not closed yet


def test_price_range_position():
    # highs 10 12 11, lows 8 9 7, last close 9 → range 7..12, position (9 − 7) / 5 = 0.4
    c = candles([10, 12, 11], [8, 9, 7], [9, 10, 9])
    r = price_range(c, as_of=T0 + 3 * H, lookback_days=0.5)
    v = r.value
    assert (v.high_usd, v.low_usd, v.high_ts, v.low_ts) == (12, 7, T0 + H, T0 + 2 * H)
    assert v.position_fraction == pytest.approx(0.4)
    assert r.status is Status.PARTIAL  # 0.5 day lookback reaches before the first bar
    # lookback of 2 hours before 03:00: only bars opened at/after 01:00
    assert price_range(c, as_of=T0 + 3 * H, lookback_days=2 / 24).value.bars_used == 2


# --- equal highs ----------------------------------------------------------------------------------------------

#        idx:  0    1    2    3    4    5    6    7       8    9    10   11   12   13   14
EQ_HIGHS = [100, 101, 105, 101, 100, 99, 101, 105.05, 102, 100, 101, 104, 106, 103, 102]
# k = 2: swing highs at bar 2 (105, confirmed 05:00) and bar 7 (105.05, confirmed 10:00); no bar in between trades
# above 105.05. Tolerance 0.1 ≥ 0.05 → one equal-highs level at 105.05 (the higher member).
# Bar 12 (12:00–13:00) trades to 106 and closes at 104 (< 105.05): a sweep, known at 13:00.


def test_equal_highs_detected_then_swept():
    closes = np.array(EQ_HIGHS) - 1
    closes[12] = 104.0
    c = from_highs(EQ_HIGHS, closes)
    sw = swing_points(c, as_of=T0 + 15 * H, k=2).value
    assert [s.price_usd for s in sw.highs][:2] == [105.0, 105.05]
    # 09:59: the second swing is not confirmed yet → no level
    early = swing_points(c, as_of=T0 + 9 * H + timedelta(minutes=59), k=2).value
    assert equal_levels(c, early.highs, as_of=T0 + 9 * H + timedelta(minutes=59), tolerance_usd=0.1, side="high") == ()
    # 12:00: level exists and is intact (bar 12 still open)
    at12 = equal_levels(c, sw.highs, as_of=T0 + 12 * H, tolerance_usd=0.1, side="high")
    assert len(at12) == 1
    assert at12[0].price_usd == 105.05
    assert [m.ts for m in at12[0].members] == [T0 + 2 * H, T0 + 7 * H]
    assert (at12[0].status, at12[0].swept_ts) == (LevelStatus.INTACT, None)
    # 13:00: swept by bar 12
    at13 = equal_levels(c, sw.highs, as_of=T0 + 13 * H, tolerance_usd=0.1, side="high")
    assert (at13[0].status, at13[0].swept_ts, at13[0].broken_ts) == (LevelStatus.SWEPT, T0 + 13 * H, None)
    # tolerance below 0.05: no equal highs
    assert equal_levels(c, sw.highs, as_of=T0 + 13 * H, tolerance_usd=0.04, side="high") == ()


def test_equal_highs_broken_when_close_beyond():
    closes = np.array(EQ_HIGHS) - 1
    closes[12] = 105.5  # closes above 105.05
    c = from_highs(EQ_HIGHS, closes)
    sw = swing_points(c, as_of=T0 + 15 * H, k=2).value
    lv = equal_levels(c, sw.highs, as_of=T0 + 15 * H, tolerance_usd=0.1, side="high")[0]
    assert (lv.status, lv.swept_ts, lv.broken_ts) == (LevelStatus.BROKEN, None, T0 + 13 * H)


def test_equal_highs_need_no_trade_above_in_between():
    highs = list(EQ_HIGHS)
    highs[5] = 107  # bar 5 trades above both: the first top was already taken → not equal highs
    c = from_highs(highs)
    sw = swing_points(c, as_of=T0 + 15 * H, k=2).value
    assert all(
        lv.price_usd < 104 or lv.price_usd > 106
        for lv in equal_levels(c, sw.highs, as_of=T0 + 15 * H, tolerance_usd=0.1, side="high")
    )


def test_equal_lows_mirror():
    # lows mirror the highs: negate prices around 200
    lows = 200 - np.array(EQ_HIGHS)
    closes = lows + 1
    closes[12] = 200 - 104.0  # low 94 trades below 94.95, closes 96 ≥ level → swept
    c = candles(lows + 2, lows, closes)
    sw = swing_points(c, as_of=T0 + 15 * H, k=2).value
    lv = equal_levels(c, sw.lows, as_of=T0 + 15 * H, tolerance_usd=0.1, side="low")
    assert len(lv) == 1
    assert lv[0].price_usd == pytest.approx(200 - 105.05)
    assert (lv[0].status, lv[0].swept_ts) == (LevelStatus.SWEPT, T0 + 13 * H)


def test_equal_levels_result_uses_atr_tolerance():
    c = from_highs(EQ_HIGHS)
    sw = swing_points(c, as_of=T0 + 15 * H, k=2).value
    r = equal_levels_result(c, sw.highs, as_of=T0 + 15 * H, side="high", tolerance_atr=0.1, atr_period=3)
    a = atr(c, as_of=T0 + 15 * H, period=3).value
    assert r.params["tolerance_usd"] == pytest.approx(0.1 * a)
    assert r.value == equal_levels(c, sw.highs, as_of=T0 + 15 * H, tolerance_usd=0.1 * a, side="high")
