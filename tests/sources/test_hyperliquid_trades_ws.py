"""Hyperliquid's websocket ``trades`` channel as address discovery: the pure parser on a real recorded frame and on
the control/error frames, and the background listener against a LOCAL websocket server (127.0.0.1, port 0) that
drops the connection once: sightings from both connections arrive, the subscription is sent again after reconnecting.
Runtime is bounded by a guard timeout (a hung listener fails the test; no timing is asserted)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from derivintel.sources.hyperliquid.ws import STREAM, parse, subscribe
from derivintel.sources.ws.background import BackgroundStream
from derivintel.sources.ws.collector import Backoff

FX = Path(__file__).resolve().parents[1] / "fixtures" / "hyperliquid"
RECV = datetime(2026, 9, 3, 12, 0, tzinfo=UTC)
GUARD_S = 30.0
RECORDED = (FX / "ws_trades_recorded.json").read_text().strip()


def test_recorded_frame_gives_both_users_of_each_trade() -> None:
    parsed = parse(RECORDED, {"BTC"}, RECV)
    assert (parsed.bad, parsed.skipped, parsed.control) == (0, 0, False)
    assert len(parsed.events) == 4  # two trades, [buyer, seller] each
    by_tid = {}
    for s in parsed.events:
        by_tid.setdefault(s.trade_id, []).append(s)
    first = by_tid["1095884267920331"]
    assert [s.address for s in first] == [
        "0xa62b923a112d50d03e1e096bbd53422490dac104",
        "0x8a544ab75107efd541c9072a0efebb87cc4292f3",
    ]
    assert first[0].notional_usd == pytest.approx(80639.0 * 0.00022)
    assert first[0].seen_at == datetime.fromtimestamp(1788490042.052, tz=UTC)
    assert all(s.coin == "BTC" for s in parsed.events)


def test_other_coins_are_skipped_not_bad() -> None:
    parsed = parse(RECORDED, {"ETH"}, RECV)
    assert (len(parsed.events), parsed.skipped, parsed.bad) == (0, 2, 0)


@pytest.mark.parametrize(
    "frame",
    [
        '{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}}',
        '{"channel":"pong"}',
    ],
)
def test_acks_and_pongs_are_control_frames(frame: str) -> None:
    assert parse(frame, {"BTC"}, RECV).control


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ('{"channel":"error","data":"Already unsubscribed: {\\"type\\":\\"trades\\"}"}', "the server refused"),
        ("not json", "not JSON"),
        ("[1, 2]", "expected an object"),
        ('{"channel":"trades","data":{"coin":"BTC"}}', "data is not a list"),
        ('{"channel":"l2Book","data":{}}', "unexpected channel"),
    ],
)
def test_malformed_frames_are_bad_with_a_reason(frame: str, reason: str) -> None:
    parsed = parse(frame, {"BTC"}, RECV)
    assert parsed.bad == 1
    assert not parsed.events
    assert reason in parsed.reasons[0]


def test_a_bad_entry_keeps_the_good_ones_of_the_message() -> None:
    msg = json.loads(RECORDED)
    del msg["data"][0]["px"]
    msg["data"].append({**msg["data"][1], "users": []})  # an entry with no users: bad, not zero addresses
    parsed = parse(json.dumps(msg), {"BTC"}, RECV)
    assert parsed.bad == 2
    assert len(parsed.events) == 2
    assert {s.trade_id for s in parsed.events} == {"159797238452866"}


def test_subscribe_is_one_trades_subscription_per_coin() -> None:
    assert [json.loads(m) for m in subscribe(["BTC", "ETH"])] == [
        {"method": "subscribe", "subscription": {"type": "trades", "coin": "BTC"}},
        {"method": "subscribe", "subscription": {"type": "trades", "coin": "ETH"}},
    ]
    assert STREAM.ping_interval_s is not None
    assert STREAM.ping_interval_s < 60


class _Server:
    """Connection 1: ack, the recorded frame, then drop. Connection 2: ack, a frame with new trades, then hold."""

    def __init__(self) -> None:
        self.received: list[list[str]] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._done: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handler(self, ws: ServerConnection) -> None:
        inbox: list[str] = []
        self.received.append(inbox)
        k = len(self.received)
        inbox.append(await ws.recv())
        await ws.send('{"channel":"subscriptionResponse","data":{"method":"subscribe"}}')
        if k == 1:
            await ws.send(RECORDED)
            return  # closes the connection: the listener must reconnect and resubscribe
        second = json.loads(RECORDED)
        for i, row in enumerate(second["data"]):
            row["tid"] = 1000 + i
            row["users"] = ["0x" + str(i + 1) * 40, "0x" + str(i + 5) * 40]
        await ws.send(json.dumps(second))
        with contextlib.suppress(ConnectionClosed):  # the listener stopping closes the connection: expected
            async for msg in ws:
                inbox.append(msg)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            self._done = asyncio.Event()
            async with serve(self._handler, "127.0.0.1", 0) as server:
                port = next(iter(server.sockets)).getsockname()[1]
                self.url = f"ws://127.0.0.1:{port}/ws"
                self._ready.set()
                await self._done.wait()

        self._loop.run_until_complete(main())

    def __enter__(self) -> _Server:
        self._thread.start()
        assert self._ready.wait(GUARD_S)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._done is not None
        self._loop.call_soon_threadsafe(self._done.set)
        self._thread.join(GUARD_S)


def test_listener_collects_across_a_reconnect_and_resubscribes() -> None:
    with _Server() as server:
        listener = BackgroundStream(
            STREAM.with_url(server.url), ["BTC"], backoff=Backoff(initial_s=0.01, max_s=0.05)
        ).start()
        got = []
        deadline = time.monotonic() + GUARD_S
        try:
            while len(got) < 8 and time.monotonic() < deadline:
                got += listener.drain()
                time.sleep(0.05)
        finally:
            listener.stop()
        got += listener.drain()
    assert len(got) == 8, f"expected 8 sightings from two connections, got {len(got)}"
    assert {s.trade_id for s in got} == {"1095884267920331", "159797238452866", "1000", "1001"}
    assert len(server.received) >= 2
    sub = json.loads(subscribe(["BTC"])[0])
    assert all(json.loads(inbox[0]) == sub for inbox in server.received[:2])  # subscribed again after the drop
    assert listener.status().venues[0].connects >= 2


def test_stop_before_the_stream_ran_returns() -> None:
    listener = BackgroundStream(STREAM.with_url("ws://127.0.0.1:9/ws"), ["BTC"])
    listener.start()
    listener.stop(timeout_s=GUARD_S)
    assert listener.drain() == []
