"""The scan's live path against the loopback fake venues: one request per bulk dataset, faults become gaps."""

from __future__ import annotations

import asyncio

import pytest

from derivintel.core.provenance import GapKind
from derivintel.sources import registry
from derivintel.sources.scan_fetch import fetch_universe, scan_sources
from tests.sources.fakeserver import FakeVenues

EXPECTED_KIND = {
    "500": GapKind.UNAVAILABLE,
    "429": GapKind.UNAVAILABLE,
    "451": GapKind.BLOCKED,
    "truncated": GapKind.BAD_PAYLOAD,
    "renamed": GapKind.BAD_PAYLOAD,
    "null": GapKind.BAD_PAYLOAD,
}


@pytest.fixture(scope="module")
def venues():
    with FakeVenues(sleep_s=0.2) as fake:
        yield fake


def _scan(fake: FakeVenues, **kw):
    return asyncio.run(fetch_universe(fake.config(), **kw))


def test_every_venue_answers_with_one_request_per_bulk_dataset(venues):
    venues.hits.clear()
    venues.faults.clear()
    universe, raw = _scan(venues)
    n_requests = sum(len(s.endpoints) for s in registry.SCAN_SOURCES)
    assert len(venues.hits) == n_requests == len(raw)
    assert sorted(venues.hits) == sorted({(s.provider, d) for s in registry.SCAN_SOURCES for d in s.datasets})
    assert {t.venue for t in universe.tickers} == {"binance", "bybit", "okx", "hyperliquid", "bitget", "gate"}
    assert len(universe.tickers) == 18  # 3 perps per venue fixture, 6 venues
    # Binance has no bulk OI: the only gap, and it says so.
    assert [(g.source, g.kind) for g in universe.gaps] == [("binance-usdm", GapKind.NOT_COVERED)]


@pytest.mark.parametrize("fault", sorted(EXPECTED_KIND))
@pytest.mark.parametrize("provider", [s.provider for s in registry.SCAN_SOURCES])
def test_a_failing_venue_is_a_gap_and_the_others_stay(venues, provider, fault):
    venues.faults.clear()
    venues.faults[provider] = fault
    try:
        universe, _raw = _scan(venues)
    finally:
        venues.faults.clear()
    src = next(s for s in registry.SCAN_SOURCES if s.provider == provider)
    assert not universe.for_venue(src.venue)  # no rows, never zeros
    primary_gaps = [g for g in universe.gaps if g.source == provider and g.dataset == src.primary]
    assert primary_gaps
    assert primary_gaps[0].kind is EXPECTED_KIND[fault]
    others = {s.venue for s in registry.SCAN_SOURCES} - {src.venue}
    assert {t.venue for t in universe.tickers} == others


def test_venue_filter_asks_only_that_venue(venues):
    venues.faults.clear()
    venues.hits.clear()
    universe, _raw = _scan(venues, venues=("okx",))
    assert {p for p, _ in venues.hits} == {"okx"}
    assert universe.venues == ("okx",)
    assert scan_sources(("hyperliquid",), disabled=frozenset({"hyperliquid"})) == ()


def _binance_oi(args) -> bytes:
    """``/fapi/v1/openInterest`` for the asked symbol (the fixture's shape; 1000 coins, 2000 for ETHUSDT)."""
    symbol = args["symbol"]
    if symbol == "1000PEPEUSDT":
        return (500, b'{"code":-1121,"msg":"Invalid symbol."}')  # one symbol failing
    oi = "2000.000" if symbol == "ETHUSDT" else "1000.000"
    return f'{{"symbol":"{symbol}","openInterest":"{oi}","time":1717225200000}}'.encode()


def test_per_symbol_oi_for_the_largest_volume_rows_within_limits(venues):
    venues.faults.clear()
    venues.hits.clear()
    venues.handlers[("binance-usdm", "openInterest")] = _binance_oi
    try:
        universe, _raw = _scan(venues, venues=("binance",), oi_top=2)
    finally:
        venues.handlers.clear()
    asked = [args["symbol"] for p, ds, args in venues.requests[-2:] if ds == "openInterest"]
    assert sorted(asked) == ["BTCUSDT", "ETHUSDT"]  # the two largest 24h quote volumes of the fixture
    rows = {t.venue_symbol: t for t in universe.tickers}
    assert rows["ETHUSDT"].oi_base == 2000.0
    assert rows["ETHUSDT"].oi_source == "binance-usdm/openInterest"
    assert rows["1000PEPEUSDT"].oi_base is None  # not among the top 2


def test_a_failing_symbol_oi_is_counted_in_a_gap(venues):
    venues.faults.clear()
    venues.handlers[("binance-usdm", "openInterest")] = _binance_oi
    try:
        universe, _raw = _scan(venues, venues=("binance",), oi_top=3)
    finally:
        venues.handlers.clear()
    rows = {t.venue_symbol: t for t in universe.tickers}
    assert rows["BTCUSDT"].oi_base == 1000.0
    assert rows["1000PEPEUSDT"].oi_base is None
    gap = next(g for g in universe.gaps if g.dataset == "openInterest" and g.kind is GapKind.UNAVAILABLE)
    assert gap.reason.startswith("1 per-symbol OI request(s) failed; first: 1000PEPEUSDT")
