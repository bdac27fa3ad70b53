"""Real recorded Binance data: funding per hour and z-score, OI change and CVD, checked against pandas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from derivintel.analytics.positioning.cvd import cvd_from_candles
from derivintel.analytics.positioning.funding import funding_zscore
from derivintel.analytics.positioning.open_interest import open_interest_change
from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from tests.realdata import real_path

DIR = "perp_history", "binance_btcusdt_um"


def _src(ds: str) -> Source:
    t = datetime(2026, 8, 1, tzinfo=UTC)
    return Source("binance-usdm", ds, t, t)


def test_real_funding_zscore_matches_pandas():
    df = pd.read_csv(real_path(*DIR, "futures_BTCUSDT_funding.csv"))
    assert list(df.columns) == ["calc_time", "funding_interval_hours", "last_funding_rate"]
    series = FundingSeries(
        "binance-usdm",
        "BTC",
        df["calc_time"].to_numpy().astype("datetime64[ms]"),
        df["last_funding_rate"].to_numpy(float),
        df["funding_interval_hours"].to_numpy(float),
        _src("fundingRate"),
    )
    assert np.allclose(series.rate_1h, df["last_funding_rate"] / 8)  # every row is an 8 h interval
    for as_of in (datetime(2024, 3, 1, 12, tzinfo=UTC), datetime(2022, 6, 15, 1, tzinfo=UTC)):
        res = funding_zscore(series, as_of=as_of, lookback=timedelta(days=30))
        t = pd.to_datetime(df["calc_time"], unit="ms", utc=True)
        win = df[(t > pd.Timestamp(as_of) - pd.Timedelta(days=30)) & (t <= pd.Timestamp(as_of))]
        r1h = win["last_funding_rate"] / win["funding_interval_hours"]
        expected_z = (r1h.iloc[-1] - r1h.mean()) / r1h.std()  # pandas std: ddof=1
        assert res.value.n_obs == len(win) == 90  # 3 settlements a day × 30 days
        assert res.value.zscore == pytest.approx(expected_z, rel=1e-9)
        assert res.value.percentile == pytest.approx((r1h <= r1h.iloc[-1]).mean())
        assert res.value.current_1h == pytest.approx(r1h.iloc[-1])


def test_real_oi_change_and_cvd_match_pandas():
    m = pd.read_csv(real_path(*DIR, "BTCUSDT-metrics-2024-01-01.csv"))
    ts = pd.to_datetime(m["create_time"]).to_numpy().astype("datetime64[ms]")
    oi = OpenInterestSeries(
        "binance-usdm", "BTC", 300, ts, m["sum_open_interest"].to_numpy(float),
        m["sum_open_interest_value"].to_numpy(float), _src("metrics"),
    )  # fmt: skip
    as_of = datetime(2024, 1, 1, 18, 0, tzinfo=UTC)
    res = open_interest_change([oi], as_of=as_of, window=timedelta(hours=12))
    idx = m.set_index(pd.to_datetime(m["create_time"]))
    end, start = idx.loc["2024-01-01 18:00:00"], idx.loc["2024-01-01 06:00:00"]
    assert res.value.change_fraction == pytest.approx(end.sum_open_interest / start.sum_open_interest - 1)
    assert res.value.change_usd == pytest.approx(end.sum_open_interest_value - start.sum_open_interest_value)

    k = pd.read_csv(real_path(*DIR, "futures_BTCUSDT_4h.csv"))
    c = CandleSeries(
        "binance-usdm", "BTC", "perp", 4 * 3600, k["open_time"].to_numpy().astype("datetime64[ms]"),
        k["open"].to_numpy(float), k["high"].to_numpy(float), k["low"].to_numpy(float), k["close"].to_numpy(float),
        k["volume"].to_numpy(float), k["taker_buy_volume"].to_numpy(float), _src("klines"),
    )  # fmt: skip
    as_of = datetime(2024, 2, 1, 2, 30, tzinfo=UTC)  # the 00:00 bar is still open: last closed bar opened 20:00
    res = cvd_from_candles([c], market="perp", as_of=as_of, window=timedelta(days=7))
    opened = pd.to_datetime(k["open_time"], unit="ms", utc=True)
    closed = opened + pd.Timedelta(hours=4)
    end = pd.Timestamp("2024-02-01 00:00", tz="UTC")  # the window ends at the last 4h boundary before as_of
    sel = k[(opened >= end - pd.Timedelta(days=7)) & (closed <= end)]
    delta = 2 * sel["taker_buy_volume"] - sel["volume"]
    assert len(sel) == res.value.n_bars == res.value.expected_bars == 42  # 7 whole days of 4h bars
    assert res.value.delta_base == pytest.approx(delta.sum())
    assert res.value.delta_usd == pytest.approx((delta * sel["close"]).sum())
    # "24h" at 04:55 on 4h bars is six whole bars (00:00 back to 04:00 the day before), not the five that close
    # inside [as_of − 24 h, as_of] (20 h)
    day = cvd_from_candles([c], market="perp", as_of=datetime(2024, 1, 20, 4, 55, tzinfo=UTC), window=timedelta(days=1))
    assert day.value.n_bars == day.value.expected_bars == 6
    assert not day.reasons
