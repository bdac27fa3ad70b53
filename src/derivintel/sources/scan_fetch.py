"""``derivintel scan`` at the edge: one bulk request per dataset of each venue (``registry.SCAN_SOURCES``),
fetched concurrently under each provider's declared rate limit, parsed by the venue's ``parse_scan``.

``fetch_universe`` does the I/O; ``build_universe`` is the pure step from recorded answers to a ``ScanUniverse``.
A venue whose primary dataset fails is a gap with no rows (never zeros); an enrichment dataset that fails is a gap
in its columns only. Generic: no venue is named here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace

import httpx

from derivintel.core.errors import BadPayloadError, SourceError
from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.scan import PerpTicker, ScanUniverse
from derivintel.sources import registry
from derivintel.sources.assembly import error_gap
from derivintel.sources.bulk import BulkScan
from derivintel.sources.config import SourceConfig
from derivintel.sources.declarations import Endpoint, fill
from derivintel.sources.http import HttpFetcher
from derivintel.sources.wire import RawResponse, RequestSpec

ScanKey = tuple[str, str]  # (provider, dataset)


def scan_sources(venues: Sequence[str] = (), *, disabled: frozenset[str] = frozenset()) -> tuple[BulkScan, ...]:
    """The registered bulk scans, restricted to ``venues`` (venue or provider names; empty: all) and without
    ``disabled`` providers."""
    wanted = set(venues)
    return tuple(
        s
        for s in registry.SCAN_SOURCES
        if s.provider not in disabled and (not wanted or s.venue in wanted or s.provider in wanted)
    )


def scan_venue_names() -> tuple[str, ...]:
    """Venue names the scan knows, in registry order."""
    return tuple(s.venue for s in registry.SCAN_SOURCES)


def scan_request(ep: Endpoint, config: SourceConfig) -> RequestSpec:
    """The concrete request of a bulk endpoint (no templates: bulk requests name no symbol)."""
    provider = registry.ALL_PROVIDERS[ep.provider]
    params = tuple((k, str(fill(v, {}))) for k, v in ep.params.items())
    body = dict(ep.body) if ep.body is not None else None
    url = config.base_url(ep.provider, provider.base_url) + ep.path
    return RequestSpec(ep.provider, ep.dataset, None, ep.method, url, params, body)


def build_universe(
    sources: Sequence[BulkScan],
    answers: Mapping[ScanKey, RawResponse],
    failures: Mapping[ScanKey, Gap],
    *,
    synthetic: bool = False,
) -> ScanUniverse:
    """Parse each venue's successful answers into rows; failures become gaps. Pure."""
    tickers: list[PerpTicker] = []
    gaps: list[Gap] = []
    for src in sources:
        bodies = {ds: answers[(src.provider, ds)].body for ds in src.datasets if (src.provider, ds) in answers}
        gaps += [failures[(src.provider, ds)] for ds in src.datasets if (src.provider, ds) in failures]
        primary = answers.get((src.provider, src.primary))
        if primary is None:
            if (src.provider, src.primary) not in failures:
                gaps.append(Gap(src.provider, src.primary, GapKind.UNAVAILABLE, "no answer"))
            continue
        try:
            parsed = src.parse(bodies, primary.ts_received)
        except BadPayloadError as exc:
            gaps.append(Gap(src.provider, src.primary, GapKind.BAD_PAYLOAD, exc.message))
            continue
        tickers += parsed.tickers
        failed = {(g.source, g.dataset) for g in gaps}
        # A dataset that failed to fetch is already a gap; the parser's "no answer" for it would repeat it.
        gaps += [g for g in parsed.gaps if (g.source, g.dataset) not in failed or g.kind is not GapKind.UNAVAILABLE]
    return ScanUniverse(
        tickers=tuple(tickers), venues=tuple(s.venue for s in sources), gaps=tuple(gaps), synthetic=synthetic
    )


def oi_requests(
    universe: ScanUniverse, sources: Sequence[BulkScan], config: SourceConfig, top: int
) -> list[tuple[BulkScan, PerpTicker, RequestSpec]]:
    """Per-symbol OI requests for the ``top`` largest-volume rows without OI of each venue that declares one."""
    out = []
    for src in sources:
        ep = src.oi_endpoint
        if ep is None or top <= 0:
            continue
        rows = sorted(
            (t for t in universe.for_venue(src.venue) if t.oi_base is None),
            key=lambda t: (-(t.volume_24h_usd or 0.0), t.venue_symbol),
        )
        provider = registry.ALL_PROVIDERS[ep.provider]
        url = config.base_url(ep.provider, provider.base_url) + ep.path
        for t in rows[:top]:
            params = tuple((k, str(fill(v, {"symbol": t.venue_symbol}))) for k, v in ep.params.items())
            out.append((src, t, RequestSpec(ep.provider, ep.dataset, t.asset, ep.method, url, params)))
    return out


def with_symbol_oi(
    universe: ScanUniverse,
    planned: Sequence[tuple[BulkScan, PerpTicker, RequestSpec]],
    answers: Mapping[str, RawResponse],
    failures: Mapping[str, Gap],
) -> ScanUniverse:
    """The universe with the per-symbol OI answers filled in (``answers``/``failures`` by venue symbol); failed or
    unreadable symbols keep no OI and are counted in one gap per venue. Pure."""
    filled: dict[tuple[str, str], PerpTicker] = {}
    problems: dict[str, list[str]] = {}
    for src, t, spec in planned:
        answer = answers.get(spec.label)
        reason = failures[spec.label].reason if spec.label in failures else "no answer"
        if answer is not None and src.oi_parse is not None:
            try:
                oi = src.oi_parse(answer.body, t.venue_symbol, answer.ts_received)
            except BadPayloadError as exc:
                reason = exc.message
            else:
                filled[(t.venue, t.venue_symbol)] = replace(t, oi_base=oi, oi_source=f"{spec.provider}/{spec.dataset}")
                continue
        problems.setdefault(src.provider, []).append(f"{t.venue_symbol}: {reason}")
    tickers = tuple(filled.get((t.venue, t.venue_symbol), t) for t in universe.tickers)
    gaps = list(universe.gaps)
    for provider, items in problems.items():
        ds = next(s.oi_endpoint.dataset for s, _t, _r in planned if s.provider == provider and s.oi_endpoint)
        gaps.append(
            Gap(provider, ds, GapKind.UNAVAILABLE, f"{len(items)} per-symbol OI request(s) failed; first: {items[0]}")
        )
    return replace(universe, tickers=tickers, gaps=tuple(gaps))


async def _gather(
    fetcher: HttpFetcher, specs: Sequence[tuple[str, RequestSpec]], budget_s: float
) -> tuple[dict[str, RawResponse], dict[str, Gap]]:
    """Fetch ``(key, spec)`` pairs concurrently (the fetcher's limits apply); answers and gaps by key."""
    answers: dict[str, RawResponse] = {}
    failures: dict[str, Gap] = {}

    async def one(key: str, spec: RequestSpec) -> None:
        try:
            answers[key] = await fetcher.fetch(spec)
        except SourceError as exc:
            failures[key] = error_gap(exc, spec.provider, spec.dataset, "")

    tasks = {asyncio.ensure_future(one(k, s)): (k, s) for k, s in specs}
    if tasks:
        _done, pending = await asyncio.wait(tasks, timeout=budget_s)
        for task in pending:
            task.cancel()
            key, spec = tasks[task]
            reason = f"no answer within the fetch budget of {budget_s:g} s"
            failures.setdefault(key, Gap(spec.provider, spec.dataset, GapKind.UNAVAILABLE, reason))
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    return answers, failures


async def fetch_universe(
    config: SourceConfig,
    *,
    venues: Sequence[str] = (),
    oi_top: int = 0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[ScanUniverse, list[RawResponse]]:
    """Fetch every bulk dataset of the selected venues concurrently (each provider's token bucket and concurrency
    cap apply) and build the universe; then, with ``oi_top`` > 0, ask the per-symbol OI of the ``oi_top``
    largest-volume perps of each venue without bulk OI (one request each, within that venue's rate limit).
    Returns the universe with every recorded HTTP answer."""
    sources = scan_sources(venues, disabled=config.disabled)
    specs = [scan_request(ep, config) for src in sources for ep in src.endpoints]
    async with httpx.AsyncClient(
        headers={"User-Agent": config.user_agent}, transport=transport, follow_redirects=True
    ) as client:
        fetcher = HttpFetcher(
            client=client,
            config=config,
            rate_limits={n: p.rate_limit for n, p in registry.ALL_PROVIDERS.items()},
            error_codes={n: p.error_codes for n, p in registry.ALL_PROVIDERS.items()},
        )
        got, failed = await _gather(fetcher, [(s.label, s) for s in specs], config.total_timeout_s)
        answers = {(s.provider, s.dataset): got[s.label] for s in specs if s.label in got}
        failures = {(s.provider, s.dataset): failed[s.label] for s in specs if s.label in failed}
        universe = build_universe(sources, answers, failures)
        planned = oi_requests(universe, sources, config, oi_top)
        if planned:
            oi_got, oi_failed = await _gather(fetcher, [(r.label, r) for _s, _t, r in planned], config.total_timeout_s)
            universe = with_symbol_oi(universe, planned, oi_got, oi_failed)
        recorded = list(fetcher.responses)
    return universe, recorded
