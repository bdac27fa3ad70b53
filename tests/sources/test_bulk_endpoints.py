"""The bulk (every perp at once) datasets of Bitget and Gate through the real fetch layer against the fake venues:
planned like any endpoint (``plan.build_request``), routed apart from the per-symbol endpoint on the same path,
parsed by the venue's ``parse_bulk`` into one ``PerpMetrics`` per perp; a failed venue is an error, not zeros."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from derivintel.core.errors import SourceError
from derivintel.sources import registry
from derivintel.sources.bitget import parse as bitget
from derivintel.sources.gate import parse as gate
from derivintel.sources.http import HttpFetcher
from derivintel.sources.plan import build_request
from tests.sources.fakeserver import FakeVenues

PARSE_BULK = {"bitget": bitget.parse_bulk, "gate": gate.parse_bulk}
END = datetime(2024, 6, 1, 7, tzinfo=UTC)


async def _fetch_bulk(venues: FakeVenues, **config) -> dict[str, dict[str, bytes]]:
    cfg = venues.config(**config)
    out: dict[str, dict[str, bytes]] = {}
    async with httpx.AsyncClient() as client:
        fetcher = HttpFetcher(
            client=client,
            config=cfg,
            rate_limits={n: p.rate_limit for n, p in registry.PROVIDERS.items()},
            error_codes={n: p.error_codes for n, p in registry.PROVIDERS.items()},
        )
        for ep in registry.BULK_ENDPOINTS:
            raw = await fetcher.fetch(build_request((ep.provider, ep.dataset, None), cfg, end=END))
            out.setdefault(ep.provider, {})[ep.dataset] = raw.body
    return out


def test_bulk_datasets_fetch_route_and_parse_to_one_perp_each() -> None:
    with FakeVenues() as venues:
        bodies = asyncio.run(_fetch_bulk(venues))
        hits = list(venues.hits)
    assert sorted(hits) == sorted((ep.provider, ep.dataset) for ep in registry.BULK_ENDPOINTS)
    for provider, parse in PARSE_BULK.items():
        perps = parse(bodies[provider], ts_recv=END)
        assert [p.asset for p in perps] == ["BTC", "ETH", "SOL"], provider
        assert all(p.venue == provider and p.funding_rate_1h is not None for p in perps)
        sol = next(p for p in perps if p.asset == "SOL")
        assert sol.funding_interval_hours == 4.0  # each perp's own interval, not the venue default


@pytest.mark.parametrize("fault", ["500", "451"])
def test_a_failed_bulk_venue_raises_a_source_error(fault: str) -> None:
    with FakeVenues(faults={"gate": fault}) as venues, pytest.raises(SourceError):
        asyncio.run(_fetch_bulk(venues, max_retries=0))
