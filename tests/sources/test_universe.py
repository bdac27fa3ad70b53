"""The universe fetch against the loopback fake venues (fault per venue) and its TTL cache (injected clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.universe import Listing, Universe
from derivintel.sources import registry
from derivintel.sources.universe import (
    cache_path,
    fetch_universe,
    load_universe,
    read_cache,
    universe_from_json,
    universe_to_json,
)
from tests.sources.fakeserver import FakeVenues

T0 = datetime(2026, 3, 14, 5, tzinfo=UTC)
VENUES = tuple(item.endpoint.provider for item in registry.INSTRUMENT_LISTS)


@pytest.fixture(scope="module")
def venues() -> Iterator[FakeVenues]:
    with FakeVenues(sleep_s=1.0) as fake:
        yield fake


def fetch(venues: FakeVenues, **config) -> Universe:
    return asyncio.run(fetch_universe(venues.config(**config), now=T0))


def test_fetch_reads_every_venue_list(venues: FakeVenues) -> None:
    venues.faults.clear()
    universe = fetch(venues)
    assert universe.covered == frozenset(VENUES)
    assert not universe.gaps
    assert universe.listing("okx", "BTC").symbol == "BTC-USDT-SWAP"
    assert universe.listing("okx", "BTC").contract_size_base == 0.01
    assert universe.listed_on("ATOM") == ("hyperliquid",)
    assert universe.lacks("binance-usdm", "ATOM")
    assert not universe.lacks("binance-usdm", "BTC")
    assert universe.as_of == T0
    assert {"BTC", "ETH", "ATOM", "PEPE", "BONK"} <= universe.assets


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("500", GapKind.UNAVAILABLE),
        ("451", GapKind.BLOCKED),
        ("timeout", GapKind.UNAVAILABLE),
        ("truncated", GapKind.BAD_PAYLOAD),
        ("null", GapKind.BAD_PAYLOAD),
    ],
)
def test_a_failed_list_is_a_gap_not_an_empty_venue(venues: FakeVenues, venue: str, fault: str, kind: GapKind) -> None:
    venues.faults.clear()
    venues.faults[venue] = fault
    try:
        universe = fetch(venues, timeout_s=0.5)
    finally:
        venues.faults.clear()
    assert [(g.source, g.kind) for g in universe.gaps] == [(venue, kind)]
    assert universe.covered == frozenset(VENUES) - {venue}
    # the failed venue is not "covered": it keeps its declared symbol template, nothing is skipped there
    assert universe.skip_reason(venue, "BTC") is None
    assert universe.skip_reason(venue, "ATOM") is None


def test_disabled_venue_is_not_asked(venues: FakeVenues) -> None:
    venues.faults.clear()
    venues.hits.clear()
    universe = fetch(venues, disabled=frozenset({"bybit"}))
    assert "bybit" not in universe.covered
    assert not universe.gaps
    assert not any(p == "bybit" for p, _ in venues.hits)


def _universe(as_of: datetime, *, gaps: tuple[Gap, ...] = ()) -> Universe:
    lists = {"hyperliquid": [Listing("hyperliquid", "ATOM", "ATOM", "USDC", funding_interval_hours=1.0)]}
    return Universe.from_lists(lists, as_of=as_of, gaps=gaps)


class Fetcher:
    """Counts calls; returns the universe it was given (fetched 'now')."""

    def __init__(self, result: Universe) -> None:
        self.result = result
        self.calls = 0

    def __call__(self) -> Universe:
        self.calls += 1
        return self.result


def test_cache_round_trip() -> None:
    u = _universe(T0)
    back = universe_from_json(universe_to_json(u))
    assert back.listings == u.listings
    assert back.covered == u.covered
    assert back.as_of == T0


def test_ttl_cache_with_an_injected_clock(tmp_path: Path) -> None:
    path = cache_path(tmp_path)
    first = Fetcher(_universe(T0))
    assert load_universe(path, now=T0, fetch=first).assets == {"ATOM"}
    assert first.calls == 1
    assert path.exists()
    later = Fetcher(_universe(T0 + timedelta(hours=23)))
    cached = load_universe(path, now=T0 + timedelta(hours=23, minutes=59), fetch=later)
    assert later.calls == 0
    assert cached.as_of == T0
    expired = Fetcher(_universe(T0 + timedelta(hours=25)))
    fresh = load_universe(path, now=T0 + timedelta(hours=25), fetch=expired)
    assert expired.calls == 1
    assert fresh.as_of == T0 + timedelta(hours=25)
    assert read_cache(path)[0].as_of == T0 + timedelta(hours=25)  # rewritten


def test_partial_fetch_is_used_but_not_cached(tmp_path: Path) -> None:
    path = cache_path(tmp_path)
    gap = Gap("binance-usdm", "instruments-list", GapKind.BLOCKED, "instrument list: HTTP 451")
    universe = load_universe(path, now=T0, fetch=Fetcher(_universe(T0, gaps=(gap,))))
    assert universe.gaps == (gap,)
    assert universe.assets == {"ATOM"}
    assert any("failed for binance-usdm" in n for n in universe.notes)
    assert not path.exists()


def test_stale_cache_when_every_list_fails(tmp_path: Path) -> None:
    path = cache_path(tmp_path)
    load_universe(path, now=T0, fetch=Fetcher(_universe(T0)))
    gap = Gap("okx", "instruments", GapKind.UNAVAILABLE, "instrument list: timeout")
    failing = Fetcher(Universe.from_lists({}, as_of=T0 + timedelta(days=3), gaps=(gap,)))
    universe = load_universe(path, now=T0 + timedelta(days=3), fetch=failing)
    assert failing.calls == 1
    assert universe.assets == {"ATOM"}
    assert universe.as_of == T0
    assert universe.gaps == (gap,)
    assert any("stale" in n for n in universe.notes)


def test_no_cache_no_network_falls_back_to_builtin_assets(tmp_path: Path) -> None:
    universe = load_universe(cache_path(tmp_path), now=T0, fetch=None)
    assert universe.builtin
    assert universe.assets == {"BTC", "ETH", "SOL", "XRP", "BNB", "DOGE"}
    assert "built-in assets" in universe.notes[0]
    assert universe.skip_reason("binance-usdm", "BTC") is None  # nothing is skipped without a list


def test_cache_from_other_base_urls_is_not_used(tmp_path: Path) -> None:
    path = cache_path(tmp_path)
    loopback = {"okx": "http://127.0.0.1:9/okx"}
    load_universe(path, now=T0, fetch=Fetcher(_universe(T0)), origin=loopback)
    assert load_universe(path, now=T0, fetch=None, origin=loopback).assets == {"ATOM"}
    real = load_universe(path, now=T0, fetch=None, origin={"okx": "https://www.okx.com"})
    assert real.builtin
    assert "other base URLs" in real.notes[0]


def test_unreadable_cache_is_ignored_with_a_note(tmp_path: Path) -> None:
    path = cache_path(tmp_path)
    path.write_text("{not json")
    universe = load_universe(path, now=T0, fetch=None)
    assert universe.builtin
    assert "unreadable" in universe.notes[0]
