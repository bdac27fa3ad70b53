"""Pure websocket liquidation parsers: hand-written full messages per venue, the recorded Binance example,
malformed input counted as bad (never raised), and property tests of the unit/side conversions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.domain.liquidations import LiquidatedSide
from derivintel.sources.binance import ws as binance_ws
from derivintel.sources.bybit import ws as bybit_ws
from derivintel.sources.gate import ws as gate_ws
from derivintel.sources.okx import ws as okx_ws
from derivintel.sources.ws import liquidations as wl
from tests.realdata import real_path

FX = Path(__file__).resolve().parents[1] / "fixtures" / "ws"
RECV = datetime(2024, 6, 1, 7, 0, 2, tzinfo=UTC)
ASSETS = ("BTC", "ETH")


def fx(name: str) -> str:
    return (FX / name).read_text()


# --- Binance -----------------------------------------------------------------------------------------------
def test_binance_sell_is_long_liquidated_with_avg_price_and_filled_qty() -> None:
    p = binance_ws.parse(fx("binance_forceOrder_btc.json"), ASSETS, RECV)
    assert (p.bad, p.skipped, p.control) == (0, 0, False)
    (e,) = p.events
    assert (e.venue, e.asset, e.side) == ("binance-usdm", "BTC", LiquidatedSide.LONG)
    # ap = 67100 (not p = 67000), z = 0.5 → notional 67100 × 0.5 = 33,550 USD
    assert e.price_usd == 67100.0
    assert e.size_base == 0.5
    assert e.notional_usd == pytest.approx(33_550.0)
    # T = 1717225200100 ms = 2024-06-01 07:00:00.100 UTC (event time, not E)
    assert e.source.as_of == datetime(2024, 6, 1, 7, 0, 0, 100_000, tzinfo=UTC)
    assert e.source.fetched_at == RECV
    assert (e.source.name, e.source.dataset, e.source.synthetic) == ("binance-usdm", "forceOrder", False)


def test_binance_combined_stream_wrapper_buy_is_short_partial_fill() -> None:
    (e,) = binance_ws.parse(fx("binance_forceOrder_eth.json"), ASSETS, RECV).events
    # S = BUY ⇒ short liquidated; filled z = 4 of q = 10 at ap 3805.5 → 3805.5 × 4 = 15,222 USD
    assert (e.asset, e.side, e.size_base, e.price_usd) == ("ETH", LiquidatedSide.SHORT, 4.0, 3805.5)
    assert e.notional_usd == pytest.approx(15_222.0)


def test_binance_falls_back_to_order_price_and_qty_when_avg_and_filled_are_zero() -> None:
    msg = json.loads(fx("binance_forceOrder_btc.json"))
    msg["o"].update(ap="0", z="0")
    (e,) = binance_ws.parse(json.dumps(msg), ASSETS, RECV).events
    assert (e.price_usd, e.size_base) == (67000.0, 0.5)  # p and q


def test_binance_other_symbol_is_skipped_not_bad() -> None:
    p = binance_ws.parse(fx("binance_forceOrder_other.json"), ASSETS, RECV)
    assert (p.events, p.skipped, p.bad) == ((), 1, 0)
    # ...but collected when asked for
    (e,) = binance_ws.parse(fx("binance_forceOrder_other.json"), ("DOGE",), RECV).events
    assert e.notional_usd == pytest.approx(0.161 * 1000)


def test_binance_recorded_docs_example() -> None:
    raw = real_path("liquidations", "nautilus_binance_futures_liquidation_stream.json").read_bytes()
    p = binance_ws.parse(raw, ASSETS, RECV)
    assert p.bad == 0
    (e,) = p.events
    # o: s BTCUSDT, S SELL, ap 9910.12345678, z 0.014, T 1568014460893 → long, 9910.12345678 × 0.014 USD
    assert (e.asset, e.side) == ("BTC", LiquidatedSide.LONG)
    assert e.price_usd == pytest.approx(9910.12345678)
    assert e.size_base == pytest.approx(0.014)
    assert e.notional_usd == pytest.approx(138.74172839492, rel=1e-12)
    # 1568014460 s − 1567987200 s (2019-09-09 00:00 UTC) = 27260 s = 7 h 34 min 20 s
    assert e.source.as_of == datetime(2019, 9, 9, 7, 34, 20, 893_000, tzinfo=UTC)


# --- Bybit -------------------------------------------------------------------------------------------------
def test_bybit_batch_buy_is_long_sell_is_short() -> None:
    p = bybit_ws.parse(fx("bybit_allLiquidation.json"), ASSETS, RECV)
    assert (p.bad, p.skipped) == (0, 0)
    a, b = p.events
    # Buy: long liquidated, 0.25 BTC at bankruptcy price 66900 → 16,725 USD
    assert (a.side, a.size_base, a.price_usd) == (LiquidatedSide.LONG, 0.25, 66900.0)
    assert a.notional_usd == pytest.approx(16_725.0)
    # Sell: short liquidated, 1.5 × 67250.5 = 100,875.75 USD
    assert (b.side, b.size_base, b.price_usd) == (LiquidatedSide.SHORT, 1.5, 67250.5)
    assert b.notional_usd == pytest.approx(100_875.75)
    assert a.source.as_of == datetime(2024, 6, 1, 7, 0, 0, 512_000, tzinfo=UTC)
    assert {e.source.label for e in p.events} == {"bybit/allLiquidation"}


def test_bybit_op_replies_are_control() -> None:
    for name in ("bybit_subscribe_ack.json", "bybit_pong.json"):
        p = bybit_ws.parse(fx(name), ASSETS, RECV)
        assert p.control
        assert not p.events
        assert p.bad == 0
    refused = bybit_ws.parse('{"success":false,"ret_msg":"error:handler not found","op":"subscribe"}', ASSETS, RECV)
    assert refused.control
    assert "refused" in refused.reasons[0]


def test_bybit_one_bad_entry_keeps_the_good_ones() -> None:
    msg = json.loads(fx("bybit_allLiquidation.json"))
    msg["data"].append({"T": 1717225200599, "s": "BTCUSDT", "S": "Hold", "v": "1", "p": "1"})  # unknown side
    msg["data"].append({"T": 1717225200599, "s": "BTCUSDT", "S": "Buy", "v": "-1", "p": "67000"})  # negative size
    msg["data"].append({"T": 1717225200599, "s": "SOLUSDT", "S": "Buy", "v": "3", "p": "150"})  # not collected
    p = bybit_ws.parse(json.dumps(msg), ASSETS, RECV)
    assert (len(p.events), p.bad, p.skipped) == (2, 2, 1)
    assert len(p.reasons) == 2


# --- OKX ---------------------------------------------------------------------------------------------------
def test_okx_contracts_to_coins_and_sides() -> None:
    p = okx_ws.parse(fx("okx_liquidation-orders.json"), ASSETS, RECV)
    assert (p.bad, p.skipped) == (0, 1)  # MINA-USDT-SWAP is not collected
    btc, eth = p.events
    # BTC: posSide long; 120 contracts × 0.01 BTC = 1.2 BTC at bkPx 67000.5 → 80,400.6 USD
    assert (btc.asset, btc.side) == ("BTC", LiquidatedSide.LONG)
    assert btc.size_base == pytest.approx(1.2)
    assert btc.price_usd == 67000.5
    assert btc.notional_usd == pytest.approx(80_400.6)
    # ETH: posSide net, side buy (the forced order buys back a short) ⇒ short; 35 × 0.1 = 3.5 ETH × 3790 = 13,265 USD
    assert (eth.asset, eth.side) == ("ETH", LiquidatedSide.SHORT)
    assert eth.size_base == pytest.approx(3.5)
    assert eth.notional_usd == pytest.approx(13_265.0)
    assert btc.source.as_of == datetime(2024, 6, 1, 7, 0, 0, 700_000, tzinfo=UTC)
    assert btc.source.label == "okx/liquidation-orders"


def test_okx_pong_ack_and_error_are_control() -> None:
    assert okx_ws.parse("pong", ASSETS, RECV).control
    assert okx_ws.parse(fx("okx_subscribe_ack.json"), ASSETS, RECV).control
    err = okx_ws.parse(fx("okx_error.json"), ASSETS, RECV)
    assert err.control
    assert "60018" in err.reasons[0]


def test_okx_unknown_contract_value_is_bad_not_guessed() -> None:
    p = okx_ws.parse(fx("okx_liquidation-orders.json"), ("BTC", "ETH"), RECV, contract_value_base={"BTC": 0.01})
    assert len(p.events) == 1
    assert p.bad == 1


# --- Gate --------------------------------------------------------------------------------------------------
def test_gate_negative_size_is_long_contracts_to_coins_and_time_units() -> None:
    p = gate_ws.parse(fx("gate_public_liquidates.json"), ASSETS, RECV)
    assert (p.bad, p.skipped) == (0, 1)  # DOGE not collected
    btc_long, btc_short, eth = p.events
    assert btc_long.side is LiquidatedSide.LONG
    assert btc_short.side is LiquidatedSide.SHORT
    assert btc_long.size_base == pytest.approx(12_000 * 0.0001)  # contracts × quanto_multiplier
    assert btc_short.size_base == pytest.approx(5_000 * 0.0001)
    assert btc_long.price_usd == 65000.5
    assert btc_long.source.as_of == datetime(2024, 6, 1, 7, 0, 0, 100_000, tzinfo=UTC)
    assert (eth.asset, eth.side, eth.size_base) == ("ETH", LiquidatedSide.LONG, pytest.approx(2.5))
    assert eth.source.as_of == datetime(2024, 6, 1, 7, tzinfo=UTC)  # time in seconds read by magnitude


def test_gate_contract_without_declared_size_is_bad_not_guessed_and_acks_are_control() -> None:
    p = gate_ws.parse(fx("gate_public_liquidates.json"), ("BTC", "DOGE"), RECV)
    assert p.bad == 1
    assert "no declared contract size" in p.reasons[0]
    assert len(p.events) == 2
    ack = gate_ws.parse(fx("gate_subscribe_ack.json"), ASSETS, RECV)
    assert ack.control
    assert not ack.reasons
    refused = json.loads(fx("gate_subscribe_ack.json")) | {"error": {"code": 2, "message": "unknown channel"}}
    assert "refused" in gate_ws.parse(json.dumps(refused), ASSETS, RECV).reasons[0]
    assert gate_ws.parse('{"time":1,"channel":"futures.pong","event":"","result":null}', ASSETS, RECV).control
    assert gate_ws.subscribe(["SOL"]) == []  # no declared contract size: not subscribed
    (sub,) = gate_ws.subscribe([*ASSETS, "SOL"])
    assert json.loads(sub)["payload"] == ["BTC_USDT", "ETH_USDT"]
    assert json.loads(sub)["channel"] == "futures.public_liquidates"


@pytest.mark.parametrize(
    "raw",
    [
        '{"channel":"futures.public_liquidates","event":"update","result":{"price":"1"}}',
        '{"channel":"futures.public_liquidates","event":"update","result":[{"contract":"BTC_USDT","size":"x"}]}',
        '{"channel":"futures.public_liquidates","event":"update","result":[{"contract":"BTC_USDT","size":"-1",'
        '"price":"NaN","time":1717225200100}]}',
        '{"channel":"futures.tickers","event":"update","result":[]}',
    ],
)
def test_gate_malformed_updates_are_bad(raw) -> None:
    p = gate_ws.parse(raw, ASSETS, RECV)
    assert p.events == ()
    assert p.bad >= 1


# --- malformed input ---------------------------------------------------------------------------------------
MALFORMED = [
    "not json",
    b"\xff\xfe",
    "[1, 2",
    "42",
    "null",
    "{}",
    '{"e":"forceOrder"}',
    '{"e":"forceOrder","o":{"s":"BTCUSDT","S":"SELL","ap":"abc","z":"1","T":1717225200100}}',
    '{"e":"forceOrder","o":{"s":"BTCUSDT","S":"SELL","ap":"NaN","z":"1","T":1717225200100}}',
    '{"e":"forceOrder","o":{"s":"BTCUSDT","S":"SELL","ap":"100","z":"1","T":"yesterday"}}',
    '{"e":"forceOrder","o":{"s":"BTCUSDT","S":"SIDEWAYS","ap":"100","z":"1","T":1717225200100}}',
    '{"topic":"allLiquidation.BTCUSDT","data":{"T":1}}',
    '{"topic":"tickers.BTCUSDT","data":[]}',
    '{"arg":{"channel":"liquidation-orders"},"data":[{"instId":"BTC-USDT-SWAP"}]}',
    '{"arg":{"channel":"liquidation-orders"},"data":[{"instId":"BTC-USDT-SWAP","details":[{"sz":"1"}]}]}',
]


@pytest.mark.parametrize("raw", MALFORMED)
@pytest.mark.parametrize("parse", [binance_ws.parse, bybit_ws.parse, okx_ws.parse, gate_ws.parse])
def test_malformed_messages_are_counted_bad_never_raised(parse, raw) -> None:
    p = parse(raw, ASSETS, RECV)
    assert p.events == ()
    assert p.bad >= 1
    assert p.reasons


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "e",
                            "o",
                            "s",
                            "S",
                            "T",
                            "p",
                            "ap",
                            "z",
                            "q",
                            "topic",
                            "data",
                            "arg",
                            "details",
                            "sz",
                            "bkPx",
                            "ts",
                            "op",
                            "channel",
                            "event",
                            "result",
                            "contract",
                            "price",
                            "size",
                            "time",
                        ]
                    ),
                    inner,
                    max_size=6,
                )
            ),
            max_leaves=20,
        ).map(json.dumps),
    )
)
def test_parsers_never_raise(raw) -> None:
    for parse in (binance_ws.parse, bybit_ws.parse, okx_ws.parse, gate_ws.parse):
        p = parse(raw, ASSETS, RECV)
        assert all(e.price_usd > 0 and e.size_base > 0 for e in p.events)


# --- properties of the conversions -------------------------------------------------------------------------
prices = st.decimals(min_value="0.01", max_value="1000000", places=2)
sizes = st.decimals(min_value="0.001", max_value="10000", places=3)


@settings(max_examples=100, deadline=None)
# Event times up to RECV + 1 day: later ones are not observations (payload.to_ms rule), tested below.
@given(prices, sizes, st.sampled_from(["Buy", "Sell"]), st.integers(1_600_000_000_000, 1_717_311_602_000))
def test_bybit_notional_is_price_times_size(price, size, side, t_ms) -> None:
    raw = json.dumps(
        {
            "topic": "allLiquidation.ETHUSDT",
            "data": [{"T": t_ms, "s": "ETHUSDT", "S": side, "v": str(size), "p": str(price)}],
        }
    )
    (e,) = bybit_ws.parse(raw, ASSETS, RECV).events
    assert e.notional_usd == pytest.approx(float(price) * float(size), rel=1e-12)
    assert e.side == (LiquidatedSide.LONG if side == "Buy" else LiquidatedSide.SHORT)
    assert round(e.source.as_of.timestamp() * 1000) == t_ms


@settings(max_examples=100, deadline=None)
@given(prices, st.integers(1, 1_000_000), st.sampled_from(["BTC", "ETH"]), st.sampled_from(["long", "short"]))
def test_okx_size_is_contracts_times_contract_value(price, contracts, asset, pos_side) -> None:
    detail = {
        "bkPx": str(price),
        "posSide": pos_side,
        "side": "sell" if pos_side == "long" else "buy",
        "sz": str(contracts),
        "ts": "1717225200700",
    }
    raw = json.dumps(
        {"arg": {"channel": "liquidation-orders"}, "data": [{"instId": f"{asset}-USDT-SWAP", "details": [detail]}]}
    )
    (e,) = okx_ws.parse(raw, ASSETS, RECV).events
    ct = {"BTC": 0.01, "ETH": 0.1}[asset]
    assert e.size_base == pytest.approx(contracts * ct, rel=1e-12)
    assert e.side.value == pos_side


# --- subscribe messages and declarations -------------------------------------------------------------------
def test_subscribe_messages() -> None:
    assert binance_ws.subscribe(ASSETS) == []
    assert [json.loads(m) for m in bybit_ws.subscribe(ASSETS)] == [
        {"op": "subscribe", "args": ["allLiquidation.BTCUSDT", "allLiquidation.ETHUSDT"]}
    ]
    eleven = [f"A{i}" for i in range(11)]
    assert [len(json.loads(m)["args"]) for m in bybit_ws.subscribe(eleven)] == [10, 1]
    assert [json.loads(m) for m in okx_ws.subscribe(ASSETS)] == [
        {"op": "subscribe", "args": [{"channel": "liquidation-orders", "instType": "SWAP"}]}
    ]


def test_streams_for_overrides_urls_and_rejects_unknown_venues() -> None:
    got = wl.streams_for(["bybit", "okx"], {"okx": "ws://127.0.0.1:1/okx"})
    assert [s.url for s in got] == [bybit_ws.URL, "ws://127.0.0.1:1/okx"]
    assert got[0].ping_text == '{"op": "ping"}'
    assert got[0].ping_interval_s == 20.0
    assert got[1].ping_text == "ping"
    assert got[1].ping_interval_s < 30
    assert wl.STREAMS["binance-usdm"].ping_text is None
    with pytest.raises(KeyError):
        wl.streams_for(["kraken"])


@pytest.mark.parametrize(
    ("t", "expected_ms"),
    [
        (1717225200, 1717225200000),  # seconds
        (1717225200000, 1717225200000),  # milliseconds
        ("1717225200000000", 1717225200000),  # microseconds, as text
        (1483228799000, None),  # 2016-12-31 23:59:59: before any venue
        (1717225202000 + 86_400_000 + 1, None),  # more than a day after the receive time
        (0, None),
    ],
)
def test_event_time_units_and_bounds_follow_the_payload_rule(t, expected_ms) -> None:
    raw = json.dumps(
        {"topic": "allLiquidation.BTCUSDT", "data": [{"T": t, "s": "BTCUSDT", "S": "Buy", "v": "1", "p": "65000"}]}
    )
    parsed = bybit_ws.parse(raw, ASSETS, RECV)
    if expected_ms is None:
        assert parsed.events == ()
        assert parsed.bad == 1
    else:
        (e,) = parsed.events
        assert round(e.source.as_of.timestamp() * 1000) == expected_ms
