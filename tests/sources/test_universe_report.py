"""``report`` for an asset outside the built-in list, end to end over the loopback venues and their instrument lists.

The loopback universe comes from the recorded instrument lists (``tests/fixtures/*/``): ATOM is listed on Hyperliquid
only (Hyperliquid ``meta`` recording). Hyperliquid's per-coin recordings are BTC's, so the fake venue relabels them
ATOM when asked for ATOM: this checks venue selection, symbols and the report path, not ATOM's values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.core.provenance import GapKind
from derivintel.report.builder import build_report
from derivintel.sources import registry
from derivintel.sources.live import fetch_snapshot
from derivintel.sources.universe import fetch_universe
from tests.sources.fakeserver import FakeVenues, fixture_path

NOW = datetime(2026, 3, 14, 5, tzinfo=UTC)
PERP_VENUES = ("binance-usdm", "bybit", "okx")


def _relabel(dataset: str, old: bytes, new: bytes):
    ep = registry.endpoint("hyperliquid", dataset)
    recorded = fixture_path(ep).read_bytes()

    def answer(args: Mapping[str, Any]) -> bytes:
        if dataset == "metaAndAssetCtxs" or args.get("coin") == "ATOM":
            return recorded.replace(b'"' + old + b'"', b'"' + new + b'"')
        return recorded

    return answer


@pytest.fixture(scope="module")
def venues() -> Iterator[FakeVenues]:
    with FakeVenues() as fake:
        fake.handlers[("hyperliquid", "metaAndAssetCtxs")] = _relabel("metaAndAssetCtxs", b"SOL", b"ATOM")
        for dataset in ("fundingHistory", "l2Book", "candleSnapshot"):
            fake.handlers[("hyperliquid", dataset)] = _relabel(dataset, b"BTC", b"ATOM")
        yield fake


def test_report_for_an_asset_listed_on_one_venue_only(venues: FakeVenues) -> None:
    config = venues.config()
    universe = asyncio.run(fetch_universe(config, now=NOW))
    assert "ATOM" in universe.assets
    venues.requests.clear()
    snapshot, _ = asyncio.run(fetch_snapshot("atomusdt", ("BTC",), config=config, universe=universe))
    assert snapshot.primary == "ATOM"

    asked = {(p, args.get("coin") or args.get("symbol") or args.get("instId")) for p, _d, args in venues.requests}
    assert ("hyperliquid", "ATOM") in asked
    assert not any(p in PERP_VENUES and sym and "ATOM" in sym for p, sym in asked)  # not listed there: not asked
    assert ("binance-usdm", "BTCUSDT") in asked  # BTC keeps its listed symbol

    atom = snapshot.assets["ATOM"]
    assert {p.venue for p in atom.perps} == {"hyperliquid"}
    unlisted = {g.source for g in snapshot.gaps if g.asset == "ATOM" and g.kind is GapKind.NOT_COVERED}
    assert unlisted == set(PERP_VENUES)

    report = build_report(snapshot, analyze_snapshot(snapshot, AnalysisOptions()), generated_at=NOW)
    assert report.symbol == "ATOM"
    assert report.secondary == ["BTC"]
    assert len(report.phases) == 10
    assert any("no USD-margined perp listed on okx" in item for item in report.data_limitations)
    assert "no listed options for ATOM" in report.tldr
