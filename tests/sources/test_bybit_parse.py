"""Bybit v5 parsers: envelope, newest-first ordering, units (hand-computed from the fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.sources.bybit import parse as yp
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)


def fx(name: str) -> bytes:
    return (FIXTURES / "bybit" / name).read_bytes()


def test_tickers_to_perp_metrics() -> None:
    p = yp.parse_tickers(fx("tickers.json"), asset="BTC", symbol="BTCUSDT", ts_recv=RECV)
    assert p.funding_interval_hours == 8.0
    assert p.funding_rate_1h == pytest.approx(0.0001 / 8)
    assert p.oi_base == pytest.approx(55000.123)
    assert p.oi_usd == pytest.approx(55000.123 * 65005.0)
    assert p.volume_24h_usd == 5e9
    assert p.next_funding_time == datetime(2024, 6, 1, 8, tzinfo=UTC)
    four_hourly = fx("tickers.json").replace(b'"fundingIntervalHour": "8"', b'"fundingIntervalHour": "4"')
    assert yp.parse_tickers(four_hourly, asset="BTC", symbol="BTCUSDT", ts_recv=RECV).funding_rate_1h == 0.0001 / 4


def test_newest_first_lists_are_sorted_and_oi_valued_with_kline_closes() -> None:
    k = yp.parse_kline(fx("kline.json"), asset="BTC", ts_recv=RECV, interval_s=3600)
    assert np.all(np.diff(k.ts.astype(np.int64)) == 3_600_000)
    np.testing.assert_allclose(k.close, [65005.0, 64905.0, 65005.0])
    assert k.taker_buy_base is None
    oi = yp.parse_open_interest(
        fx("open-interest.json"), asset="BTC", ts_recv=RECV, period_s=3600, close_by_ts=yp.close_prices_by_ts(k)
    )
    np.testing.assert_allclose(oi.oi_base, [54500.5, 54800.0, 55000.123])
    # 04:00 bar closes at 65005: 54500.5 * 65005 = 3,542,804,002.5
    assert oi.oi_usd[0] == pytest.approx(3_542_804_002.5)
    unpriced = yp.parse_open_interest(fx("open-interest.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    assert np.isnan(unpriced.oi_usd).all()  # unknown, not zero
    f = yp.parse_funding_history(
        fx("funding-history.json"), asset="BTC", symbol="BTCUSDT", ts_recv=RECV, interval_hours=8
    )
    np.testing.assert_allclose(f.rate_interval, [-2e-5, 5e-5, 1e-4])
    ls = yp.parse_account_ratio(fx("account-ratio.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    np.testing.assert_allclose(ls.long_share, [0.55, 0.5, 0.6])  # buyRatio, oldest first


def test_orderbook_and_envelope_errors() -> None:
    b = yp.parse_orderbook(fx("orderbook.json"), asset="BTC", symbol="BTCUSDT", ts_recv=RECV)
    assert b.mid_usd == pytest.approx((65004.9 + 65005.0) / 2)
    limited = b'{"retCode":10006,"retMsg":"Too many visits!","result":{},"time":1}'
    with pytest.raises(BadPayloadError, match="10006"):
        yp.parse_tickers(limited, asset="BTC", symbol="BTCUSDT", ts_recv=RECV)
    with pytest.raises(BadPayloadError, match=r"not in result\.list"):
        yp.parse_tickers(fx("tickers.json"), asset="ETH", symbol="ETHUSDT", ts_recv=RECV)
    empty = fx("tickers.json").replace(b'"markPrice": "65005.00"', b'"markPrice": ""')
    with pytest.raises(BadPayloadError, match="markPrice"):
        yp.parse_tickers(empty, asset="BTC", symbol="BTCUSDT", ts_recv=RECV)
