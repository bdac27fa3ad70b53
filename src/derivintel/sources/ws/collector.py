"""Async collector of websocket events (realised liquidations; Hyperliquid trades' address sightings): one task
per venue stream, batched idempotent writes.

- Each venue task connects, sends the stream's subscribe messages, sends application-level pings when the venue
  needs them (Bybit ``{"op":"ping"}``, OKX ``ping``; protocol pings, e.g. Binance's, are answered by the
  ``websockets`` library), and parses every message with the venue's PURE parser. When the connection drops or
  cannot be opened it waits a jittered exponential backoff (bounded by ``Backoff.max_s``) and reconnects, which
  resubscribes. Unknown or malformed messages are counted and skipped; nothing a venue sends stops the collector.
- Events are buffered and written through ``write(events) -> rows inserted`` (``HistoryStore.write_liquidations``:
  one transaction per call, idempotent on its key, so a message delivered twice is stored once) every
  ``flush_every_s`` seconds or as soon as ``flush_max_events`` are buffered: a crash loses at most the buffer.
- ``run(duration_s=…, max_events=…)`` stops after a time, after that many events were received (duplicates
  included), on ``stop()``, or when cancelled (Ctrl-C); the buffer is flushed before it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from websockets.asyncio.client import ClientConnection, connect

from derivintel.domain.venue import VenueId
from derivintel.sources.stream_model import VenueStream

E = TypeVar("E")
Writer = Callable[[Sequence[Any]], int]
Clock = Callable[[], datetime]
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


def utc_now() -> datetime:
    """Receive-time clock of the collector (I/O code, not analytics)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnect delay in seconds: ``min(max_s, initial_s × factor**attempt) × (1 − jitter × u)``, ``u`` uniform in
    [0, 1) ("equal jitter" when ``jitter`` = 0.5): never above ``max_s``, never below ``(1 − jitter)`` of the
    exponential step. ``attempt`` counts failures since the last connection that delivered data."""

    initial_s: float = 1.0
    factor: float = 2.0
    max_s: float = 60.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if not (self.initial_s > 0 and self.factor >= 1 and self.max_s >= self.initial_s and 0 <= self.jitter < 1):
            raise ValueError(f"invalid backoff {self}")

    def delay(self, attempt: int, u: float) -> float:
        step = self.initial_s * self.factor ** min(max(attempt, 0), 64)
        return min(self.max_s, step) * (1.0 - self.jitter * u)


@dataclass(frozen=True, slots=True)
class VenueStatus:
    """Counters of one venue stream since the collector started.

    ``messages`` received, liquidation ``events`` parsed (a duplicate delivery counts twice), ``stored`` rows newly
    inserted into the store (duplicates are not), ``bad`` malformed messages or entries, ``skipped`` events of other
    symbols, ``connects`` successful connections, ``reconnects`` waits before a new attempt, ``last_error``."""

    venue: VenueId
    connected: bool
    connects: int
    reconnects: int
    messages: int
    events: int
    stored: int
    bad: int
    skipped: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class CollectorStatus:
    """All venues, plus ``pending`` events buffered (not yet written), ``write_errors`` failed store writes and
    ``dropped`` events discarded because the buffer overflowed while the store kept failing."""

    venues: tuple[VenueStatus, ...]
    pending: int
    write_errors: int
    dropped: int

    @property
    def events(self) -> int:
        return sum(v.events for v in self.venues)

    @property
    def stored(self) -> int:
        return sum(v.stored for v in self.venues)

    @property
    def line(self) -> str:
        """One status line: ``binance-usdm ● 12 ev, 10 new, 0 bad | bybit ○ 3 ev, 3 new, 0 bad, 1 reconnect``."""
        parts = []
        for v in self.venues:
            mark = "●" if v.connected else "○"
            text = f"{v.venue} {mark} {v.events} ev, {v.stored} new, {v.bad} bad"
            if v.reconnects:
                text += f", {v.reconnects} reconnect{'s' if v.reconnects != 1 else ''}"
            parts.append(text)
        tail = f" | {self.pending} pending" if self.pending else ""
        if self.write_errors:
            tail += f" | {self.write_errors} write error(s)"
        if self.dropped:
            tail += f" | {self.dropped} dropped"
        return " | ".join(parts) + tail


@dataclass
class _Counts:
    venue: VenueId
    connected: bool = False
    connects: int = 0
    reconnects: int = 0
    messages: int = 0
    events: int = 0
    stored: int = 0
    bad: int = 0
    skipped: int = 0
    last_error: str | None = None

    def frozen(self) -> VenueStatus:
        return VenueStatus(
            self.venue,
            self.connected,
            self.connects,
            self.reconnects,
            self.messages,
            self.events,
            self.stored,
            self.bad,
            self.skipped,
            self.last_error,
        )


class StreamCollector(Generic[E]):
    """Collect the events of ``assets`` from ``streams`` into ``write``. See the module docstring."""

    def __init__(
        self,
        streams: Sequence[VenueStream],
        assets: Sequence[str],
        write: Writer,
        *,
        flush_every_s: float = 1.0,
        flush_max_events: int = 200,
        max_buffer: int = 100_000,
        backoff: Backoff | None = None,
        open_timeout_s: float = 10.0,
        close_timeout_s: float = 5.0,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        on_status: Callable[[CollectorStatus], None] | None = None,
    ) -> None:
        if not streams:
            raise ValueError("no venue stream to collect")
        if not assets:
            raise ValueError("no asset to collect")
        if flush_every_s <= 0 or flush_max_events < 1 or max_buffer < flush_max_events:
            raise ValueError("flush_every_s must be > 0 and 1 ≤ flush_max_events ≤ max_buffer")
        self.streams = tuple(streams)
        self.assets = tuple(assets)
        self._write = write
        self.flush_every_s = flush_every_s
        self.flush_max_events = flush_max_events
        self.max_buffer = max_buffer
        self.backoff = backoff or Backoff()
        self.open_timeout_s = open_timeout_s
        self.close_timeout_s = close_timeout_s
        self._clock = clock
        self._rng = rng or random.Random()
        self._on_status = on_status
        self._counts = {s.venue: _Counts(s.venue) for s in self.streams}
        self._buffer: list[tuple[VenueId, E]] = []  # (venue of the stream, event)
        self._write_errors = 0
        self._dropped = 0
        self._max_events: int | None = None
        self._stop: asyncio.Event | None = None
        self._stop_requested = False  # stop() before run() started: run() returns at once
        self.reasons: list[str] = []  # the last few reasons for bad messages, refused subscriptions, errors

    # --- public ----------------------------------------------------------------------------------------------
    def status(self) -> CollectorStatus:
        return CollectorStatus(
            venues=tuple(c.frozen() for c in self._counts.values()),
            pending=len(self._buffer),
            write_errors=self._write_errors,
            dropped=self._dropped,
        )

    def stop(self) -> None:
        """Ask ``run`` to stop (flushes before returning); before ``run`` started, it returns at once."""
        self._stop_requested = True
        if self._stop is not None:
            self._stop.set()

    async def run(self, *, duration_s: float | None = None, max_events: int | None = None) -> CollectorStatus:
        """Collect until ``duration_s`` elapsed, ``max_events`` events received, ``stop()`` or cancellation."""
        self._stop = asyncio.Event()
        if self._stop_requested:
            self._stop.set()
        self._max_events = max_events
        tasks = [asyncio.create_task(self._run_venue(s), name=f"liq-{s.venue}") for s in self.streams]
        flusher = asyncio.create_task(self._flush_loop(), name="liq-flush")
        try:
            if duration_s is None:
                await self._stop.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), duration_s)
        finally:
            self._stop.set()
            for t in (*tasks, flusher):
                t.cancel()
            await asyncio.gather(*tasks, flusher, return_exceptions=True)
            self._flush()
            self._report()
        return self.status()

    # --- internals -------------------------------------------------------------------------------------------
    def _note(self, reason: str) -> None:
        self.reasons.append(reason)
        del self.reasons[:-20]

    def _report(self) -> None:
        if self._on_status is not None:
            self._on_status(self.status())

    async def _run_venue(self, stream: VenueStream) -> None:
        c = self._counts[stream.venue]
        assert self._stop is not None
        attempt = 0
        while not self._stop.is_set():
            try:
                async with connect(
                    stream.url,
                    open_timeout=self.open_timeout_s,
                    close_timeout=self.close_timeout_s,
                    max_size=MAX_MESSAGE_BYTES,
                ) as ws:
                    c.connects += 1
                    c.connected = True
                    if await self._consume(stream, ws, c):
                        attempt = 0
                c.last_error = "connection closed by the server"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network, handshake, protocol: all mean "reconnect later"
                c.last_error = f"{type(exc).__name__}: {exc}"
            finally:
                c.connected = False
            if self._stop.is_set():
                break
            self._note(f"{stream.venue}: {c.last_error}")
            c.reconnects += 1
            delay = self.backoff.delay(attempt, self._rng.random())
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def _consume(self, stream: VenueStream, ws: ClientConnection, c: _Counts) -> bool:
        """Subscribe, keep alive and read until the connection closes. True when it delivered liquidation data."""
        for message in stream.subscribe(self.assets):
            await ws.send(message)
        pinger = None
        if stream.ping_text is not None and stream.ping_interval_s:
            pinger = asyncio.create_task(self._ping(ws, stream.ping_text, stream.ping_interval_s))
        got_data = False
        try:
            async for raw in ws:
                got_data |= self._handle(stream, c, raw)
                if self._stop is not None and self._stop.is_set():
                    break
        finally:
            if pinger is not None:
                pinger.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pinger
        return got_data

    @staticmethod
    async def _ping(ws: ClientConnection, text: str, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            await ws.send(text)

    def _handle(self, stream: VenueStream, c: _Counts, raw: str | bytes) -> bool:
        c.messages += 1
        try:
            parsed = stream.parse(raw, self.assets, self._clock())
        except Exception as exc:  # a parser must not raise; if one does, the message is bad, not fatal
            c.bad += 1
            self._note(f"{stream.venue}: parser error {type(exc).__name__}: {exc}")
            return False
        c.bad += parsed.bad
        c.skipped += parsed.skipped
        for reason in parsed.reasons:
            self._note(reason)
        if not parsed.events:
            return parsed.skipped > 0
        c.events += len(parsed.events)
        self._buffer.extend((stream.venue, e) for e in parsed.events)
        if len(self._buffer) >= self.flush_max_events:
            self._flush()
        total = sum(k.events for k in self._counts.values())
        if self._max_events is not None and total >= self._max_events and self._stop is not None:
            self._stop.set()
        return True

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_every_s)
            self._flush()
            self._report()

    def _flush(self) -> None:
        """Write the buffer, one transaction per venue. On failure the events stay buffered for the next flush
        (oldest dropped beyond ``max_buffer``)."""
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        by_venue: dict[VenueId, list[E]] = {}
        for venue, e in batch:
            by_venue.setdefault(venue, []).append(e)
        for venue, events in by_venue.items():
            try:
                inserted = self._write(events)
            except Exception as exc:  # store locked, disk full: keep the events, retry next flush
                self._write_errors += 1
                self._note(f"store write failed ({venue}): {type(exc).__name__}: {exc}")
                self._buffer.extend((venue, e) for e in events)
                continue
            if venue in self._counts:
                self._counts[venue].stored += inserted
        overflow = len(self._buffer) - self.max_buffer
        if overflow > 0:
            del self._buffer[:overflow]
            self._dropped += overflow


# The realised-liquidation collector (``collect liquidations``): the stream collector over ``LiquidationEvent``s.
LiquidationCollector = StreamCollector
