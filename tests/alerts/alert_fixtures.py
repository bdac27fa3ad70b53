"""Shared helpers for the alert tests: a hand-made report, a local webhook receiver, a scripted clock."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from derivintel.report.model import GapEntry, Metric, Phase, Report

T0 = datetime(2026, 3, 14, 5, 0, tzinfo=UTC)


def make_report(
    metrics: Mapping[str, tuple[object, str]],
    *,
    symbol: str = "BTC",
    as_of: datetime = T0,
    gaps: tuple[tuple[str, str], ...] = (),
) -> Report:
    """A minimal real ``Report`` with one phase holding ``metrics`` ({key: (value, unit)}) and ``gaps``
    ((source, kind) pairs)."""
    ms = [
        Metric(key=k, label=k, value=v, unit=u, source="test", as_of=as_of)  # type: ignore[arg-type]
        for k, (v, u) in metrics.items()
    ]
    phase = Phase(number=1, title="t", headline="h", summary="s", tables=[], reasoning="r", metrics=ms, status="ok")
    return Report(
        symbol=symbol,
        secondary=[],
        as_of=as_of,
        generated_at=as_of,
        synthetic=False,
        banner=None,
        tldr="",
        phases=[phase],
        data_limitations=[],
        gaps=[GapEntry(source=s, kind=k, reason=f"{s} {k}") for s, k in gaps],
        freshness=[],
        parameters={},
    )


@dataclass
class Receiver:
    """Records JSON POST bodies; answers ``fail_first`` requests with HTTP 500, then 200."""

    port: int = 0
    fail_first: int = 0
    posts: list[dict] = field(default_factory=list)
    attempts: int = 0

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"


@contextmanager
def webhook_receiver(fail_first: int = 0) -> Iterator[Receiver]:
    """A threaded ``http.server`` on 127.0.0.1 (ephemeral port) recording POSTs."""
    rec = Receiver(fail_first=fail_first)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                rec.attempts += 1
                failing = rec.attempts <= rec.fail_first
                if not failing:
                    rec.posts.append(json.loads(body))
            self.send_response(500 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """A ``json://`` URL on a local port nobody listens on (connection refused: a receiver that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"json://127.0.0.1:{port}/hook"


class FakeTime:
    """An injected clock: ``sleep`` advances ``now`` instantly and records the waits."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
