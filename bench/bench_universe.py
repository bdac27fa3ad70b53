"""The instrument universe's cost per report: fetching the four venues' instrument lists from the loopback fake venues
with 300 ms added to every response, against the baseline measured in the same run, reading the 24 h cache written
by that fetch (what every report inside the TTL pays). Wall seconds, min / median / max over ``RUNS`` runs.
Run: ``python bench/bench_universe.py``."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchutil import ratio, spread

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sources.fakeserver

from tests.sources.fakeserver import FakeVenues

from derivintel.sources.universe import cache_path, fetch_universe, list_origin, load_universe

LATENCY_S = 0.3
RUNS = 5
NOW = datetime(2026, 3, 14, 5, tzinfo=UTC)


def main() -> None:
    with FakeVenues(latency_s=LATENCY_S) as venues, tempfile.TemporaryDirectory() as tmp:
        config = venues.config()
        origin = list_origin(config)
        path = cache_path(Path(tmp))
        fetched: list[float] = []
        cached: list[float] = []
        for _ in range(RUNS):
            path.unlink(missing_ok=True)
            t0 = time.perf_counter()
            universe = load_universe(
                path, now=NOW, fetch=lambda: asyncio.run(fetch_universe(config, now=NOW)), origin=origin
            )
            fetched.append(time.perf_counter() - t0)
            assert universe.covered
            assert path.exists()
            t0 = time.perf_counter()
            again = load_universe(path, now=NOW, fetch=None, origin=origin)
            cached.append(time.perf_counter() - t0)
            assert again.listings == universe.listings
        print(f"universe: {len(universe.listings)} listings, {len(universe.assets)} coins, 4 lists")
        print(f"fetch (4 lists, {LATENCY_S * 1000:.0f} ms latency): {spread(fetched)}")
        print(f"cache read (baseline, within the 24 h TTL): {spread(cached)}")
        print(f"fetch / cache: {ratio(fetched, cached):.0f}x")


if __name__ == "__main__":
    main()
