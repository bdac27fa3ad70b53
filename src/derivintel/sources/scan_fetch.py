"""``derivintel scan`` at the edge: one bulk request per dataset of each venue (``registry.SCAN_SOURCES``),
fetched concurrently under each provider's declared rate limit, parsed by the venue's ``parse_scan``.

``fetch_universe`` does the I/O; ``build_universe`` is the pure step from recorded answers to a ``ScanUniverse``.
A venue whose primary dataset fails is a gap with no rows (never zeros); an enrichment dataset that fails is a gap
in its columns only. Generic: no venue is named here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

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


async def fetch_universe(
    config: SourceConfig,
    *,
    venues: Sequence[str] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[ScanUniverse, list[RawResponse]]:
    """Fetch every bulk dataset of the selected venues concurrently (each provider's token bucket and concurrency
    cap apply) and build the universe. Returns it with every recorded HTTP answer."""
    sources = scan_sources(venues, disabled=config.disabled)
    specs = [scan_request(ep, config) for src in sources for ep in src.endpoints]
    answers: dict[ScanKey, RawResponse] = {}
    failures: dict[ScanKey, Gap] = {}
    async with httpx.AsyncClient(
        headers={"User-Agent": config.user_agent}, transport=transport, follow_redirects=True
    ) as client:
        fetcher = HttpFetcher(
            client=client,
            config=config,
            rate_limits={n: p.rate_limit for n, p in registry.ALL_PROVIDERS.items()},
            error_codes={n: p.error_codes for n, p in registry.ALL_PROVIDERS.items()},
        )

        async def one(spec: RequestSpec) -> None:
            key = (spec.provider, spec.dataset)
            try:
                answers[key] = await fetcher.fetch(spec)
            except SourceError as exc:
                failures[key] = error_gap(exc, spec.provider, spec.dataset, "")

        tasks = {asyncio.ensure_future(one(s)): s for s in specs}
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=config.total_timeout_s)
            for task in pending:
                task.cancel()
                spec = tasks[task]
                reason = f"no answer within the fetch budget of {config.total_timeout_s:g} s"
                gap = Gap(spec.provider, spec.dataset, GapKind.UNAVAILABLE, reason)
                failures.setdefault((spec.provider, spec.dataset), gap)
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        recorded = list(fetcher.responses)
    return build_universe(sources, answers, failures), recorded
