"""The dashboard's scanner page: ``/scan`` (HTML, refreshed in place like the report page), ``/scan/fragment`` (its
body) and ``/api/scan`` (the scan JSON). The scan comes from a provider the app layer passes in (live venues or the
synthetic demo), cached for the refresh interval and built in a worker thread, one build at a time."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from derivintel.analytics.scanner.model import ScanResult
from derivintel.report.scan_render import scan_html_body, scan_json

# () -> (scan, history source or None)
ScanProvider = Callable[[], tuple[ScanResult, str | None]]


@dataclass(slots=True)
class CachedScan:
    result: ScanResult
    history_source: str | None
    built_at_s: float
    body: str
    data: dict[str, Any]


class ScanCache:
    """The last scan for ``ttl_s`` seconds; concurrent requests wait for one build."""

    def __init__(self, provider: ScanProvider, *, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._provider = provider
        self.ttl_s = ttl_s
        self._clock = clock
        self._entry: CachedScan | None = None
        self._lock = asyncio.Lock()
        self.builds = 0

    def _fresh(self) -> CachedScan | None:
        e = self._entry
        return e if e is not None and self._clock() - e.built_at_s < self.ttl_s else None

    async def get(self) -> CachedScan:
        entry = self._fresh()
        if entry is not None:
            return entry
        async with self._lock:
            entry = self._fresh()
            if entry is not None:
                return entry
            result, source = await to_thread.run_sync(self._provider)
            self.builds += 1
            entry = CachedScan(
                result,
                source,
                self._clock(),
                scan_html_body(result, history_source=source),
                scan_json(result, history_source=source),
            )
            self._entry = entry
            return entry


_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}.synthetic{{color:#a00}}
.rankings{{display:flex;flex-wrap:wrap;gap:1rem}}</style></head><body>
<p><a href="/{token_query}">report dashboard</a> · scanner · refreshed every {refresh:g} s</p>
<h1>{title}</h1><div id="scan">{body}</div>
<script>
setInterval(async () => {{
  const r = await fetch("/scan/fragment{token_query}", {{cache: "no-store"}});
  if (r.ok) document.getElementById("scan").innerHTML = await r.text();
}}, {refresh_ms});
</script></body></html>
"""


def add_scan_routes(
    app: FastAPI, provider: ScanProvider, *, refresh_s: float, token_query: Callable[[Request], str]
) -> ScanCache:
    """Register the scanner routes on ``app``; returns the cache (tests read ``builds``)."""
    cache = ScanCache(provider, ttl_s=refresh_s)
    app.state.scans = cache

    @app.get("/api/scan", tags=["scan"], response_class=JSONResponse)
    async def api_scan() -> JSONResponse:
        """Every perp of the scanned venues: per-perp rows, per-asset aggregates, ranked views, gaps."""
        entry = await cache.get()
        return JSONResponse(entry.data, headers={"Cache-Control": "no-store"})

    @app.get("/scan/fragment", response_class=HTMLResponse, include_in_schema=False)
    async def scan_fragment() -> HTMLResponse:
        entry = await cache.get()
        return HTMLResponse(entry.body, headers={"Cache-Control": "no-store"})

    @app.get("/scan", response_class=HTMLResponse, include_in_schema=False)
    async def scan_page(request: Request) -> HTMLResponse:
        entry = await cache.get()
        title = "derivintel scanner" + (" (SYNTHETIC)" if entry.result.synthetic else "")
        tq = token_query(request)
        page = _PAGE.format(
            title=html.escape(title),
            body=entry.body,
            refresh=refresh_s,
            refresh_ms=int(refresh_s * 1000),
            token_query=html.escape(tq),
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    return cache
