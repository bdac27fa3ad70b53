"""Market activity (σ_daily, V_daily) for the square-root impact, and the impact formula itself."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.analytics.liquidity.impact import market_activity, sqrt_impact_fraction
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.series import CandleSeries

AS_OF = datetime(2024, 2, 1, tzinfo=UTC)
H_MS = 3_600_000


def _hourly(venue: str, closes: np.ndarray, volume: float, market: str = "perp") -> CandleSeries:
    n = len(closes)
    end = np.datetime64("2024-02-01T00:00", "ms")
    ts = (end - np.arange(n, 0, -1) * np.timedelta64(H_MS, "ms")).astype("datetime64[ms]")
    src = Source(venue, "klines_1h", AS_OF, AS_OF)
    return CandleSeries(venue, "BTC", market, 3600, ts, closes, closes, closes, closes, np.full(n, volume), None, src)


def test_hand_case() -> None:
    # 721 hourly closes alternating 100 and 100·e^a; the 30-day window keeps the last 720 bars: 719 returns ±a
    # (360 of one sign), mean a/719, sample variance (719 a² − a²/719) / 718 = 720 a² / 719.
    a = 0.01
    closes = 100.0 * np.exp(a * (np.arange(721) % 2))
    main = _hourly("binance-usdm", closes, 10.0)
    other = _hourly("bybit", np.full(48, 100.0), 5.0)
    short = _hourly("okx", np.full(10, 100.0), 1e6)  # 10 h of the last 24 h: left out
    spot = _hourly("binance-spot", np.full(48, 100.0), 1e6, market="spot")  # spot volume is not perp volume
    res = market_activity([main, other, short, spot], as_of=AS_OF)
    act = res.value
    assert act is not None
    assert act.sigma_daily_frac == pytest.approx(a * math.sqrt(720 / 719) * math.sqrt(24), rel=1e-12)
    assert act.sigma_bars == 719
    # last 24 bars: binance 24 × 10 coins × close (alternating 100 and 100e^a), bybit 24 × 5 × 100
    last = closes[-24:]
    assert act.volume_daily_usd == pytest.approx(float((10.0 * last).sum()) + 24 * 5 * 100.0, rel=1e-12)
    assert act.venues == ("binance-usdm", "bybit")
    assert res.status is Status.PARTIAL
    assert any("okx" in r and "left out" in r for r in res.reasons)


def test_missing_is_missing() -> None:
    assert market_activity([], as_of=AS_OF).status is Status.INSUFFICIENT_DATA
    few = _hourly("binance-usdm", np.full(30, 100.0), 1.0)  # 24 h of volume but only 29 returns … enough
    assert market_activity([few], as_of=AS_OF).value is not None
    tiny = _hourly("binance-usdm", np.full(24, 100.0), 1.0)
    res = market_activity([tiny], as_of=AS_OF, sigma_days=0)
    assert res.status is Status.INSUFFICIENT_DATA


def test_sqrt_impact() -> None:
    # Y 1, σ 2 %, Q = 1 % of V → 0.02 × 0.1 = 0.2 %
    assert sqrt_impact_fraction(1e8, y=1.0, sigma_daily_frac=0.02, volume_daily_usd=1e10) == pytest.approx(0.002)
    assert sqrt_impact_fraction(0.0, y=1.0, sigma_daily_frac=0.02, volume_daily_usd=1e10) == 0.0
