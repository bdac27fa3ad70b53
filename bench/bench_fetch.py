"""Fetch phase: every keyless endpoint concurrently vs one after another, against the loopback fake venues with
300 ms added to every response. Run: ``python bench/bench_fetch.py``. Prints seconds and the speed-up."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sources.fakeserver

from tests.sources.fakeserver import FakeVenues

from derivintel.core.errors import SourceError
from derivintel.sources import registry
from derivintel.sources.http import HttpFetcher
from derivintel.sources.live import fetch_snapshot

LATENCY_S = 0.3
ASSETS = ("BTC", "ETH")


async def sequential(config) -> int:
    """The same endpoints, one request at a time (same fetcher, same parsing budget excluded)."""
    specs = registry.plan(list(ASSETS), config, end=datetime.now(UTC))
    async with httpx.AsyncClient() as client:
        fetcher = HttpFetcher(
            client=client,
            config=config,
            rate_limits={n: p.rate_limit for n, p in registry.PROVIDERS.items()},
            retry_markers={n: p.retry_markers for n, p in registry.PROVIDERS.items()},
        )
        for spec in specs:
            # A failed endpoint still costs its round trip, as in the concurrent run.
            with contextlib.suppress(SourceError):
                await fetcher.fetch(spec)
    return len(specs)


def main() -> None:
    with FakeVenues(latency_s=LATENCY_S) as venues:
        config = venues.config(timeout_s=5.0, rate_limit_scale=1.0)  # the declared, real rate limits
        t0 = time.perf_counter()
        snapshot, raw = asyncio.run(fetch_snapshot(ASSETS[0], ASSETS[1:], config=config))
        concurrent_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        n = asyncio.run(sequential(config))
        sequential_s = time.perf_counter() - t0
    print(f"endpoints: {n} requests for {'+'.join(ASSETS)}, {LATENCY_S * 1000:.0f} ms added latency each")
    print(
        f"concurrent fetch_snapshot (fetch + parse): {concurrent_s:.2f} s ({len(raw)} responses, "
        f"{len(snapshot.gaps)} gaps)"
    )
    print(f"sequential baseline (fetch only):           {sequential_s:.2f} s")
    print(f"speed-up: {sequential_s / concurrent_s:.1f}x")


if __name__ == "__main__":
    main()
