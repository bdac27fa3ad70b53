"""Per-symbol report cache: one build per symbol per refresh interval, however many requests arrive at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from anyio import to_thread

from derivintel.report.html import render_body, render_html
from derivintel.report.json_render import render_json
from derivintel.report.model import Report

ReportProvider = Callable[[str], Report]


@dataclass(slots=True)
class CachedReport:
    """A built report and its renderings, each made on first use and then served as is until the report expires."""

    report: Report
    built_at_s: float  # monotonic clock
    _json: str | None = field(default=None, repr=False)
    _html: str | None = field(default=None, repr=False)
    _body: str | None = field(default=None, repr=False)

    @property
    def json(self) -> str:
        """The report's JSON text, rendered once per cached report."""
        if self._json is None:
            self._json = render_json(self.report)
        return self._json

    @property
    def html(self) -> str:
        """The self-contained HTML report, rendered once per cached report."""
        if self._html is None:
            self._html = render_html(self.report)
        return self._html

    @property
    def body(self) -> str:
        """The report body (the dashboard's refresh fragment), rendered once per cached report."""
        if self._body is None:
            self._body = render_body(self.report)
        return self._body


class ReportCache:
    """Keeps the last report per symbol for ``ttl_s`` seconds. Builds run in a worker thread (they are CPU and
    network bound) under a per-symbol lock, so concurrent requests for a symbol wait for one build.
    ``on_new`` is called with every freshly built report (e.g. to archive it)."""

    def __init__(
        self,
        provider: ReportProvider,
        *,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_new: Callable[[Report], object] | None = None,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self._provider = provider
        self.ttl_s = ttl_s
        self._clock = clock
        self._on_new = on_new
        self._entries: dict[str, CachedReport] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.builds = 0

    def symbols(self) -> list[str]:
        """Symbols with a cached report (fresh or not), sorted."""
        return sorted(self._entries)

    def _fresh(self, symbol: str) -> CachedReport | None:
        entry = self._entries.get(symbol)
        if entry is not None and self._clock() - entry.built_at_s < self.ttl_s:
            return entry
        return None

    async def get(self, symbol: str) -> CachedReport:
        entry = self._fresh(symbol)
        if entry is not None:
            return entry
        lock = self._locks.setdefault(symbol, asyncio.Lock())
        async with lock:
            entry = self._fresh(symbol)  # built by the request we waited for
            if entry is not None:
                return entry
            report = await to_thread.run_sync(self._provider, symbol)
            self.builds += 1
            entry = CachedReport(report, self._clock())
            self._entries[symbol] = entry
            if self._on_new is not None:
                await to_thread.run_sync(self._on_new, report)
            return entry
