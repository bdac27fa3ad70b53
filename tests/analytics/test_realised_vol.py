"""Realised volatility (close-to-close, Parkinson) and its window, against pandas on real klines and on a
simulated diffusion with a bound derived from the estimator's sampling error."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from derivintel.analytics.realised_vol import realised_vol
from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries
from tests.realdata import real_path

H4 = 4 * 3600


def _series(ts, o, h, lo, c) -> CandleSeries:
    src = Source("test", "klines_4h", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
    return CandleSeries("binance-usdm", "BTC", "perp", H4, ts, o, h, lo, c, np.ones(len(c)), None, src)


@pytest.mark.real_data
def test_real_klines_match_pandas() -> None:
    k = pd.read_csv(real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_4h.csv"))
    c = _series(
        k["open_time"].to_numpy().astype("datetime64[ms]"), k["open"].to_numpy(float), k["high"].to_numpy(float),
        k["low"].to_numpy(float), k["close"].to_numpy(float),
    )  # fmt: skip
    as_of = datetime(2024, 3, 10, 2, 30, tzinfo=UTC)  # window ends at the 00:00 boundary
    r = realised_vol(c, as_of=as_of, window=timedelta(days=30)).value
    opened = pd.to_datetime(k["open_time"], unit="ms", utc=True)
    end = pd.Timestamp("2024-03-10 00:00", tz="UTC")
    inside = k[(opened >= end - pd.Timedelta(days=30)) & (opened + pd.Timedelta(hours=4) <= end)]
    before = k[opened == end - pd.Timedelta(days=30) - pd.Timedelta(hours=4)]
    closes = pd.concat([before["close"], inside["close"]]).to_numpy()
    rets = np.diff(np.log(closes))
    assert r.n_bars == len(rets) == 180
    assert r.close_to_close == pytest.approx(math.sqrt((rets**2).mean() * 6 * 365), rel=1e-12)
    hl = np.log(inside["high"] / inside["low"]).to_numpy()
    assert r.parkinson == pytest.approx(math.sqrt((hl**2).mean() / (4 * math.log(2)) * 6 * 365), rel=1e-12)
    assert 0.2 < r.close_to_close < 1.5


def test_simulated_diffusion_within_the_sampling_bound() -> None:
    # n i.i.d. normal returns: the variance estimate is σ²·χ²_n/n, standard error σ²·√(2/n). Over ten seeds (fixed:
    # the test is deterministic) every estimate lies within 5 standard errors, a bound a correct estimator breaks
    # with probability below 1e-6 per seed; a wrong annualisation (×√6, ×√365) misses it by far.
    sigma, n = 0.6, 720
    per_bar = sigma / math.sqrt(6 * 365)
    ts = np.datetime64("2024-01-01T00:00", "ms") + np.arange(n + 1) * np.timedelta64(H4, "s")
    for seed in range(10):
        rng = np.random.default_rng(seed)
        r = rng.normal(0.0, per_bar, n + 1)
        close = 50_000 * np.exp(np.cumsum(r))
        c = _series(ts, close, close, close, close)
        as_of = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=H4 * (n + 1))
        v = realised_vol(c, as_of=as_of, window=timedelta(seconds=H4 * n)).value
        assert v.n_bars == n
        assert v.close_to_close**2 == pytest.approx(sigma**2, abs=5 * sigma**2 * math.sqrt(2 / n))


def test_too_few_bars_is_missing_with_the_count() -> None:
    ts = np.datetime64("2024-01-01T00:00", "ms") + np.arange(5) * np.timedelta64(H4, "s")
    p = np.full(5, 100.0)
    r = realised_vol(_series(ts, p, p, p, p), as_of=datetime(2024, 1, 2, tzinfo=UTC), window=timedelta(days=30))
    assert not r.ok
    assert "5 closed 240-minute bars" in r.reasons[0]
