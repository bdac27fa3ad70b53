"""Instrument-list parsers (the universe): recorded payloads, real recordings in place, and the content faults."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.domain.universe import split_bundle
from derivintel.sources import registry
from derivintel.sources.binance import parse as binance
from derivintel.sources.bybit import parse as bybit
from derivintel.sources.hyperliquid import parse as hyperliquid
from derivintel.sources.okx import parse as okx
from tests.realdata import real_path
from tests.sources.fakeserver import apply_fault, fixture_path

RECV = datetime(2026, 7, 21, tzinfo=UTC)


def body(ep_provider: str) -> bytes:
    ep = next(i.endpoint for i in registry.INSTRUMENT_LISTS if i.endpoint.provider == ep_provider)
    return fixture_path(ep).read_bytes()


@pytest.mark.parametrize(
    ("name", "asset", "multiplier"),
    [
        ("BTC", "BTC", 1.0),
        ("1INCH", "1INCH", 1.0),
        ("1000PEPE", "PEPE", 1000.0),
        ("10000LADYS", "LADYS", 10_000.0),
        ("1000000MOG", "MOG", 1e6),
        ("kPEPE", "PEPE", 1000.0),
        ("1000", "1000", 1.0),
    ],
)
def test_split_bundle(name: str, asset: str, multiplier: float) -> None:
    assert split_bundle(name) == (asset, multiplier)


def test_binance_exchange_info_keeps_only_trading_usd_perps() -> None:
    (btc,) = binance.parse_exchange_info(body("binance-usdm"), ts_recv=RECV)  # quarterly and TradFi XAU left out
    assert (btc.provider, btc.asset, btc.symbol, btc.settle) == ("binance-usdm", "BTC", "BTCUSDT", "USDT")
    assert btc.tick_size == 0.1
    assert btc.contract_size_base == 1.0
    assert btc.unit_multiplier == 1.0
    assert btc.funding_interval_hours is None  # exchangeInfo does not state it (fundingInfo does)


def test_bybit_list_reads_bundles_interval_and_tick() -> None:
    rows = bybit.parse_instruments_list(body("bybit"), ts_recv=RECV)
    assert [(r.asset, r.symbol, r.unit_multiplier) for r in rows] == [
        ("LADYS", "10000LADYSUSDT", 10_000.0),
        ("NFT", "10000NFTUSDT", 10_000.0),
        ("BONK", "1000BONKUSDT", 1000.0),
    ]
    assert {r.funding_interval_hours for r in rows} == {8.0}  # 480 minutes
    assert rows[2].tick_size == 1e-6


def test_bybit_interval_bybit_does_not_run_is_bad_payload() -> None:
    doc = json.loads(body("bybit"))
    doc["result"]["list"][0]["fundingInterval"] = 90
    with pytest.raises(BadPayloadError, match="90 min is not a Bybit interval"):
        bybit.parse_instruments_list(json.dumps(doc).encode(), ts_recv=RECV)


def test_okx_instruments_skip_inverse_and_read_contract_value() -> None:
    rows = okx.parse_instruments(body("okx"), ts_recv=RECV)
    assert [(r.asset, r.symbol, r.contract_size_base, r.tick_size) for r in rows] == [
        ("ETH", "ETH-USDT-SWAP", 0.1, 0.01),
        ("BTC", "BTC-USDT-SWAP", 0.01, 0.1),
    ]


def test_hyperliquid_meta_lists_every_perp_hourly_in_usdc() -> None:
    rows = hyperliquid.parse_meta(body("hyperliquid"), ts_recv=RECV)
    assert len(rows) == 28
    assert {r.settle for r in rows} == {"USDC"}
    assert {r.funding_interval_hours for r in rows} == {1.0}
    pepe = next(r for r in rows if r.asset == "PEPE")
    assert (pepe.symbol, pepe.unit_multiplier) == ("kPEPE", 1000.0)
    assert "ATOM" in {r.asset for r in rows}


def test_hyperliquid_meta_skips_delisted_and_builder_dex_names() -> None:
    doc = {"universe": [{"name": "BTC", "szDecimals": 5}, {"name": "OLD", "isDelisted": True}, {"name": "xyz:TSLA"}]}
    (btc,) = hyperliquid.parse_meta(json.dumps(doc).encode())
    assert btc.asset == "BTC"


@pytest.mark.real_data
def test_real_hyperliquid_meta_recordings() -> None:
    """The SDK cassette (2023) and nautilus' recorded sample (``isDelisted``/``onlyIsolated`` null), read in place."""
    from tests.sources.test_hyperliquid_parse import cassette_body

    rows = hyperliquid.parse_meta(cassette_body("hlsdk_test_get_info.yaml", "meta"))
    assert len(rows) == 28
    assert rows[0].asset == "BTC"
    sample = hyperliquid.parse_meta(real_path("hyperliquid", "nautilus_http_meta_perp_sample.json").read_bytes())
    assert [r.asset for r in sample] == ["BTC", "ETH", "ATOM"]


PARSERS = {item.endpoint.provider: item.parser for item in registry.INSTRUMENT_LISTS}
CONTENT_FAULTS = ("truncated", "renamed", "null", "empty", "nan")


@pytest.mark.parametrize("provider", sorted(PARSERS))
@pytest.mark.parametrize("fault", CONTENT_FAULTS)
def test_content_faults_are_bad_payloads(provider: str, fault: str) -> None:
    """A broken list never becomes an empty universe: every content fault raises ``BadPayloadError``."""
    with pytest.raises(BadPayloadError):
        PARSERS[provider](apply_fault(body(provider), fault, csv=False), ts_recv=RECV)


@pytest.mark.parametrize("provider", sorted(PARSERS))
def test_list_without_a_usd_perp_is_bad_payload(provider: str) -> None:
    empty = {
        "binance-usdm": {"symbols": [{"symbol": "X", "contractType": "CURRENT_QUARTER", "status": "TRADING"}]},
        "bybit": {
            "retCode": 0,
            "retMsg": "OK",
            "result": {"list": [{"contractType": "LinearFutures", "status": "Trading"}]},
        },
        "okx": {"code": "0", "data": [{"ctType": "inverse", "state": "live"}]},
        "hyperliquid": {"universe": [{"name": "OLD", "isDelisted": True}]},
    }[provider]
    with pytest.raises(BadPayloadError):
        PARSERS[provider](json.dumps(empty).encode(), ts_recv=RECV)
