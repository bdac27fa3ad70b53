"""Demo macro series: names, units, calendars, release lags, and links to the crypto price paths."""

from __future__ import annotations

import numpy as np
import pytest

from derivintel.domain.macro import MACRO_UNITS
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.sources.demo import build_demo_snapshot

BUSINESS = ("vix", "nasdaq", "wti", "dxy")
CALENDAR = ("stablecoin_supply", "btc_dominance", "eth_btc")
DAY = np.timedelta64(1, "D")


@pytest.fixture(scope="module")
def snap() -> MarketSnapshot:
    return build_demo_snapshot()


def test_names_units_and_length(snap: MarketSnapshot) -> None:
    # Every macro input of the report except DVOL and the keyed CryptoQuant flows, which the demo does not model.
    assert set(snap.macro) == set(MACRO_UNITS) - {
        "dvol_btc",
        "dvol_eth",
        "exchange_netflow_btc",
        "stablecoin_exchange_netflow_usd",
    }
    for name, series in snap.macro.items():
        assert series.name == name
        assert series.unit == MACRO_UNITS[name]
        assert (series.ts[-1] - series.ts[0]) >= 420 * DAY
        assert np.all(np.isfinite(series.values))
        assert series.source.as_of.replace(tzinfo=None) == series.ts[-1].astype("datetime64[us]").item()


def test_business_day_series_have_one_business_day_lag(snap: MarketSnapshot) -> None:
    for name in BUSINESS:
        s = snap.macro[name]
        days = s.ts.astype("datetime64[D]")
        assert np.all(np.is_busday(days))
        assert np.all(s.ts.astype(np.int64) % 86_400_000 == 0)  # UTC midnight
        expected = np.busday_offset(days, 1, roll="forward").astype("datetime64[ms]")
        np.testing.assert_array_equal(s.available_ts, expected)
        # consecutive business days, no holes
        np.testing.assert_array_equal(np.busday_count(days[:-1], days[1:]), 1)
    # as_of is Saturday 2026-03-14 05:00: Friday's value is released on Monday, so Thursday is the last one known
    assert snap.macro["vix"].ts[-1] == np.datetime64("2026-03-12", "ms")


def test_calendar_series_are_daily_and_known_next_day(snap: MarketSnapshot) -> None:
    for name in CALENDAR:
        s = snap.macro[name]
        np.testing.assert_array_equal(np.diff(s.ts), np.full(len(s) - 1, DAY))
        np.testing.assert_array_equal(s.available_ts, s.ts + DAY)
    assert snap.macro["eth_btc"].ts[-1] == np.datetime64("2026-03-13", "ms")


def test_levels_are_plausible(snap: MarketSnapshot) -> None:
    m = snap.macro
    assert np.all((m["vix"].values > 9) & (m["vix"].values < 80))
    assert np.all((m["btc_dominance"].values > 0.4) & (m["btc_dominance"].values < 0.75))  # fraction
    assert np.all((m["stablecoin_supply"].values > 1e11) & (m["stablecoin_supply"].values < 1e12))  # USD
    assert np.all((m["wti"].values > 30) & (m["wti"].values < 150))
    assert np.all((m["dxy"].values > 85) & (m["dxy"].values < 125))
    assert np.all((m["nasdaq"].values > 10_000) & (m["nasdaq"].values < 35_000))


def test_vix_mildly_elevated_recently(snap: MarketSnapshot) -> None:
    vix = snap.macro["vix"].values
    assert vix[-3:].mean() > np.median(vix)


def _close_at(snap: MarketSnapshot, asset: str, times: np.ndarray) -> np.ndarray:
    """Spot close of the hourly bar that closes at each of ``times``."""
    c = snap.asset(asset).candles_for(market="spot")
    close_ts = c.ts + np.timedelta64(1, "h")
    idx = np.searchsorted(close_ts, times)
    np.testing.assert_array_equal(close_ts[idx], times)
    return c.close[idx]


def test_eth_btc_is_the_ratio_of_daily_closes(snap: MarketSnapshot) -> None:
    s = snap.macro["eth_btc"]
    end_of_day = s.ts + DAY
    ratio = _close_at(snap, "ETH", end_of_day) / _close_at(snap, "BTC", end_of_day)
    np.testing.assert_allclose(s.values, ratio, atol=5e-7)  # published to 6 decimals


def test_nasdaq_correlates_with_btc_on_us_trading_days(snap: MarketSnapshot) -> None:
    s = snap.macro["nasdaq"]
    btc = _close_at(snap, "BTC", s.ts + np.timedelta64(21, "h"))  # US close ≈ 21:00 UTC
    rho = np.corrcoef(np.diff(np.log(s.values)), np.diff(np.log(btc)))[0, 1]
    assert 0.35 < rho < 0.65


def test_dominance_moves_against_eth_btc(snap: MarketSnapshot) -> None:
    dom = np.diff(snap.macro["btc_dominance"].values)
    eth_btc = np.diff(np.log(snap.macro["eth_btc"].values))
    assert np.corrcoef(dom, eth_btc)[0, 1] < -0.3
