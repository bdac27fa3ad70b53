"""Bybit v5 parsers: envelope, newest-first ordering, units (hand-computed from the fixtures)."""

from __future__ import annotations

import json
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
    assert p.oi_base == pytest.approx(55000.123)  # singleOpenInterest, not the both-sides 110000.246
    assert p.oi_usd == pytest.approx(55000.123 * 65005.0)
    assert p.volume_24h_usd == 5e9
    assert p.next_funding_time == datetime(2024, 6, 1, 8, tzinfo=UTC)
    four_hourly = fx("tickers.json").replace(b'"fundingIntervalHour": "8"', b'"fundingIntervalHour": "4"')
    assert yp.parse_tickers(four_hourly, asset="BTC", symbol="BTCUSDT", ts_recv=RECV).funding_rate_1h == 0.0001 / 4


def _without(body: bytes, *keys: str) -> bytes:
    obj = json.loads(body)
    for row in obj["result"]["list"]:
        for key in keys:
            row.pop(key, None)
    return json.dumps(obj).encode()


def test_tickers_without_single_field_halve_the_documented_both_sides_sum() -> None:
    older = _without(fx("tickers.json"), "singleOpenInterest", "singleOpenInterestValue")
    p = yp.parse_tickers(older, asset="BTC", symbol="BTCUSDT", ts_recv=RECV)
    assert p.oi_base == pytest.approx(110000.246 / 2)


def test_funding_interval_from_instruments_info_when_tickers_lack_it() -> None:
    hours = yp.parse_instruments_info(fx("instruments-info.json"), symbol="BTCUSDT", ts_recv=RECV)
    assert hours == 8.0  # fundingInterval 480 minutes
    bare = _without(fx("tickers.json"), "fundingIntervalHour")
    four = yp.parse_tickers(bare, asset="BTC", symbol="BTCUSDT", ts_recv=RECV, instrument_interval_hours=4.0)
    assert four.funding_interval_hours == 4.0
    assert four.funding_rate_1h == pytest.approx(0.0001 / 4)
    unknown = yp.parse_tickers(bare, asset="BTC", symbol="BTCUSDT", ts_recv=RECV)
    assert unknown.funding_rate_interval is None  # not assumed per 8h
    odd = fx("instruments-info.json").replace(b'"fundingInterval": 480', b'"fundingInterval": 8')
    with pytest.raises(BadPayloadError, match="fundingInterval"):
        yp.parse_instruments_info(odd, symbol="BTCUSDT", ts_recv=RECV)
    absent = _without(fx("instruments-info.json"), "fundingInterval")
    assert yp.parse_instruments_info(absent, symbol="BTCUSDT", ts_recv=RECV) is None


def test_newest_first_lists_are_sorted_and_oi_valued_at_the_hour_open() -> None:
    k = yp.parse_kline(fx("kline.json"), asset="BTC", ts_recv=RECV, interval_s=3600)
    assert np.all(np.diff(k.ts.astype(np.int64)) == 3_600_000)
    np.testing.assert_allclose(k.close, [65005.0, 64905.0, 65005.0])
    assert k.taker_buy_base is None
    oi = yp.parse_open_interest(
        fx("open-interest.json"), asset="BTC", ts_recv=RECV, period_s=3600, price_by_ts=yp.open_prices_by_ts(k)
    )
    np.testing.assert_allclose(oi.oi_base, [54500.5, 54800.0, 55000.123])
    # stamped 04:00 = the start of the 04:00 bar, whose open is 64805: 54500.5 * 64805 = 3,531,904,902.5
    assert oi.oi_usd[0] == pytest.approx(3_531_904_902.5)
    unpriced = yp.parse_open_interest(fx("open-interest.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    assert np.isnan(unpriced.oi_usd).all()  # unknown, not zero
    f = yp.parse_funding_history(
        fx("funding-history.json"), asset="BTC", symbol="BTCUSDT", ts_recv=RECV, interval_hours=8
    )
    np.testing.assert_allclose(f.rate_interval, [-2e-5, 5e-5, 1e-4])
    ls = yp.parse_account_ratio(fx("account-ratio.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    np.testing.assert_allclose(ls.long_share, [0.55, 0.5, 0.6])  # buyRatio, oldest first


def test_funding_history_interval_per_settlement_from_its_spacing() -> None:
    """A symbol moved from 8h to 4h: the old settlements keep 8h even though today's interval is 4h."""
    hours = [0, 8, 16, 20, 24, 28]
    rows = [
        {"symbol": "BTCUSDT", "fundingRate": "0.0001", "fundingRateTimestamp": str(1717142400000 + h * 3_600_000)}
        for h in reversed(hours)
    ]
    body = json.dumps({"retCode": 0, "result": {"category": "linear", "list": rows}, "time": 1}).encode()
    f = yp.parse_funding_history(body, asset="BTC", symbol="BTCUSDT", ts_recv=RECV, interval_hours=4)
    np.testing.assert_array_equal(f.interval_hours, [8, 8, 8, 4, 4, 4])


REAL_RECV = datetime(2026, 12, 1, tzinfo=UTC)


def recorded(name: str) -> bytes:
    return (FIXTURES / "bybit" / "recorded" / name).read_bytes()


def test_recorded_2026_open_interest_is_single_sided_and_its_seconds_row_reads_right() -> None:
    """REST answer of 2026-09-15 (third-party recording, SOURCES.md): openInterest = 2 × singleOpenInterest and
    the oldest row stamped in seconds."""
    recv = datetime(2026, 9, 15, 0, 30, 42, tzinfo=UTC)
    oi = yp.parse_open_interest(
        recorded("open-interest_BTCUSDT_5min_2026-09-15.json"), asset="BTC", ts_recv=recv, period_s=300
    )
    np.testing.assert_allclose(oi.oi_base, [26326.209, 26336.672, 26332.321])
    assert oi.ts[0] == np.datetime64(1789458000000, "ms")  # "1789458000" (s) → 2026-09-15, not 1970
    assert np.all(np.diff(oi.ts.astype(np.int64)) == 300_000)


def test_recorded_2026_ws_ticker_row_in_the_rest_envelope_counts_one_side() -> None:
    """The 2026-08-13 ``tickers.BTCUSDT`` snapshot's row (REST tickers rows carry the same fields)."""
    msg = json.loads(recorded("ws_tickers_BTCUSDT_2026-08-13.json"))
    body = json.dumps(
        {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [msg["data"]]}, "time": msg["ts"]}
    ).encode()
    p = yp.parse_tickers(body, asset="BTC", symbol="BTCUSDT", ts_recv=REAL_RECV)
    assert p.oi_base == pytest.approx(29986.128)
    row = msg["data"]
    # The venue's own USD values: openInterestValue is both sides at the mark, singleOpenInterestValue one side.
    assert float(row["openInterestValue"]) == pytest.approx(float(row["openInterest"]) * p.mark_price_usd, rel=1e-9)
    assert p.oi_usd == pytest.approx(float(row["singleOpenInterestValue"]), rel=1e-9)


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
