"""Anchored VWAP: hand cases, calendar anchors, point in time, properties, and real Binance 4h candles vs pandas."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.structure.avwap import (
    anchored_vwap,
    calendar_anchor,
    calendar_vwap,
    event_vwap,
    extreme_anchor,
)
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.core.timeutil import to_ms
from derivintel.domain.series import CandleSeries
from tests.realdata import real_path

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SRC = Source("test", "hand", T0, T0)


def candles(high, low, close, volume, *, start=T0, interval_s=3600, venue="test", market="perp") -> CandleSeries:
    high, low, close, volume = (np.asarray(x, dtype=float) for x in (high, low, close, volume))
    ts = np.datetime64(to_ms(start), "ms") + np.arange(len(high)) * np.timedelta64(interval_s * 1000, "ms")
    return CandleSeries(venue, "BTC", market, interval_s, ts, close.copy(), high, low, close, volume, None, SRC)


# Three hourly bars from 2024-01-01 00:00:
#   bar 1: H 12 L 8  C 10 → TP 10, V 1
#   bar 2: H 23 L 19 C 21 → TP 21, V 2
#   bar 3: H 31 L 26 C 30 → TP 29, V 1
# ΣV = 4, ΣTP·V = 10 + 42 + 29 = 81 → AVWAP = 20.25
# ΣTP²·V = 100 + 882 + 841 = 1823 → 1823/4 − 20.25² = 455.75 − 410.0625 = 45.6875 → σ = sqrt(45.6875)
THREE = candles([12, 23, 31], [8, 19, 26], [10, 21, 30], [1, 2, 1])


def test_three_bar_avwap_and_bands():
    r = anchored_vwap(THREE, T0, T0 + timedelta(hours=3))
    assert r.status is Status.OK
    a = r.value
    sigma = math.sqrt(45.6875)
    assert a.vwap_usd == pytest.approx(20.25, rel=1e-12)
    assert a.sigma_usd == pytest.approx(sigma, rel=1e-12)
    assert a.upper1_usd == pytest.approx(20.25 + sigma)
    assert a.lower1_usd == pytest.approx(20.25 - sigma)
    assert a.upper2_usd == pytest.approx(20.25 + 2 * sigma)
    assert a.lower2_usd == pytest.approx(20.25 - 2 * sigma)
    assert (a.bars_used, a.volume_base, a.range_low_usd, a.range_high_usd) == (3, 4.0, 8.0, 31.0)
    # default slope span 24 bars is cut to the 2 bars available: AVWAP through bar 1 = 10 → (20.25 − 10) / 2
    assert a.slope_bars == 2
    assert a.slope_usd_per_bar == pytest.approx(5.125)
    assert a.slope_fraction == pytest.approx(20.25 / 10 - 1)
    assert (a.venue, a.market, a.interval_s) == ("test", "perp", 3600)
    assert r.sources == (SRC,)


def test_slope_over_one_bar():
    # AVWAP through bar 2 = (10 + 42) / 3 = 17.333… → slope = 20.25 − 17.333… = 2.91666…
    a = anchored_vwap(THREE, T0, T0 + timedelta(hours=3), slope_bars=1).value
    assert a.slope_usd_per_bar == pytest.approx(20.25 - 52 / 3)
    assert a.slope_bars == 1


def test_only_closed_bars_count():
    # at 02:59 the third bar (02:00–03:00) is still open: AVWAP = (10 + 42) / 3
    a = anchored_vwap(THREE, T0, T0 + timedelta(hours=2, minutes=59)).value
    assert a.bars_used == 2
    assert a.vwap_usd == pytest.approx(52 / 3)


def test_anchor_later_and_single_bar():
    # from 01:00: bars 2 and 3 → (42 + 29) / 3
    a = anchored_vwap(THREE, T0 + timedelta(hours=1), T0 + timedelta(hours=3)).value
    assert a.vwap_usd == pytest.approx(71 / 3)
    # from 02:00: only bar 3 → AVWAP = TP = 29, σ = 0, no slope
    one = anchored_vwap(THREE, T0 + timedelta(hours=2), T0 + timedelta(hours=3)).value
    assert (one.vwap_usd, one.sigma_usd, one.slope_usd_per_bar, one.slope_bars) == (29.0, 0.0, None, None)


def test_missing_cases():
    before = anchored_vwap(THREE, T0 - timedelta(days=1), T0 + timedelta(hours=3))
    assert before.status is Status.INSUFFICIENT_DATA
    assert "after the anchor" in before.reasons[0]
    nothing_closed = anchored_vwap(THREE, T0 + timedelta(hours=2), T0 + timedelta(hours=2, minutes=30))
    assert nothing_closed.status is Status.INSUFFICIENT_DATA
    zero = candles([12, 23], [8, 19], [10, 21], [0, 0])
    assert anchored_vwap(zero, T0, T0 + timedelta(hours=2)).status is Status.INSUFFICIENT_DATA


@pytest.mark.parametrize(
    ("as_of", "period", "expected"),
    [
        (datetime(2024, 5, 15, 13, 0, tzinfo=UTC), "week", datetime(2024, 5, 13, tzinfo=UTC)),  # Wed → Mon 13th
        (datetime(2024, 5, 19, 23, 59, tzinfo=UTC), "week", datetime(2024, 5, 13, tzinfo=UTC)),  # Sunday
        (datetime(2024, 5, 13, 0, 0, tzinfo=UTC), "week", datetime(2024, 5, 13, tzinfo=UTC)),  # Monday itself
        (datetime(2024, 5, 15, 13, 0, tzinfo=UTC), "month", datetime(2024, 5, 1, tzinfo=UTC)),
        (datetime(2024, 5, 15, 13, 0, tzinfo=UTC), "quarter", datetime(2024, 4, 1, tzinfo=UTC)),
        (datetime(2024, 12, 31, 23, 59, tzinfo=UTC), "quarter", datetime(2024, 10, 1, tzinfo=UTC)),
        (datetime(2024, 3, 31, 23, 0, tzinfo=UTC), "quarter", datetime(2024, 1, 1, tzinfo=UTC)),
        (datetime(2024, 7, 1, 0, 0, tzinfo=UTC), "quarter", datetime(2024, 7, 1, tzinfo=UTC)),
        (datetime(2024, 5, 15, 13, 0, tzinfo=UTC), "year", datetime(2024, 1, 1, tzinfo=UTC)),
    ],
)
def test_calendar_anchor(as_of, period, expected):
    assert calendar_anchor(as_of, period) == expected


def test_calendar_anchor_unknown_period():
    with pytest.raises(ValueError, match="unknown calendar period"):
        calendar_anchor(T0, "fortnight")


def test_cycle_high_anchor_is_highest_high_in_lookback():
    # highs 12, 23, 31, 25: the cycle high is bar 3 (02:00); AVWAP from it = bars 3 and 4
    c = candles([12, 23, 31, 25], [8, 19, 26, 21], [10, 21, 30, 22], [1, 2, 1, 3])
    as_of = T0 + timedelta(hours=4)
    assert extreme_anchor(c, as_of, lookback_days=1).value == T0 + timedelta(hours=2)
    assert extreme_anchor(c, as_of, lookback_days=1, kind="low").value == T0
    r = event_vwap(c, as_of, lookback_days=1)
    # TP3 = 29 (V 1), TP4 = (25 + 21 + 22) / 3 = 68/3 (V 3) → (29 + 68) / 4 = 24.25
    assert r.value.anchor_name == "cycle_high"
    assert r.value.vwap_usd == pytest.approx(24.25)
    # a 10-day lookback reaches before the first candle: computed, but partial with the reason said
    longer = event_vwap(c, as_of, lookback_days=10)
    assert longer.status is Status.PARTIAL
    assert "shorter than the 10-day lookback" in longer.reasons[0]


bars_strategy = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(1.0, 1e5), min_size=n, max_size=n),  # low
        st.lists(st.floats(0.0, 1e3), min_size=n, max_size=n),  # range
        st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n),  # close position in range
        st.lists(st.floats(0.0, 1e4), min_size=n, max_size=n),  # volume
    )
)


@settings(max_examples=150, deadline=None)
@given(bars_strategy)
def test_avwap_within_anchored_range(bars):
    low, rng, pos, vol = (np.array(x) for x in bars)
    vol[0] += 1e-3  # some volume
    high = low + rng
    close = low + pos * rng
    c = candles(high, low, close, vol)
    a = anchored_vwap(c, T0, T0 + timedelta(hours=len(low))).value
    tol = 1e-9 * a.range_high_usd
    assert a.range_low_usd - tol <= a.vwap_usd <= a.range_high_usd + tol
    assert a.range_low_usd == low.min()
    assert a.range_high_usd == high.max()
    assert a.sigma_usd >= 0
    assert a.lower2_usd <= a.lower1_usd <= a.vwap_usd <= a.upper1_usd <= a.upper2_usd


# --- real data: Binance USD-M BTCUSDT 4h klines -------------------------------------------------------------------

BINANCE_COLUMNS = [
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
    "taker_buy_volume", "taker_buy_quote_volume", "ignore",
]  # fmt: skip


def load_binance_klines(path) -> tuple[pd.DataFrame, CandleSeries]:
    """Read a Binance kline CSV (with or without the header row) into a DataFrame and a CandleSeries."""
    with open(path) as fh:
        first = fh.readline().split(",")[0].strip()
    has_header = not first.isdigit()
    df = pd.read_csv(path, header=0 if has_header else None, names=BINANCE_COLUMNS)
    interval_s = round((df["close_time"].iloc[0] + 1 - df["open_time"].iloc[0]) / 1000)
    src = Source("binance-usdm", f"klines {interval_s // 3600}h", T0, T0)
    c = CandleSeries(
        "binance-usdm", "BTC", "perp", interval_s, df["open_time"].to_numpy(np.int64).astype("datetime64[ms]"),
        *(df[k].to_numpy(float) for k in ("open", "high", "low", "close", "volume", "taker_buy_volume")), src,
    )  # fmt: skip
    return df, c


def pandas_avwap(df: pd.DataFrame, anchor: datetime, as_of: datetime, interval_s: int) -> tuple[float, float, int]:
    """Direct DOMAIN.md §4 formulas on the DataFrame: bars opened at/after the anchor and closed by as_of."""
    a_ms, e_ms = to_ms(anchor), to_ms(as_of)
    sel = df[(df["open_time"] >= a_ms) & (df["open_time"] + interval_s * 1000 <= e_ms)]
    tp = (sel["high"] + sel["low"] + sel["close"]) / 3
    v = sel["volume"]
    vwap = (tp * v).sum() / v.sum()
    sigma = math.sqrt((tp**2 * v).sum() / v.sum() - vwap**2)
    return vwap, sigma, len(sel)


@pytest.fixture(scope="module")
def binance_4h():
    return load_binance_klines(real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_4h.csv"))


@pytest.mark.parametrize(
    ("anchor_kind", "anchor", "as_of"),
    [
        ("quarter", None, datetime(2025, 8, 20, 13, 37, tzinfo=UTC)),  # mid-bar as_of: the 12:00 bar is excluded
        ("year", None, datetime(2025, 8, 20, 13, 37, tzinfo=UTC)),
        ("year", None, datetime(2022, 12, 31, 20, 0, tzinfo=UTC)),
        ("custom", datetime(2023, 3, 10, 16, 0, tzinfo=UTC), datetime(2023, 6, 1, 0, 0, tzinfo=UTC)),
        ("custom", datetime(2022, 11, 8, 10, 0, tzinfo=UTC), datetime(2023, 1, 15, 9, 0, tzinfo=UTC)),  # mid-bar anchor
    ],
)
def test_real_binance_4h_avwap_matches_pandas(binance_4h, anchor_kind, anchor, as_of):
    df, c = binance_4h
    assert c.interval_s == 14_400
    if anchor_kind == "custom":
        r = anchored_vwap(c, anchor, as_of)
    else:
        r = calendar_vwap(c, anchor_kind, as_of)
        anchor = calendar_anchor(as_of, anchor_kind)
    vwap, sigma, n = pandas_avwap(df, anchor, as_of, c.interval_s)
    a = r.value
    assert r.status is Status.OK
    assert a.bars_used == n > 0
    assert a.vwap_usd == pytest.approx(vwap, rel=1e-11)
    assert a.sigma_usd == pytest.approx(sigma, rel=1e-7)
    assert (a.venue, a.market, a.interval_s) == ("binance-usdm", "perp", 14_400)
    assert a.range_low_usd <= a.vwap_usd <= a.range_high_usd
