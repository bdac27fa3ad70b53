"""Fetch phase against the loopback fake venues with 300 ms added to every response: ``fetch_snapshot`` (concurrent
within each venue's declared rate limits, then parsed) against two baselines measured in the same run: the same
requests one after another, and the strongest simple alternative, ``asyncio.gather`` of every request at once with
no rate limit at all (the floor: what ignoring the venues' limits would give). Wall seconds (the work is waiting on
the network, not CPU), min / median / max over ``RUNS`` runs. Run: ``python bench/bench_fetch.py``."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchutil import ratio, spread

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sources.fakeserver

from tests.sources.fakeserver import FakeVenues

from derivintel.core.errors import SourceError
from derivintel.sources import registry
from derivintel.sources.declarations import RateLimit
from derivintel.sources.http import HttpFetcher
from derivintel.sources.live import fetch_snapshot
from derivintel.sources.plan import plan

LATENCY_S = 0.3
ASSETS = ("BTC", "ETH")


RUNS = 3
UNLIMITED = RateLimit(requests_per_s=1e9, burst=10**6, max_concurrent=10**6)


def _fetcher(client: httpx.AsyncClient, config, *, limited: bool) -> HttpFetcher:
    return HttpFetcher(
        client=client,
        config=config,
        rate_limits={n: p.rate_limit if limited else UNLIMITED for n, p in registry.PROVIDERS.items()},
        error_codes={n: p.error_codes for n, p in registry.PROVIDERS.items()},
    )


async def _one(fetcher: HttpFetcher, spec) -> None:
    with contextlib.suppress(SourceError):  # a failed endpoint still costs its round trip, as in fetch_snapshot
        await fetcher.fetch(spec)


async def sequential(config) -> int:
    """The same endpoints, one request at a time (fetch only, no parsing)."""
    specs = plan(list(ASSETS), config, end=datetime.now(UTC))
    async with httpx.AsyncClient() as client:
        fetcher = _fetcher(client, config, limited=True)
        for spec in specs:
            await _one(fetcher, spec)
    return len(specs)


async def gather_unlimited(config) -> int:
    """Every endpoint at once, no rate limit (fetch only, no parsing)."""
    specs = plan(list(ASSETS), config, end=datetime.now(UTC))
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=None)) as client:
        fetcher = _fetcher(client, config, limited=False)
        await asyncio.gather(*(_one(fetcher, spec) for spec in specs))
    return len(specs)


def wall_times(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    with FakeVenues(latency_s=LATENCY_S) as venues:
        config = venues.config(timeout_s=5.0, rate_limit_scale=1.0)  # the declared, real rate limits
        snapshot, raw = asyncio.run(fetch_snapshot(ASSETS[0], ASSETS[1:], config=config))
        ours = wall_times(lambda: asyncio.run(fetch_snapshot(ASSETS[0], ASSETS[1:], config=config)), RUNS)
        n = asyncio.run(sequential(config))
        seq = wall_times(lambda: asyncio.run(sequential(config)), RUNS)
        floor = wall_times(lambda: asyncio.run(gather_unlimited(config)), RUNS)
    print(f"endpoints: {n} requests for {'+'.join(ASSETS)}, {LATENCY_S * 1000:.0f} ms added latency each")
    print(f"wall seconds, min / median / max of {RUNS} runs")
    print(f"fetch_snapshot, rate-limited (fetch + parse): {spread(ours, 's')} ({len(raw)} responses, "
          f"{len(snapshot.gaps)} gaps)")  # fmt: skip
    print(f"baseline sequential (fetch only):             {spread(seq, 's')}  -> {ratio(seq, ours):.1f}x slower")
    print(f"baseline gather, no rate limit (fetch only):  {spread(floor, 's')}  -> ours {ratio(ours, floor):.1f}x it")


if __name__ == "__main__":
    main()
