"""The dashboard app: HTML dashboard with auto-refresh, JSON API, past reports, OpenAPI (FastAPI's).

``create_app(report_provider, token=...)`` is the testable factory; ``derivintel serve`` wires a live or demo
provider to it. Renderers read the report model only; nothing here computes a figure.

Errors: the JSON API (``/api/...``, ``/health``) always answers JSON ``{"detail": ...}``; pages answer browsers
(``Accept: text/html``) with an HTML error page. The OpenAPI document lists every status code each API route returns
(401 only when a token is required). ``symbols`` limits the picker and the routes to what the provider can serve.
``/health`` says ``degraded`` (and which symbols fail, why) while the last build of a symbol failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Annotated
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from derivintel.core.errors import NoPriceSourceError, UserInputError
from derivintel.domain.assets import KNOWN_ASSETS, normalise_asset
from derivintel.domain.universe import Universe
from derivintel.report.html import asset_text as report_asset
from derivintel.report.html import plotly_js, render_html, safe_json
from derivintel.report.model import Report
from derivintel.web.archive import ReportArchive, ReportHistory
from derivintel.web.auth import TOKEN_QUERY, TokenAuthMiddleware
from derivintel.web.cache import ReportCache, ReportProvider
from derivintel.web.scan_page import ScanProvider, add_scan_routes

DEFAULT_REFRESH_S = 60.0
JSON_HEADERS = {"Cache-Control": "no-store"}


class ArchiveItem(BaseModel):
    report_id: str
    symbol: str
    as_of: datetime
    generated_at: datetime
    synthetic: bool


class Health(BaseModel):
    status: str = Field(description="ok, or degraded while the last build of some symbol failed")
    cached_symbols: list[str]
    builds: int
    failing: dict[str, str] = Field(default_factory=dict, description="symbol → why its last build failed")


class ErrorDetail(BaseModel):
    """Every API error: one line saying what went wrong."""

    detail: str


def _error(description: str) -> dict[str, object]:
    return {"model": ErrorDetail, "description": description}


_ERROR_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ status }} · derivintel</title>
<link rel="stylesheet" href="/static/style.css{{ token_query }}"></head><body><main class="error-page">
<h1>{{ status }} {{ title }}</h1><p>{{ detail }}</p>
<p><a href="/{{ token_query }}">back to the dashboard</a> · <a href="/health{{ token_query }}">health</a></p>
</main></body></html>"""
_TITLES = {401: "not authorised", 404: "not found", 503: "no data right now"}


@cache
def _environment() -> Environment:
    return Environment(
        loader=ChoiceLoader(
            [PackageLoader("derivintel.web", "templates"), PackageLoader("derivintel.report", "templates")]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


@cache
def _web_asset(name: str) -> str:
    return resources.files("derivintel.web").joinpath("templates", name).read_text(encoding="utf-8")


_STATIC = {
    "plotly.min.js": ("application/javascript", plotly_js),
    "charts.js": ("application/javascript", lambda: report_asset("charts.js")),
    "style.css": ("text/css", lambda: report_asset("style.css")),
    "dashboard.js": ("application/javascript", lambda: _web_asset("dashboard.js")),
}


def _symbol(raw: str, served: Sequence[str]) -> str:
    try:
        symbol = normalise_asset(raw, Universe.builtin_of(KNOWN_ASSETS | set(served), "served or built in"))
    except UserInputError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    if symbol not in served:
        raise HTTPException(status_code=404, detail=f"{symbol} is not served here (serves {', '.join(served)})")
    return symbol


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path in ("/health", "/openapi.json"):
        return False
    return "text/html" in request.headers.get("accept", "")


def create_app(
    report_provider: ReportProvider,
    *,
    token: str | None = None,
    refresh_s: float = DEFAULT_REFRESH_S,
    history: ReportHistory | None = None,
    default_symbol: str = "BTC",
    symbols: Sequence[str] | None = None,
    scan_provider: ScanProvider | None = None,
) -> FastAPI:
    """The dashboard app. ``report_provider(symbol)`` builds a ``Report``; reports are cached per symbol for
    ``refresh_s`` seconds (also the page's polling interval) and every new one goes to ``history``. With ``token``
    every request must carry it (``Authorization: Bearer`` or ``?token=``), else 401. ``symbols``: the assets the
    provider can serve (default every known asset); others are 404 and absent from the picker. ``scan_provider``
    adds the scanner page (``/scan``, ``/api/scan``), cached and refreshed like the reports."""
    archive = history if history is not None else ReportArchive()
    reports = ReportCache(report_provider, ttl_s=refresh_s, on_new=archive.add)
    known = Universe.builtin_of(KNOWN_ASSETS | {s.strip().upper() for s in symbols or ()}, "served or built in")
    served = tuple(sorted({normalise_asset(s, known) for s in symbols})) if symbols else tuple(sorted(KNOWN_ASSETS))
    default = normalise_asset(default_symbol, known)
    if default not in served:
        default = served[0]
    failing: dict[str, str] = {}
    auth = {401: _error("missing or invalid token")} if token else {}
    app = FastAPI(
        title="derivintel dashboard",
        version="1",
        description="Ten-phase crypto derivatives report over HTTP. Every number is a metric of the report model.",
    )
    app.state.reports = reports
    app.state.archive = archive
    if token:
        app.add_middleware(TokenAuthMiddleware, token=token)

    async def cached(symbol: str):
        try:
            entry = await reports.get(symbol)
        except NoPriceSourceError as exc:
            failing[symbol] = f"no data: {exc}"
            raise HTTPException(status_code=503, detail=f"no data: {exc}") from exc
        except UserInputError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        failing.pop(symbol, None)
        return entry

    def symbol_of(raw: str) -> str:
        return _symbol(raw, served)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """HTML error pages for browsers on pages; JSON ``{"detail": ...}`` for the API and other clients."""
        headers = getattr(exc, "headers", None)
        if not _wants_html(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
        page = (
            _environment()
            .from_string(_ERROR_PAGE)
            .render(
                status=exc.status_code,
                title=_TITLES.get(exc.status_code, "error"),
                detail=str(exc.detail),
                token_query=token_query(request),
            )
        )
        return HTMLResponse(page, status_code=exc.status_code, headers=headers)

    def token_query(request: Request) -> str:
        given = request.query_params.get(TOKEN_QUERY)
        return f"?{TOKEN_QUERY}={quote(given, safe='')}" if token and given else ""

    @app.get("/health", response_model=Health, tags=["meta"], responses={**auth})
    async def health() -> Health:
        """Liveness; the symbols with a cached report, the number of builds so far, and (``degraded``) the symbols
        whose last build failed, with the reason."""
        return Health(
            status="degraded" if failing else "ok",
            cached_symbols=reports.symbols(),
            builds=reports.builds,
            failing=dict(sorted(failing.items())),
        )

    @app.get(
        "/api/report/{symbol}",
        tags=["reports"],
        responses={
            200: {"model": Report, "description": "The report JSON (same as `derivintel report -f json`)"},
            404: _error(f"unknown symbol, or one this server does not serve ({', '.join(served)})"),
            503: _error("no price source answered for the symbol; /health then says degraded"),
            **auth,
        },
    )
    async def api_report(
        symbol: Annotated[str, PathParam(description="asset, e.g. BTC (BTCUSDT, btc accepted)", examples=["BTC"])],
    ) -> Response:
        """The current report for ``symbol`` (cached for the refresh interval)."""
        entry = await cached(symbol_of(symbol))
        return Response(entry.json, media_type="application/json", headers=JSON_HEADERS)

    @app.get("/api/reports", response_model=list[ArchiveItem], tags=["reports"], responses={**auth})
    async def api_reports() -> list[ArchiveItem]:
        """Reports generated by this server, newest first."""
        return [ArchiveItem(**_as_dict(e)) for e in archive.entries()]

    @app.get(
        "/api/reports/{report_id}",
        tags=["reports"],
        responses={200: {"model": Report}, 404: _error("unknown report id"), **auth},
    )
    async def api_stored_report(report_id: str) -> Response:
        """One past report as JSON."""
        report = archive.get(report_id)
        if report is None:
            raise HTTPException(status_code=404, detail="unknown report id")
        return Response(report.model_dump_json(indent=2), media_type="application/json", headers=JSON_HEADERS)

    @app.get("/reports/{report_id}", response_class=HTMLResponse, include_in_schema=False)
    async def stored_report_html(report_id: str) -> HTMLResponse:
        report = archive.get(report_id)
        if report is None:
            raise HTTPException(status_code=404, detail="unknown report id")
        return HTMLResponse(render_html(report))

    @app.get("/report/{symbol}.html", response_class=HTMLResponse, include_in_schema=False)
    async def report_file(symbol: str) -> HTMLResponse:
        """The current report as one self-contained HTML file."""
        entry = await cached(symbol_of(symbol))
        return HTMLResponse(entry.html)

    @app.get("/fragment/{symbol}", response_class=HTMLResponse, include_in_schema=False)
    async def fragment(symbol: str) -> HTMLResponse:
        """The report body for the dashboard's in-place refresh."""
        entry = await cached(symbol_of(symbol))
        return HTMLResponse(entry.body, headers=JSON_HEADERS)

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in _STATIC:
            raise HTTPException(status_code=404, detail="not found")
        media_type, load = _STATIC[name]
        return Response(load(), media_type=media_type, headers={"Cache-Control": "max-age=3600"})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard(request: Request, symbol: str | None = None) -> Response:
        if symbol is None:
            return RedirectResponse(f"/dashboard/{default}{token_query(request)}", status_code=307)
        return RedirectResponse(f"/dashboard/{symbol_of(symbol)}{token_query(request)}", status_code=307)

    @app.get("/dashboard/{symbol}", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard_symbol(request: Request, symbol: str) -> HTMLResponse:
        sym = symbol_of(symbol)
        entry = await cached(sym)
        tq = token_query(request)
        page = (
            _environment()
            .get_template("dashboard.html.j2")
            .render(
                report_body=Markup(entry.body),  # rendered once per cached report; uses none of the page's values
                symbols=list(served),
                symbol=sym,
                refresh_s=refresh_s,
                past=archive.entries()[:50],
                token_query=tq,
                config_json=safe_json(
                    {
                        "symbol": sym,
                        "refresh_s": refresh_s,
                        "token": request.query_params.get(TOKEN_QUERY) if tq else None,
                        "report": {
                            "charts": entry.report.charts.model_dump(mode="json"),
                            "freshness": [f.model_dump(mode="json") for f in entry.report.freshness],
                        },
                    }
                ),
            )
        )
        return HTMLResponse(page, headers=JSON_HEADERS)

    if scan_provider is not None:
        add_scan_routes(app, scan_provider, refresh_s=refresh_s, token_query=token_query)
    return app


def _as_dict(entry: object) -> dict[str, object]:
    return {name: getattr(entry, name) for name in ArchiveItem.model_fields}
