"""A websocket stream listened to in the background, its events taken in batches by a polling loop.

Used by ``collect positions`` to discover Hyperliquid addresses from the ``trades`` channel between its rounds. The
stream runs in its own thread and event loop (``StreamCollector``: reconnects with backoff, resubscribes, pings);
its writer only appends events to a locked in-memory list, and the polling loop takes them with ``drain()`` and
stores them in its own thread. A crash therefore loses at most the events of one polling period. ``problems()``
gives the stream's recent reasons (bad messages, connection errors) for the loop's status line.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Generic, TypeVar

from derivintel.sources.stream_model import VenueStream
from derivintel.sources.ws.collector import Backoff, CollectorStatus, StreamCollector

E = TypeVar("E")


class BackgroundStream(Generic[E]):
    """``start()`` ``stream`` for ``assets`` in a daemon thread, ``drain()`` the events received since the last
    drain, ``stop()``."""

    def __init__(self, stream: VenueStream, assets: Sequence[str], *, backoff: Backoff | None = None) -> None:
        self._lock = threading.Lock()
        self._seen: list[E] = []
        self._collector: StreamCollector[E] = StreamCollector(
            [stream], assets, self._append, flush_every_s=0.5, backoff=backoff or Backoff(max_s=30.0)
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()

    def _append(self, events: Sequence[E]) -> int:
        with self._lock:
            self._seen.extend(events)
        return len(events)

    def start(self) -> BackgroundStream[E]:
        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._started.set()
            try:
                self._loop.run_until_complete(self._collector.run())
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name=f"stream-{self._collector.streams[0].venue}", daemon=True)
        self._thread.start()
        self._started.wait()
        return self

    def drain(self) -> list[E]:
        """The events received (and flushed by the stream) since the last call."""
        with self._lock:
            out, self._seen = self._seen, []
        return out

    def problems(self) -> list[str]:
        """The stream's recent reasons (bad messages, refused subscriptions, connection errors); cleared on read."""
        reasons = list(self._collector.reasons)
        self._collector.reasons.clear()
        return [f"{self._collector.streams[0].dataset}: {r}" for r in reasons]

    def status(self) -> CollectorStatus:
        return self._collector.status()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the stream (its buffer is flushed into ``drain``'s list first) and wait for the thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._collector.stop)
        if self._thread is not None:
            self._thread.join(timeout_s)
