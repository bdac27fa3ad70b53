"""Hyperliquid positions parsers: clearinghouseState on the real SDK cassette, address discovery from trades."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.sources.hyperliquid import positions as hpos
from tests.realdata import real_path
from tests.sources.fakeserver import FIXTURES
from tests.sources.test_hyperliquid_parse import cassette_body

RECV = datetime(2023, 3, 27, 18, 5, 22, tzinfo=UTC)
ADDR = "0x5e9ee1089755c3435139848e47e6635505d5a13a"


def test_clearinghouse_state_real_cassette() -> None:
    body = cassette_body("hlsdk_test_get_user_state.yaml", "clearinghouseState")
    state = hpos.parse_clearinghouse_state(body, address=ADDR.upper().replace("0X", "0x"), ts_recv=RECV)
    assert state.address == ADDR
    assert len(state.positions) == 12
    btc = next(p for p in state.positions if p.coin == "BTC")
    assert btc.size_base == -0.00785
    assert not btc.is_long
    assert btc.entry_price_usd == 26951.0
    assert btc.liquidation_price_usd == pytest.approx(173198.69592357)
    assert btc.leverage == 20
    assert btc.is_cross
    assert btc.position_value_usd == pytest.approx(211.64542)
    assert btc.margin_used_usd == pytest.approx(10.582271)
    eth = next(p for p in state.positions if p.coin == "ETH")
    assert eth.liquidation_price_usd is None  # cross margin: safe at any price
    # Seven of the twelve positions have no liquidation price; every one is cross.
    assert sum(p.liquidation_price_usd is None for p in state.positions) == 7
    assert state.margin.account_value_usd == pytest.approx(1182.312496)
    assert state.margin.total_notional_usd == pytest.approx(3434.815334)
    assert state.margin.withdrawable_usd == pytest.approx(1010.57173)
    # Position values add up to the account's total notional (a consistency check on the real payload).
    assert sum(p.position_value_usd for p in state.positions) == pytest.approx(3434.815334, abs=1e-5)
    assert state.source.as_of == RECV  # the 2023 payload has no time field


def test_clearinghouse_state_fixture_and_time_field() -> None:
    body = (FIXTURES / "hyperliquid" / "clearinghouseState.json").read_bytes()
    state = hpos.parse_clearinghouse_state(body, address=ADDR, ts_recv=RECV)
    assert state.source.as_of == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    iso = next(p for p in state.positions if not p.is_cross)
    assert iso.coin == "ETH"
    assert iso.leverage == 10


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda o: o.pop("assetPositions"), "assetPositions"),
        (lambda o: o["assetPositions"][0]["position"].update(szi="NaN"), "szi"),
        (lambda o: o["assetPositions"][0]["position"].update(szi="0"), "size 0"),
        (lambda o: o["assetPositions"][0]["position"]["leverage"].update(type="portfolio"), "cross or isolated"),
        (lambda o: o["assetPositions"][0]["position"].update(liquidationPx="-1"), "liquidationPx"),
        (lambda o: o.pop("marginSummary"), "marginSummary"),
    ],
)
def test_clearinghouse_state_bad_payloads(mutate, message: str) -> None:
    obj = json.loads((FIXTURES / "hyperliquid" / "clearinghouseState.json").read_bytes())
    mutate(obj)
    with pytest.raises(BadPayloadError, match=message):
        hpos.parse_clearinghouse_state(json.dumps(obj).encode(), address=ADDR, ts_recv=RECV)


def test_bad_address_is_refused() -> None:
    with pytest.raises(BadPayloadError, match="not a Hyperliquid address"):
        hpos.parse_clearinghouse_state(b"{}", address="0xbuyer1", ts_recv=RECV)


def test_recent_trades_real_recording_placeholders_are_skipped() -> None:
    # The nautilus recording anonymises users as "0xbuyer1"...: they are not addresses and must not be polled.
    body = real_path("hyperliquid", "nautilus_http_recent_trades_btc.json").read_bytes()
    read = hpos.parse_recent_trades(body, coin="BTC")
    assert read.trades == 3
    assert read.not_addresses == 6
    assert read.sightings == ()


def test_recent_trades_fixture_sightings() -> None:
    read = hpos.parse_recent_trades((FIXTURES / "hyperliquid" / "recentTrades.json").read_bytes(), coin="BTC")
    assert read.trades == 2
    assert read.not_addresses == 0
    assert len(read.sightings) == 4
    first = read.sightings[0]
    assert first.notional_usd == pytest.approx(65000.0 * 0.1)
    assert first.seen_at == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    assert {s.address for s in read.sightings} == {"0x" + "a" * 40, "0x" + "b" * 40, "0x" + "c" * 40}


def test_recent_trades_wrong_coin_and_users_shape() -> None:
    with pytest.raises(BadPayloadError, match="expected 'ETH'"):
        hpos.parse_recent_trades((FIXTURES / "hyperliquid" / "recentTrades.json").read_bytes(), coin="ETH")
    row = {"coin": "BTC", "px": "1", "sz": "1", "time": 1_700_000_000_000, "tid": 1, "users": ["0x" + "a" * 40]}
    bad = json.dumps([row]).encode()
    with pytest.raises(BadPayloadError, match=r"\[buyer, seller\]"):
        hpos.parse_recent_trades(bad, coin="BTC")


def test_historical_fills_real_csv_discovers_addresses() -> None:
    text = real_path("hyperliquid", "hl_historical_non_mm_trades_2023.csv").read_text()
    read = hpos.parse_historical_fills_csv(text)
    assert read.trades == 35691
    assert read.not_addresses == 0
    addrs = {s.address for s in read.sightings}
    assert all(hpos.ADDRESS_RE.match(a) for a in addrs)
    assert 1 < len(addrs) < read.trades
    first = read.sightings[0]
    assert first.address == "0x3b6996b7aa8371b0301167eefca33efca13307d6"
    assert first.coin == "ETH"
    assert first.notional_usd == pytest.approx(1655.5 * 0.0452)
    assert first.seen_at == datetime(2023, 2, 27, 15, 2, 26, tzinfo=UTC)


def test_weights_are_the_published_ones() -> None:
    w = hpos.INFO_WEIGHTS
    assert (w.budget_per_min, w.clearinghouse_state, w.recent_trades) == (1200, 2, 20)
    assert w.recent_trades_weight(0) == 20
    assert w.recent_trades_weight(20) == 21
    assert w.recent_trades_weight(21) == 22
