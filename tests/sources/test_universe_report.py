"""``report`` for an asset outside the built-in list, end to end over the loopback venues and their instrument lists.

The loopback universe comes from the recorded instrument lists (``tests/fixtures/*/``): ATOM is listed on Hyperliquid
only (Hyperliquid ``meta`` recording). Hyperliquid's per-coin recordings are BTC's, so the fake venue relabels them
ATOM when asked for ATOM: this checks venue selection, symbols and the report path, not ATOM's values.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
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
    """The recorded answer with ``old`` relabelled ``new`` when asked for ``new`` (``metaAndAssetCtxs``: always)."""
    ep = registry.endpoint("hyperliquid", dataset)
    recorded = fixture_path(ep).read_bytes()

    def answer(args: Mapping[str, Any]) -> bytes:
        if dataset == "metaAndAssetCtxs" or args.get("coin") == new.decode():
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


def test_bundle_listing_is_asked_with_its_symbol_and_restated_per_coin() -> None:
    """Binance lists PEPE as 1000PEPEUSDT (price per 1000 PEPE): the recorded BTCUSDT answers relabelled
    1000PEPEUSDT give, per coin, the recorded prices ÷ 1000 and coin OI × 1000, with USD OI and the funding rate
    unchanged (its interval is 1000PEPEUSDT's own, from the recorded fundingInfo)."""
    from datetime import UTC, datetime

    from derivintel.domain.universe import Listing, Universe

    relabel = {}
    for ep in registry.ENDPOINTS:
        if ep.provider == "binance-usdm" and ep.per_asset:
            relabel[("binance-usdm", ep.dataset)] = fixture_path(ep).read_bytes().replace(b"BTCUSDT", b"1000PEPEUSDT")
    only = frozenset(registry.PROVIDERS) - {"binance-usdm"}
    with FakeVenues() as plain:
        btc, _ = asyncio.run(fetch_snapshot("BTC", config=plain.config(disabled=only)))
    with FakeVenues(overrides=relabel) as fake:
        pepe_listing = Listing("binance-usdm", "PEPE", "1000PEPEUSDT", "USDT", unit_multiplier=1000.0)
        universe = Universe.from_lists({"binance-usdm": [pepe_listing]}, as_of=datetime(2026, 3, 14, tzinfo=UTC))
        snapshot, _ = asyncio.run(fetch_snapshot("PEPE", config=fake.config(disabled=only), universe=universe))
        asked = {args.get("symbol") for p, _d, args in fake.requests if p == "binance-usdm"}
    assert asked - {None} == {"1000PEPEUSDT"}
    (ref,) = btc.assets["BTC"].perps
    (perp,) = snapshot.assets["PEPE"].perps
    assert perp.asset == "PEPE"
    assert perp.mark_price_usd == pytest.approx(ref.mark_price_usd / 1000)
    assert perp.oi_base == pytest.approx(ref.oi_base * 1000)
    assert perp.oi_usd == pytest.approx(ref.oi_usd)
    assert perp.funding_rate_interval == ref.funding_rate_interval  # rates are per contract value: unchanged
    ref_c = btc.assets["BTC"].candles_for(market="perp", interval_s=3600)
    c = snapshot.assets["PEPE"].candles_for(market="perp", interval_s=3600)
    np.testing.assert_allclose(c.close, ref_c.close / 1000)
    np.testing.assert_allclose(c.volume_base, ref_c.volume_base * 1000)
    (book,) = snapshot.assets["PEPE"].books
    (ref_book,) = btc.assets["BTC"].books
    np.testing.assert_allclose(book.bids[:, 0], ref_book.bids[:, 0] / 1000)
    np.testing.assert_allclose(book.bids[:, 1], ref_book.bids[:, 1] * 1000)
    assert {o.asset for o in snapshot.assets["PEPE"].open_interest} == {"PEPE"}


def test_hyperliquid_kpepe_is_pepe_per_coin() -> None:
    """Hyperliquid lists PEPE as ``kPEPE`` (1000 PEPE per unit): asked as kPEPE, restated per PEPE."""
    with FakeVenues() as fake:
        fake.handlers[("hyperliquid", "metaAndAssetCtxs")] = _relabel("metaAndAssetCtxs", b"BTC", b"kPEPE")
        for dataset in ("fundingHistory", "l2Book", "candleSnapshot"):
            fake.handlers[("hyperliquid", dataset)] = _relabel(dataset, b"BTC", b"kPEPE")
        config = fake.config(disabled=frozenset(registry.PROVIDERS) - {"hyperliquid"})
        universe = asyncio.run(fetch_universe(fake.config(), now=NOW))
        snapshot, _ = asyncio.run(fetch_snapshot("PEPE", config=config, universe=universe))
        coins = {args.get("coin") for p, _d, args in fake.requests if p == "hyperliquid"} - {None}
    assert coins == {"kPEPE"}
    (perp,) = snapshot.assets["PEPE"].perps
    assert (perp.asset, perp.venue_symbol) == ("PEPE", "kPEPE")
    ref = json.loads(fixture_path(registry.endpoint("hyperliquid", "metaAndAssetCtxs")).read_bytes())
    btc_ctx = ref[1][[u["name"] for u in ref[0]["universe"]].index("BTC")]
    assert perp.mark_price_usd == pytest.approx(float(btc_ctx["markPx"]) / 1000)
    assert perp.oi_base == pytest.approx(float(btc_ctx["openInterest"]) * 1000)
    assert {s.asset for s in snapshot.assets["PEPE"].funding} == {"PEPE"}
