"""The numpy daily alignment equals the pandas code it replaced (so the report path does not import pandas)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from derivintel.analytics.macro.correlation import DailySeries, aligned_log_returns, daily_points
from derivintel.assessment.analyze import _btc_daily_close
from derivintel.sources.demo import build_demo_snapshot


def pandas_daily_index(s: pd.Series) -> pd.Series:
    """The previous ``_daily_index``: normalise to dates, keep the last of repeated dates, sort, keep finite > 0."""
    idx = pd.DatetimeIndex(s.index)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    out = pd.Series(np.asarray(s.to_numpy(), dtype=float), index=idx.normalize())
    out = out[~out.index.duplicated(keep="last")].sort_index()
    return out[np.isfinite(out.to_numpy()) & (out.to_numpy() > 0)]


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("tz", [None, "UTC", "America/New_York"])
def test_daily_points_equal_the_pandas_version_with_repeats_gaps_and_bad_values(seed, tz):
    rng = np.random.default_rng(seed)
    n = 200
    stamps = pd.DatetimeIndex(np.datetime64("2024-01-01") + rng.integers(0, 90 * 24, n) * np.timedelta64(1, "h"), tz=tz)
    values = rng.uniform(1, 100, n)
    values[rng.random(n) < 0.05] = np.nan
    values[rng.random(n) < 0.05] = -1.0
    s = pd.Series(values, index=stamps)
    expected = pandas_daily_index(s)
    dates, v = daily_points(s)
    assert np.array_equal(dates.astype("datetime64[ns]"), expected.index.to_numpy())
    assert np.array_equal(v, expected.to_numpy())
    naive_utc = s.index.tz_convert(None) if tz else s.index
    dates2, v2 = daily_points(DailySeries(naive_utc.to_numpy(), values))
    assert np.array_equal(dates2, dates)
    assert np.array_equal(v2, v)


def test_aligned_returns_equal_the_pandas_join():
    rng = np.random.default_rng(3)
    days = pd.date_range("2024-01-01", "2024-03-31", freq="D")
    a = pd.Series(np.exp(np.cumsum(rng.normal(0, 0.02, len(days)))), index=days)
    weekdays = days[days.day_of_week < 5]
    b = pd.Series(np.exp(np.cumsum(rng.normal(0, 0.01, len(weekdays)))), index=weekdays)
    joined = pd.concat({"a": pandas_daily_index(a), "b": pandas_daily_index(b)}, axis=1, join="inner").sort_index()
    expected = np.log(joined).diff().dropna()
    dates, ra, rb = aligned_log_returns(a, b)
    assert np.array_equal(dates.astype("datetime64[ns]"), expected.index.to_numpy())
    assert np.array_equal(ra, expected["a"].to_numpy())
    assert np.array_equal(rb, expected["b"].to_numpy())


@pytest.mark.parametrize("hours_before_end", [0, 5, 30])
def test_btc_daily_close_equals_pandas_resample(hours_before_end):
    snap = build_demo_snapshot("BTC", ("ETH",))
    candles = snap.assets["BTC"].candles_for(market="spot") or snap.assets["BTC"].candles_for(market="perp")
    as_of = snap.as_of - timedelta(hours=hours_before_end)
    snap = replace(snap, as_of=as_of)
    known = candles.until(as_of)
    frame = known.to_frame()
    close_time = frame.index + timedelta(seconds=known.interval_s)
    expected = (
        pd.Series(frame["close"].to_numpy(), index=close_time).resample("1D", label="left", closed="right").last()
    ).dropna()
    got = _btc_daily_close(snap)
    assert got is not None
    assert np.array_equal(got.dates.astype("datetime64[ns]"), expected.index.tz_localize(None).to_numpy())
    assert np.array_equal(got.values, expected.to_numpy())
