"""Dated-futures parsers of Deribit, Binance, OKX and Bybit on their fixtures: expiry, units, OI, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.domain.futures import Margin
from derivintel.sources.binance import parse as bp
from derivintel.sources.bybit import parse as yp
from derivintel.sources.deribit import parse as dp
from derivintel.sources.okx import parse as op
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
AS_OF = datetime(2024, 6, 1, 7, tzinfo=UTC)
JUN28 = datetime(2024, 6, 28, 8, tzinfo=UTC)
SEP27 = datetime(2024, 9, 27, 8, tzinfo=UTC)


def fx(venue: str, name: str) -> bytes:
    return (FIXTURES / venue / name).read_bytes()


def test_deribit_futures_skip_the_perpetual_and_convert_usd_oi() -> None:
    futures = dp.parse_futures(fx("deribit", "book_summary_future.json"), asset="BTC", ts_recv=RECV)
    assert [f.venue_symbol for f in futures] == ["BTC-7JUN24", "BTC-28JUN24", "BTC-27SEP24", "BTC-27DEC24"]
    jun = futures[1]
    assert jun.expiry == JUN28  # name date at 08:00 UTC
    assert jun.mark_price_usd == 65300.0
    assert jun.index_price_usd == 64990.12
    assert jun.oi_base == pytest.approx(250_000_000 / 65300.0)  # USD contracts → coins at the mark
    assert jun.margin is Margin.INVERSE
    assert jun.source.as_of == AS_OF
    assert jun.source.fetched_at == RECV
    with pytest.raises(BadPayloadError, match="expected ETH"):
        dp.parse_futures(fx("deribit", "book_summary_future.json"), asset="ETH", ts_recv=RECV)
    assert dp.future_expiry("BTC-PERPETUAL") is None
    assert dp.future_expiry("ETH-3JAN26") == datetime(2026, 1, 3, 8, tzinfo=UTC)


def test_binance_quarterlies_from_exchange_info_and_all_mark_prices() -> None:
    contracts = bp.parse_delivery_contracts(fx("binance", "exchangeInfo.json"))
    assert set(contracts) == {"BTCUSDT_240628", "BTCUSDT_240927", "ETHUSDT_240628", "ETHUSDT_240927"}  # not SETTLING
    assert contracts["BTCUSDT_240927"].delivery == SEP27
    futures = bp.parse_quarterly_futures(
        fx("binance", "premiumIndex_all.json"), asset="BTC", contracts=contracts, ts_recv=RECV
    )
    assert [(f.venue_symbol, f.expiry, f.mark_price_usd, f.index_price_usd) for f in futures] == [
        ("BTCUSDT_240628", JUN28, 65340.0, 64980.0),
        ("BTCUSDT_240927", SEP27, 66410.0, 64980.0),
    ]
    assert all(f.oi_base is None and f.margin is Margin.LINEAR for f in futures)
    bad = json.loads(fx("binance", "exchangeInfo.json"))
    bad["symbols"][0]["deliveryDate"] = None  # a mangled row is a bad payload, not a silently shorter list
    with pytest.raises(BadPayloadError, match="deliveryDate"):
        bp.parse_delivery_contracts(json.dumps(bad).encode())


def test_binance_coin_margined_quarterlies() -> None:
    contracts = bp.parse_delivery_contracts(fx("binance", "coinm_exchangeInfo.json"), provider="binance-coinm")
    assert set(contracts) == {"BTCUSD_240628", "BTCUSD_240927", "ETHUSD_240628", "ETHUSD_240927"}  # contractStatus
    body = fx("binance", "coinm_premiumIndex.json")
    futures = bp.parse_quarterly_futures(body, asset="BTC", contracts=contracts, ts_recv=RECV,
                                         provider="binance-coinm", dataset="premiumIndex")  # fmt: skip
    assert [(f.venue_symbol, f.expiry, f.mark_price_usd, f.margin) for f in futures] == [
        ("BTCUSD_240628", JUN28, 65351.4, Margin.INVERSE),
        ("BTCUSD_240927", SEP27, 66452.7, Margin.INVERSE),
    ]
    assert futures[0].source.label == "binance-coinm/premiumIndex"
    with pytest.raises(BadPayloadError, match="expected ETHUSD"):
        bp.parse_quarterly_futures(body, asset="ETH", contracts=contracts, ts_recv=RECV, provider="binance-coinm")


def test_okx_futures_family_marks_and_open_interest() -> None:
    instruments = op.parse_futures_instruments(fx("okx", "instruments_futures.json"), family="BTC-USD")
    assert instruments["BTC-USD-240628"] == op.ListedFuture(JUN28, Margin.INVERSE)
    oi = op.parse_futures_open_interest(fx("okx", "open-interest_futures.json"), family="BTC-USD")
    assert oi["BTC-USD-240628"] == pytest.approx(512345 * 100 / 65325.4, rel=1e-6)  # oiCcy: coins
    futures = op.parse_futures_marks(
        fx("okx", "mark-price_futures.json"), asset="BTC", instruments=instruments, oi_base=oi, ts_recv=RECV
    )
    assert [f.venue_symbol for f in futures] == ["BTC-USD-240607", "BTC-USD-240614", "BTC-USD-240628", "BTC-USD-240927"]
    assert futures[3].expiry == SEP27
    assert futures[3].mark_price_usd == 66398.9
    assert all(f.index_price_usd is None for f in futures)  # OKX sends no index with the mark
    with pytest.raises(BadPayloadError, match="ETH-USD"):
        op.parse_futures_instruments(fx("okx", "instruments_futures.json"), family="ETH-USD")


def test_bybit_dated_futures_linear_and_inverse() -> None:
    linear = yp.parse_dated_futures(fx("bybit", "tickers_linear_all.json"), asset="BTC", category="linear",
                                    ts_recv=RECV)  # fmt: skip
    # perpetuals (deliveryTime 0), other assets and BTCDOMUSDT-28JUN24 are left out
    assert [f.venue_symbol for f in linear] == ["BTCUSDT-28JUN24", "BTCUSDT-27SEP24", "BTC-28JUN24"]
    assert linear[0].oi_base == 1200.5  # singleOpenInterest, coins
    assert linear[0].expiry == JUN28
    assert linear[0].index_price_usd == 64985.0
    assert linear[0].source.as_of == AS_OF
    inverse = yp.parse_dated_futures(fx("bybit", "tickers_inverse_all.json"), asset="BTC", category="inverse",
                                     ts_recv=RECV)  # fmt: skip
    assert [f.venue_symbol for f in inverse] == ["BTCUSDM24", "BTCUSDU24"]
    assert inverse[0].oi_base == pytest.approx(65_350_000 / 65350.0)  # one side in USD → coins at the mark
    assert inverse[1].margin is Margin.INVERSE
    assert inverse[1].expiry == SEP27
    eth = yp.parse_dated_futures(fx("bybit", "tickers_linear_all.json"), asset="ETH", category="linear", ts_recv=RECV)
    assert [f.venue_symbol for f in eth] == ["ETHUSDT-28JUN24"]
