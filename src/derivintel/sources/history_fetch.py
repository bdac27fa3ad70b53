"""Paged history for backfill: klines, funding and OI history of the venues that declare ``PAGINGS``
(``<venue>/history.py``, listed in ``registry.HISTORY_PAGINGS``).

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
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.sources import registry
from derivintel.sources.assembly import gap_kind
from derivintel.sources.config import SourceConfig
from derivintel.sources.declarations import Endpoint, Paging
from derivintel.sources.http import HttpFetcher
from derivintel.sources.payload import spacing_intervals_hours
from derivintel.sources.plan import build_request
from derivintel.sources.wire import RawResponse, RequestSpec

HISTORY_ENDPOINTS: tuple[Endpoint, ...] = registry.HISTORY_ENDPOINTS
PAGINGS: tuple[Paging, ...] = registry.HISTORY_PAGINGS  # declared per venue in ``<venue>/history.py``
HistorySeries = CandleSeries | FundingSeries | OpenInterestSeries
DEFAULT_FUNDING_INTERVAL_H = 8.0  # when a venue's settlements and its prerequisite leave the interval unstated


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
    url = config.base_url(paging.provider, provider.base_url) + ep.path.format(**values)
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


def _reinterval(series: HistorySeries, paging: Paging, default_h: float) -> HistorySeries:
    """Funding intervals read from the spacing of the merged settlements (pages alone cannot see it)."""
    if not isinstance(series, FundingSeries):
        return series
    hours = spacing_intervals_hours(series.ts.astype(np.int64), paging.intervals_h, default_h)
    return replace(series, interval_hours=hours)


async def _prerequisites(
    fetcher: HttpFetcher, todo: Sequence[Paging], asset: str, config: SourceConfig, end: datetime
) -> tuple[dict[str, float | None], list[Paging], list[Gap]]:
    """Fetch each provider's prerequisite once (``Paging.needs``): the interval read per provider, the pagings
    still to do, and a gap (of the prerequisite's failure kind) for each dataset that cannot be parsed without."""
    interval: dict[str, float | None] = {}
    failed: set[tuple[str, str]] = set()
    gaps: list[Gap] = []
    for paging in todo:
        need = paging.needs
        if need is None or paging.provider in interval or (paging.provider, need.dataset) in failed:
            continue
        try:
            raw = await fetcher.fetch(build_request((paging.provider, need.dataset, None), config, end=end))
            interval[paging.provider] = need.interval_h(raw.body, asset)
        except SourceError as exc:
            failed.add((paging.provider, need.dataset))
            reason = f"{need.dataset} failed: {exc.message}"
            gaps += [
                Gap(p.provider, p.dataset, gap_kind(exc), reason, asset)
                for p in todo
                if p.provider == paging.provider and p.needs is not None and p.needs.dataset == need.dataset
            ]
    keep = [p for p in todo if p.needs is None or (p.provider, p.needs.dataset) not in failed]
    return interval, keep, gaps


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

    A dataset whose declaration ``needs`` a prerequisite (Binance funding: ``fundingInfo``, the symbol's interval;
    absent = 8h) is a gap of the same kind when that fails, as in the live snapshot.
    Rates are per the interval read from the settlement spacing.
    """
    asset = asset.strip().upper()  # checked against the instrument universe by the app (``backfill``)
    if end <= start:
        raise ValueError("fetch_history: end must be after start")
    start_ms, end_ms = to_ms(start), to_ms(end)
    todo = [p for p in pagings if p.provider not in config.disabled]
    async with httpx.AsyncClient(
        headers={"User-Agent": config.user_agent}, transport=transport, follow_redirects=True
    ) as client:
        fetcher = HttpFetcher(
            client=client,
            config=config,
            rate_limits={n: p.rate_limit for n, p in registry.PROVIDERS.items()},
            error_codes={n: p.error_codes for n, p in registry.PROVIDERS.items()},
        )
        interval, todo, gaps = await _prerequisites(fetcher, todo, asset, config, end)

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
            if paging.parser is None:
                raise KeyError(f"no history parser declared for {paging.provider}/{paging.dataset}")
            parse = paging.parser(asset, interval.get(paging.provider))
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
            reason = f"{len(failed)} of {len(specs)} pages failed; first: {failed[0][:160]}"
            gaps.append(Gap(paging.provider, paging.dataset, GapKind.UNAVAILABLE, reason, asset))
        merged = merge(parts)
        if merged is None:
            if not failed:
                gaps.append(Gap(paging.provider, paging.dataset, GapKind.INSUFFICIENT_HISTORY, "no rows", asset))
            continue
        default_h = interval.get(paging.provider) or DEFAULT_FUNDING_INTERVAL_H
        merged = cut(_reinterval(merged, paging, default_h), start, end)
        if len(merged) == 0:
            gaps.append(Gap(paging.provider, paging.dataset, GapKind.INSUFFICIENT_HISTORY, "no rows in span", asset))
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
