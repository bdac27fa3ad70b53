"""Paged history for backfill: Binance USD-M, Bybit and OKX klines, funding and (Binance) OI history.

Every history endpoint is paged by WINDOWS declared as data (``PAGINGS``): the span ``[start, end]`` is cut into
windows of ``page_size × min_step`` milliseconds and each window is asked with both bounds, so a page can never
hold more rows than the venue's limit, whether the venue fills a page from the oldest row (Binance ``startTime``)
or from the newest (Bybit ``end``, OKX ``after``). The number of requests per dataset is therefore
``ceil((end − start + 1 ms) / window)`` (Binance OI: span clamped to the venue's last 30 days).

Requests go through the shared ``HttpFetcher`` (retries, rate limits); pages are parsed with the venues' own
parsers, merged, deduplicated on ``ts``, sorted, and cut to ``[start, end]``. Bars are kept only when closed by
``end`` (``ts + interval ≤ end``). A failed page becomes a ``Gap`` (its rows are missing, the rest is kept).

``live_history_fetch(config)`` adapts this to the history store's ``HistoryFetch`` (``(asset, start, end) →
series``) used by ``store.collect.backfill``.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import httpx
import numpy as np

from derivintel.core.errors import SourceError
from derivintel.core.provenance import Gap, GapKind
from derivintel.core.timeutil import to_ms
from derivintel.domain.assets import normalise_asset
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.sources import registry
from derivintel.sources.assembly import gap_kind
from derivintel.sources.binance import endpoints as binance_ep
from derivintel.sources.binance import parse as binance
from derivintel.sources.bybit import parse as bybit
from derivintel.sources.config import SourceConfig
from derivintel.sources.declarations import Endpoint
from derivintel.sources.http import HttpFetcher
from derivintel.sources.okx import endpoints as okx_ep
from derivintel.sources.okx import parse as okx
from derivintel.sources.payload import spacing_intervals_hours
from derivintel.sources.plan import build_request
from derivintel.sources.wire import RawResponse, RequestSpec

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
HISTORY_ENDPOINTS: tuple[Endpoint, ...] = (*okx_ep.HISTORY_ENDPOINTS,)
HistorySeries = CandleSeries | FundingSeries | OpenInterestSeries


@dataclass(frozen=True, slots=True)
class Paging:
    """How one history dataset pages (as data).

    ``page_size`` rows per request at most ``min_step_ms`` apart give the window width. ``lo_param``/``hi_param``
    carry the window bounds; ``exclusive`` bounds (OKX ``before``/``after``) are sent as ``lo − 1`` / ``hi + 1``.
    ``max_age_ms`` clamps the start (Binance keeps OI history for 30 days only).
    """

    provider: str
    dataset: str
    page_size: int
    min_step_ms: int
    lo_param: str
    hi_param: str
    exclusive: bool = False
    max_age_ms: int | None = None

    @property
    def window_ms(self) -> int:
        return self.page_size * self.min_step_ms


# Funding windows assume the shortest interval any venue uses (1h), so a window never exceeds the page limit.
PAGINGS: tuple[Paging, ...] = (
    Paging("binance-usdm", "klines_1h", 1500, HOUR_MS, "startTime", "endTime"),
    Paging("binance-usdm", "fundingRate", 1000, HOUR_MS, "startTime", "endTime"),
    Paging("binance-usdm", "openInterestHist", 500, HOUR_MS, "startTime", "endTime", max_age_ms=30 * DAY_MS),
    Paging("bybit", "kline", 1000, HOUR_MS, "start", "end"),
    Paging("bybit", "funding-history", 200, HOUR_MS, "startTime", "endTime"),
    Paging("okx", "history-candles", 100, HOUR_MS, "before", "after", exclusive=True),
    Paging("okx", "funding-rate-history", 100, HOUR_MS, "before", "after", exclusive=True),
)
BINANCE_INTERVALS_H = binance.BINANCE_INTERVALS_H
BYBIT_INTERVALS_H = bybit.BYBIT_INTERVALS_H


def windows(start_ms: int, end_ms: int, window_ms: int) -> list[tuple[int, int]]:
    """``[lo, hi]`` windows (inclusive, ms) of width ``window_ms`` covering ``[start_ms, end_ms]`` exactly once."""
    if end_ms < start_ms:
        return []
    n = math.ceil((end_ms - start_ms + 1) / window_ms)
    return [(start_ms + i * window_ms, min(end_ms, start_ms + (i + 1) * window_ms - 1)) for i in range(n)]


def _endpoint(provider: str, dataset: str) -> Endpoint:
    for ep in HISTORY_ENDPOINTS:
        if ep.provider == provider and ep.dataset == dataset:
            return ep
    return registry.endpoint(provider, dataset)


def page_requests(paging: Paging, asset: str, start_ms: int, end_ms: int, config: SourceConfig) -> list[RequestSpec]:
    """The requests covering ``[start_ms, end_ms]`` for ``paging`` (after clamping to ``max_age_ms``)."""
    if paging.max_age_ms is not None:
        start_ms = max(start_ms, end_ms - paging.max_age_ms + 1)
    ep = _endpoint(paging.provider, paging.dataset)
    provider = registry.PROVIDERS[paging.provider]
    values = {
        "asset": asset,
        "asset_lower": asset.lower(),
        "symbol": provider.symbol(asset),
        "coin": provider.coin(asset),
    }
    base = tuple((k, str(v).format(**values)) for k, v in ep.params.items())
    url = config.base_url(paging.provider, provider.base_url) + ep.path
    out = []
    for lo, hi in windows(start_ms, end_ms, paging.window_ms):
        bounds = (
            ((paging.lo_param, lo - 1), (paging.hi_param, hi + 1))
            if paging.exclusive
            else (
                (paging.lo_param, lo),
                (paging.hi_param, hi),
            )
        )
        params = base + tuple((k, str(v)) for k, v in bounds)
        out.append(RequestSpec(paging.provider, paging.dataset, asset, ep.method, url, params))
    return out


def _rows(body: bytes) -> int:
    """Rows in a page body of any of the three venues (0 when empty); unreadable bodies count as non-empty so
    the parser reports them."""
    try:
        obj = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return 1
    if isinstance(obj, list):
        return len(obj)
    if isinstance(obj, dict):
        inner = obj.get("result", obj)
        rows = inner.get("list") if isinstance(inner, dict) and "list" in inner else obj.get("data")
        if isinstance(rows, list):
            return len(rows)
    return 1


def merge(parts: Sequence[HistorySeries]) -> HistorySeries | None:
    """Concatenate page series of one dataset, sort by ``ts``, drop duplicate timestamps (first kept)."""
    if not parts:
        return None
    first = parts[0]
    ts = np.concatenate([p.ts for p in parts])
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    keep = np.ones(len(ts), dtype=bool)
    keep[1:] = np.diff(ts.astype(np.int64)) != 0
    kwargs: dict[str, Any] = {}
    for f in fields(first):  # type: ignore[arg-type]
        v = getattr(first, f.name)
        if isinstance(v, np.ndarray):
            kwargs[f.name] = np.concatenate([getattr(p, f.name) for p in parts])[order][keep]
        else:
            kwargs[f.name] = v
    newest = max(parts, key=lambda p: p.ts[-1])
    kwargs["source"] = replace(
        newest.source, fetched_at=max(p.source.fetched_at for p in parts), as_of=newest.source.as_of
    )
    return type(first)(**kwargs)


def cut(series: HistorySeries, start: datetime, end: datetime) -> HistorySeries:
    """Rows with ``start ≤ ts`` that are known at ``end`` (bars closed by ``end``)."""
    mask = (series.ts >= np.datetime64(to_ms(start), "ms")) & series.known_mask(end)
    kwargs = {}
    for f in fields(series):  # type: ignore[arg-type]
        v = getattr(series, f.name)
        kwargs[f.name] = v[mask] if isinstance(v, np.ndarray) and len(v) == len(mask) else v
    return type(series)(**kwargs)


@dataclass(frozen=True)
class HistoryBundle:
    """Paged history of one asset over ``[start, end]``: domain series, gaps, and the number of HTTP requests
    (answers, including retries) it took."""

    asset: str
    start: datetime
    end: datetime
    candles: tuple[CandleSeries, ...]
    funding: tuple[FundingSeries, ...]
    open_interest: tuple[OpenInterestSeries, ...]
    gaps: tuple[Gap, ...]
    requests: int

    def series(self) -> tuple[HistorySeries, ...]:
        return (*self.candles, *self.funding, *self.open_interest)


def _parser(paging: Paging, asset: str, binance_interval_h: float | None) -> Callable[[RawResponse], HistorySeries]:
    usdm = binance_ep.USDM.symbol(asset)
    key = (paging.provider, paging.dataset)
    if key == ("binance-usdm", "klines_1h"):
        return lambda r: binance.parse_klines(
            r.body,
            provider="binance-usdm",
            dataset="klines_1h",
            asset=asset,
            market="perp",
            interval_s=3600,
            ts_recv=r.ts_received,
        )
    if key == ("binance-usdm", "fundingRate"):
        interval = binance_interval_h or binance.DEFAULT_FUNDING_INTERVAL_H
        return lambda r: binance.parse_funding_history(
            r.body, asset=asset, symbol=usdm, ts_recv=r.ts_received, interval_hours=interval
        )
    if key == ("binance-usdm", "openInterestHist"):
        return lambda r: binance.parse_open_interest_hist(
            r.body, asset=asset, symbol=usdm, ts_recv=r.ts_received, period_s=3600
        )
    if key == ("bybit", "kline"):
        return lambda r: bybit.parse_kline(r.body, asset=asset, ts_recv=r.ts_received, interval_s=3600)
    if key == ("bybit", "funding-history"):
        sym = registry.PROVIDERS["bybit"].symbol(asset)
        return lambda r: bybit.parse_funding_history(
            r.body, asset=asset, symbol=sym, ts_recv=r.ts_received, interval_hours=bybit.DEFAULT_FUNDING_INTERVAL_H
        )
    if key == ("okx", "history-candles"):
        return lambda r: okx.parse_candles(
            r.body, asset=asset, ts_recv=r.ts_received, interval_s=3600, dataset="history-candles"
        )
    if key == ("okx", "funding-rate-history"):
        sym = registry.PROVIDERS["okx"].symbol(asset)
        return lambda r: okx.parse_funding_history(r.body, asset=asset, symbol=sym, ts_recv=r.ts_received)
    raise KeyError(f"no history parser for {paging.provider}/{paging.dataset}")


def _reinterval(series: HistorySeries, paging: Paging, default_h: float) -> HistorySeries:
    """Funding intervals read from the spacing of the merged settlements (pages alone cannot see it)."""
    if not isinstance(series, FundingSeries):
        return series
    allowed = {"binance-usdm": BINANCE_INTERVALS_H, "bybit": BYBIT_INTERVALS_H}.get(
        paging.provider, okx.OKX_INTERVALS_H
    )
    hours = spacing_intervals_hours(series.ts.astype(np.int64), allowed, default_h)
    return replace(series, interval_hours=hours)


async def fetch_history(
    asset: str,
    start: datetime,
    end: datetime,
    *,
    config: SourceConfig,
    transport: httpx.AsyncBaseTransport | None = None,
    pagings: Sequence[Paging] = PAGINGS,
) -> HistoryBundle:
    """Page every dataset of ``pagings`` over ``[start, end]`` (providers in ``config.disabled`` skipped).

    Binance funding needs ``fundingInfo`` (the symbol's interval; absent = 8h): if it fails, Binance funding is a
    gap of the same kind, as in the live snapshot. Rates are per the interval read from the settlement spacing.
    """
    asset = normalise_asset(asset)
    if end <= start:
        raise ValueError("fetch_history: end must be after start")
    start_ms, end_ms = to_ms(start), to_ms(end)
    todo = [p for p in pagings if p.provider not in config.disabled]
    gaps: list[Gap] = []
    async with httpx.AsyncClient(
        headers={"User-Agent": config.user_agent}, transport=transport, follow_redirects=True
    ) as client:
        fetcher = HttpFetcher(
            client=client,
            config=config,
            rate_limits={n: p.rate_limit for n, p in registry.PROVIDERS.items()},
            error_codes={n: p.error_codes for n, p in registry.PROVIDERS.items()},
        )
        binance_interval: float | None = None
        if any(p.dataset == "fundingRate" and p.provider == "binance-usdm" for p in todo):
            try:
                raw = await fetcher.fetch(build_request(("binance-usdm", "fundingInfo", None), config, end=end))
                intervals = binance.parse_funding_intervals(raw.body)
                binance_interval = binance.funding_interval_hours(intervals, binance_ep.USDM.symbol(asset))
            except SourceError as exc:
                gaps.append(
                    Gap("binance-usdm", "fundingRate", gap_kind(exc), f"{asset}: fundingInfo failed: {exc.message}")
                )
                todo = [p for p in todo if not (p.provider == "binance-usdm" and p.dataset == "fundingRate")]

        async def one(spec: RequestSpec, parse: Callable[[RawResponse], HistorySeries]) -> HistorySeries | str | None:
            try:
                raw = await fetcher.fetch(spec)
                if _rows(raw.body) == 0:
                    return None  # an empty window (before listing, or a venue pause): nothing to add
                return parse(raw)
            except SourceError as exc:
                return exc.message
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                return f"{type(exc).__name__}: {exc}"

        jobs = []
        for paging in todo:
            parse = _parser(paging, asset, binance_interval)
            specs = page_requests(paging, asset, start_ms, end_ms, config)
            jobs.append((paging, specs, asyncio.gather(*(one(s, parse) for s in specs))))
        results = [(paging, specs, await job) for paging, specs, job in jobs]
        requests = len(fetcher.responses)

    candles: list[CandleSeries] = []
    funding: list[FundingSeries] = []
    oi: list[OpenInterestSeries] = []
    for paging, specs, pages in results:
        failed = [p for p in pages if isinstance(p, str)]
        parts = [p for p in pages if p is not None and not isinstance(p, str)]
        if failed:
            reason = f"{asset}: {len(failed)} of {len(specs)} pages failed; first: {failed[0][:160]}"
            gaps.append(Gap(paging.provider, paging.dataset, GapKind.UNAVAILABLE, reason))
        merged = merge(parts)
        if merged is None:
            if not failed:
                gaps.append(Gap(paging.provider, paging.dataset, GapKind.INSUFFICIENT_HISTORY, f"{asset}: no rows"))
            continue
        default_h = binance_interval if paging.provider == "binance-usdm" else 8.0
        merged = cut(_reinterval(merged, paging, default_h or 8.0), start, end)
        if len(merged) == 0:
            gaps.append(Gap(paging.provider, paging.dataset, GapKind.INSUFFICIENT_HISTORY, f"{asset}: no rows in span"))
            continue
        if isinstance(merged, CandleSeries):
            candles.append(merged)
        elif isinstance(merged, FundingSeries):
            funding.append(merged)
        else:
            oi.append(merged)
    return HistoryBundle(asset, start, end, tuple(candles), tuple(funding), tuple(oi), tuple(gaps), requests)


HistoryFetch = Callable[[str, datetime, datetime], Iterable[HistorySeries]]


def live_history_fetch(
    config: SourceConfig | None = None, *, on_gap: Callable[[Gap], None] | None = None
) -> HistoryFetch:
    """Sync adapter for ``store.collect.backfill``: ``fetch(asset, start, end)`` runs ``fetch_history`` and returns
    its series; each gap is passed to ``on_gap`` (e.g. printed) since the backfill interface carries series only."""
    cfg = config if config is not None else SourceConfig.load()

    def fetch(asset: str, start: datetime, end: datetime) -> Iterable[HistorySeries]:
        bundle = asyncio.run(fetch_history(asset, start, end, config=cfg))
        for gap in bundle.gaps:
            if on_gap is not None:
                on_gap(gap)
        return bundle.series()

    return fetch
