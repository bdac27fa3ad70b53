"""The liquidation collector against a LOCAL websocket server (127.0.0.1, port 0) replaying the venue message shapes
of ``tests/fixtures/ws``: disconnects mid-stream (clean close and aborted transport), reconnect + resubscribe,
application pings, a duplicate delivery and malformed frames. At the end the history store must hold exactly the
distinct events: nothing lost, nothing doubled. Runtime is bounded by ``max_events`` plus a guard timeout."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner
from websockets.asyncio.server import ServerConnection, serve

from derivintel.app.liquidations_cmd import collect_liquidations
from derivintel.sources.ws.collector import Backoff, LiquidationCollector
from derivintel.sources.ws.liquidations import STREAMS, VenueStream
from derivintel.store import HistoryStore

FX = Path(__file__).resolve().parents[1] / "fixtures" / "ws"
GUARD_S = 30.0  # a hung collector fails the test instead of hanging the suite (not a timing assertion)
TINY = Backoff(initial_s=0.01, factor=2.0, max_s=0.05, jitter=0.5)
RECV = datetime(2024, 6, 1, 7, 0, 5, tzinfo=UTC)


def fx(name: str) -> str:
    return (FX / name).read_text().strip()


# --- a scripted replay server ------------------------------------------------------------------------------
# A script is a list of steps per connection: ("send", text), ("subscribed",) wait for the client's subscribe,
# ("pinged",) wait for an application ping (answered with the venue's pong), ("close",) clean close,
# ("abort",) drop the TCP connection, ("hold",) keep the connection open until the client leaves.
PONG = {"bybit": fx("bybit_pong.json"), "okx": "pong"}


@dataclass
class Replay:
    scripts: dict[str, list[list[tuple]]]
    connections: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    received: dict[str, list[list[str]]] = field(default_factory=lambda: defaultdict(list))
    pings: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    async def handler(self, ws: ServerConnection) -> None:
        venue = ws.request.path.strip("/").split("/")[0]
        k = self.connections[venue]
        self.connections[venue] += 1
        script = self.scripts[venue][min(k, len(self.scripts[venue]) - 1)]
        inbox: list[str] = []
        self.received[venue].append(inbox)
        subscribed, pinged = asyncio.Event(), asyncio.Event()

        async def read() -> None:
            async for msg in ws:
                if msg in ("ping", '{"op": "ping"}'):
                    self.pings[venue] += 1
                    await ws.send(PONG[venue])
                    pinged.set()
                else:
                    inbox.append(msg)
                    subscribed.set()

        reader = asyncio.create_task(read())
        try:
            for step in script:
                if step[0] == "send":
                    await ws.send(step[1])
                elif step[0] == "subscribed":
                    await subscribed.wait()
                elif step[0] == "pinged":
                    await pinged.wait()
                elif step[0] == "wait":
                    await step[1].wait()
                elif step[0] == "close":
                    await ws.close()
                    return
                elif step[0] == "abort":
                    ws.transport.abort()
                    return
                elif step[0] == "hold":
                    await ws.wait_closed()
                    return
        finally:
            reader.cancel()


def _streams(port: int, venues: tuple[str, ...], ping_s: float = 0.05) -> list[VenueStream]:
    paths = {"binance-usdm": "binance-usdm/ws/!forceOrder@arr", "bybit": "bybit", "okx": "okx"}
    out = []
    for v in venues:
        s = STREAMS[v].with_url(f"ws://127.0.0.1:{port}/{paths[v]}")
        out.append(replace(s, ping_interval_s=ping_s) if s.ping_text else s)
    return out


def _rows(path: Path) -> list[tuple]:
    with HistoryStore(path) as st:
        df = st.query(
            "SELECT venue, asset, side, price_usd, size_base, epoch_ms(ts_event) AS t FROM liquidations "
            "ORDER BY venue, t, side"
        )
    return [tuple(r) for r in df.itertuples(index=False)]


BINANCE_BTC, BINANCE_ETH = fx("binance_forceOrder_btc.json"), fx("binance_forceOrder_eth.json")
BYBIT_BATCH = fx("bybit_allLiquidation.json")
BYBIT_NEXT = json.dumps(
    {
        "topic": "allLiquidation.ETHUSDT",
        "type": "snapshot",
        "ts": 1717225203000,
        "data": [{"T": 1717225202900, "s": "ETHUSDT", "S": "Sell", "v": "2.0", "p": "3810.0"}],
    }
)
OKX_PUSH = fx("okx_liquidation-orders.json")

# Every distinct event of the scripts below, by hand from the fixtures: (venue, asset, side, price, size, ms).
EXPECTED = sorted(
    [
        ("binance-usdm", "BTC", "long", 67100.0, 0.5, 1717225200100),
        ("binance-usdm", "ETH", "short", 3805.5, 4.0, 1717225201450),
        ("bybit", "BTC", "long", 66900.0, 0.25, 1717225200512),
        ("bybit", "BTC", "short", 67250.5, 1.5, 1717225200540),
        ("bybit", "ETH", "short", 3810.0, 2.0, 1717225202900),
        ("okx", "BTC", "long", 67000.5, 1.2, 1717225200700),  # 120 contracts × 0.01
        ("okx", "ETH", "short", 3790.0, 3.5, 1717225200710),  # 35 contracts × 0.1
    ],
    key=lambda r: (r[0], r[5], r[2]),
)

SCRIPTS = {
    # conn 0: one event, a malformed frame, another symbol, then the TCP connection drops (abort);
    # conn 1: the BTC event again (duplicate) and a new ETH event.
    "binance-usdm": [
        [("send", BINANCE_BTC), ("send", "{not json"), ("send", fx("binance_forceOrder_other.json")), ("abort",)],
        [("send", BINANCE_BTC), ("send", BINANCE_ETH), ("hold",)],
    ],
    # conn 0: ack the subscribe, one batch (2 events), clean close mid-stream;
    # conn 1: must resubscribe; after an application ping the same batch again (duplicate) and a new one.
    "bybit": [
        [("subscribed",), ("send", fx("bybit_subscribe_ack.json")), ("send", BYBIT_BATCH), ("close",)],
        [
            ("subscribed",),
            ("send", fx("bybit_subscribe_ack.json")),
            ("pinged",),
            ("send", BYBIT_BATCH),
            ("send", '{"topic":"allLiquidation.BTCUSDT","data":"oops"}'),
            ("send", BYBIT_NEXT),
            ("hold",),
        ],
    ],
    # one connection: ack, push (BTC, ETH and a MINA entry not collected), ping/pong, the same push again.
    "okx": [
        [
            ("subscribed",),
            ("send", fx("okx_subscribe_ack.json")),
            ("send", OKX_PUSH),
            ("pinged",),
            ("send", OKX_PUSH),
            ("hold",),
        ],
    ],
}
# events received including duplicates: binance 1 + 2, bybit 2 + 2 + 1, okx 2 + 2
TOTAL_RECEIVED = 3 + 5 + 4


async def _collect(tmp_path: Path, scripts, venues, *, max_events, **kw):
    replay = Replay(scripts)
    db = tmp_path / "hist.duckdb"
    async with serve(replay.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        with HistoryStore(db) as store:
            collector = LiquidationCollector(
                _streams(port, venues),
                ("BTC", "ETH"),
                kw.pop("write", store.write_liquidations),
                backoff=TINY,
                close_timeout_s=0.5,
                rng=random.Random(1),
                **kw,
            )
            status = await asyncio.wait_for(collector.run(max_events=max_events), GUARD_S)
    return replay, status, collector, db


def test_collector_reconnects_resubscribes_and_stores_each_distinct_event_once(tmp_path: Path) -> None:
    replay, status, collector, db = asyncio.run(
        _collect(tmp_path, SCRIPTS, ("binance-usdm", "bybit", "okx"), max_events=TOTAL_RECEIVED, flush_every_s=0.05)
    )
    assert _rows(db) == EXPECTED  # nothing lost, nothing doubled
    v = {s.venue: s for s in status.venues}
    # received vs stored: the duplicates were received but not stored twice
    assert (v["binance-usdm"].events, v["bybit"].events, v["okx"].events) == (3, 5, 4)
    assert (v["binance-usdm"].stored, v["bybit"].stored, v["okx"].stored) == (2, 3, 2)
    assert status.stored == len(EXPECTED)
    assert status.pending == 0
    # disconnects were followed by a reconnect, and Bybit resubscribed on the new connection
    assert replay.connections["binance-usdm"] == 2
    assert replay.connections["bybit"] == 2
    assert v["binance-usdm"].reconnects >= 1
    assert v["bybit"].reconnects >= 1
    sub = {"op": "subscribe", "args": ["allLiquidation.BTCUSDT", "allLiquidation.ETHUSDT"]}
    assert [json.loads(inbox[0]) for inbox in replay.received["bybit"]] == [sub, sub]
    okx_sub = {"op": "subscribe", "args": [{"channel": "liquidation-orders", "instType": "SWAP"}]}
    assert json.loads(replay.received["okx"][0][0]) == okx_sub
    assert replay.received["binance-usdm"] == [[], []]  # the stream is named in the URL: nothing sent
    # application pings were sent (the scripts wait for them) and the pongs were not counted as bad
    assert replay.pings["bybit"] >= 1
    assert replay.pings["okx"] >= 1
    # malformed frames: binance "{not json", bybit data "oops"; other symbols skipped, not bad
    assert (v["binance-usdm"].bad, v["bybit"].bad, v["okx"].bad) == (1, 1, 0)
    assert (v["binance-usdm"].skipped, v["okx"].skipped) == (1, 2)  # DOGEUSDT; MINA twice
    assert any("not JSON" in r for r in collector.reasons)
    assert "binance-usdm ○ 3 ev, 2 new, 1 bad" in status.line


def test_a_second_run_over_the_same_stream_adds_nothing(tmp_path: Path) -> None:
    scripts = {"okx": [[("subscribed",), ("send", OKX_PUSH), ("hold",)]]}
    _, first, _, db = asyncio.run(_collect(tmp_path, scripts, ("okx",), max_events=2))
    _, second, _, _ = asyncio.run(_collect(tmp_path, scripts, ("okx",), max_events=2))
    assert (first.stored, second.stored) == (2, 0)
    assert len(_rows(db)) == 2


def test_batches_are_written_at_the_size_threshold_and_at_the_end(tmp_path: Path) -> None:
    # 5 Binance events with distinct times; flush interval far away → writes happen at 2 events and at stop
    msgs = []
    for i in range(5):
        m = json.loads(BINANCE_BTC)
        m["o"]["T"] += 1000 * i
        msgs.append(("send", json.dumps(m)))
    scripts = {"binance-usdm": [[*msgs, ("hold",)]]}
    sizes: list[int] = []
    db = tmp_path / "hist.duckdb"

    def write(events):
        sizes.append(len(events))
        with HistoryStore(db) as st:
            return st.write_liquidations(events)

    _, status, _, _ = asyncio.run(
        _collect(
            tmp_path, scripts, ("binance-usdm",), max_events=5, flush_every_s=1000, flush_max_events=2, write=write
        )
    )
    assert sizes == [2, 2, 1]
    assert status.stored == 5


def test_a_failed_write_keeps_the_events_for_the_next_flush(tmp_path: Path) -> None:
    scripts = {"okx": [[("subscribed",), ("send", OKX_PUSH), ("hold",)]]}
    db = tmp_path / "hist.duckdb"
    calls = []

    def flaky(events):
        calls.append(len(events))
        if len(calls) == 1:
            raise OSError("disk full")
        with HistoryStore(db) as st:
            return st.write_liquidations(events)

    _, status, collector, _ = asyncio.run(
        _collect(tmp_path, scripts, ("okx",), max_events=2, flush_max_events=1, write=flaky)
    )
    # the push holds 2 events → buffer of 2 ≥ flush_max_events → write fails, events kept; final flush writes both
    assert calls == [2, 2]
    assert (status.write_errors, status.stored, status.pending) == (1, 2, 0)
    assert any("disk full" in r for r in collector.reasons)
    assert len(_rows(db)) == 2


def test_an_unreachable_venue_is_retried_while_the_others_collect(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]

    async def go():
        gate = asyncio.Event()  # the okx push is held back until the dead venue has failed three times
        replay = Replay({"okx": [[("subscribed",), ("wait", gate), ("send", OKX_PUSH), ("hold",)]]})
        async with serve(replay.handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            okx = _streams(port, ("okx",))[0]
            dead = STREAMS["bybit"].with_url(f"ws://127.0.0.1:{dead_port}/bybit")
            with HistoryStore(tmp_path / "h.duckdb") as store:
                c = LiquidationCollector([dead, okx], ["BTC", "ETH"], store.write_liquidations, backoff=TINY)

                async def open_gate():
                    while c.status().venues[0].reconnects < 3:
                        await asyncio.sleep(0.01)
                    gate.set()

                opener = asyncio.create_task(open_gate())
                status = await asyncio.wait_for(c.run(max_events=2), GUARD_S)
                await opener
                return status

    status = asyncio.run(go())
    dead, okx = status.venues
    assert dead.connects == 0
    assert dead.reconnects >= 3
    assert dead.last_error is not None
    assert "ConnectionRefused" in dead.last_error or "Errno" in dead.last_error
    assert (okx.events, okx.stored) == (2, 2)


def test_cancelling_the_run_flushes_the_buffer(tmp_path: Path) -> None:
    # what Ctrl-C does: asyncio.run cancels the main task; the buffered events must still be written
    async def go():
        replay = Replay({"binance-usdm": [[("send", BINANCE_BTC), ("send", BINANCE_ETH), ("hold",)]]})
        async with serve(replay.handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            with HistoryStore(tmp_path / "h.duckdb") as store:
                c = LiquidationCollector(
                    _streams(port, ("binance-usdm",)), ["BTC", "ETH"], store.write_liquidations, flush_every_s=1000
                )
                task = asyncio.create_task(c.run())
                while c.status().pending < 2:
                    await asyncio.sleep(0.01)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await asyncio.wait_for(task, GUARD_S)
                return c.status()

    status = asyncio.run(asyncio.wait_for(go(), GUARD_S))
    assert (status.pending, status.stored) == (0, 2)
    assert [r[:3] for r in _rows(tmp_path / "h.duckdb")] == [
        ("binance-usdm", "BTC", "long"),
        ("binance-usdm", "ETH", "short"),
    ]


@given(
    st.floats(0.001, 10),
    st.floats(1, 4),
    st.floats(0.001, 1000),
    st.floats(0, 0.99),
    st.integers(0, 200),
    st.floats(0, 1, exclude_max=True),
)
def test_backoff_is_bounded_and_jittered_below_the_exponential_step(initial, factor, extra, jitter, attempt, u) -> None:
    b = Backoff(initial_s=initial, factor=factor, max_s=initial + extra, jitter=jitter)
    step = min(b.max_s, initial * factor ** min(attempt, 64))
    d = b.delay(attempt, u)
    assert d <= b.max_s
    assert d <= step * (1 + 1e-12)
    assert d >= step * (1 - jitter) * (1 - 1e-12)
    assert d > 0


def test_backoff_hand_values() -> None:
    b = Backoff(initial_s=1, factor=2, max_s=60, jitter=0.5)
    assert b.delay(0, 0.0) == 1.0
    assert b.delay(3, 0.0) == 8.0  # 1 × 2³
    assert b.delay(3, 0.5) == 6.0  # 8 × (1 − 0.5 × 0.5)
    assert b.delay(10, 0.0) == 60.0  # 1024 capped at 60
    with pytest.raises(ValueError, match="invalid backoff"):
        Backoff(initial_s=2, max_s=1)


# --- the CLI function (the lead registers it as `derivintel collect liquidations`) ---------------------------
def _threaded_server(scripts):
    """The replay server on its own event loop in a thread (the CLI function runs its own asyncio loop)."""
    replay = Replay(scripts)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state = {}

    async def main():
        async with serve(replay.handler, "127.0.0.1", 0) as server:
            state["port"] = server.sockets[0].getsockname()[1]
            state["stop"] = asyncio.Event()
            ready.set()
            await state["stop"].wait()

    t = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    t.start()
    assert ready.wait(GUARD_S)

    def stop():
        loop.call_soon_threadsafe(state["stop"].set)
        t.join(GUARD_S)

    return replay, state["port"], stop


def test_cli_function_records_into_the_store(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(collect_liquidations)
    replay, port, stop = _threaded_server({"bybit": [[("subscribed",), ("send", BYBIT_BATCH), ("hold",)]]})
    try:
        result = CliRunner().invoke(
            app,
            [
                "BTC",
                "--venue",
                "bybit",
                "--url",
                f"bybit=ws://127.0.0.1:{port}/bybit",
                "--store",
                str(tmp_path / "cli.duckdb"),
                "--max-events",
                "2",
                "--duration",
                str(GUARD_S),
            ],
        )
    finally:
        stop()
    assert result.exit_code == 0, result.output
    assert "2 new liquidation row(s) stored" in result.output
    assert [r[:5] for r in _rows(tmp_path / "cli.duckdb")] == [
        ("bybit", "BTC", "long", 66900.0, 0.25),
        ("bybit", "BTC", "short", 67250.5, 1.5),
    ]
    assert json.loads(replay.received["bybit"][0][0]) == {"op": "subscribe", "args": ["allLiquidation.BTCUSDT"]}


def test_cli_function_rejects_bad_input(tmp_path: Path) -> None:
    from derivintel.core.errors import UserInputError

    with pytest.raises(UserInputError):
        collect_liquidations(["NOTACOIN"], store=tmp_path / "x.duckdb", quiet=True)
    with pytest.raises(UserInputError):
        collect_liquidations(["BTC"], venue=["kraken"], store=tmp_path / "x.duckdb", quiet=True)
    with pytest.raises(UserInputError):
        collect_liquidations(["BTC"], url=["bybit=http://x"], store=tmp_path / "x.duckdb", quiet=True)
