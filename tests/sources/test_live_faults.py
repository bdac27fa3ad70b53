"""fetch_snapshot against the local fake venues: fault matrix, no-price error, replay from the raw archive."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
import pytest

from derivintel.assessment.analyze import analyze_snapshot
from derivintel.core.errors import NoPriceSourceError
from derivintel.core.provenance import GapKind
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.report.builder import build_report
from derivintel.report.markdown import render_markdown
from derivintel.sources import registry
from derivintel.sources.archive import load_raw, save_raw
from derivintel.sources.live import build_snapshot_from_raw, fetch_snapshot
from tests.sources.fakeserver import FAULTS, FakeVenues, fixture_path

PROVIDERS = tuple(registry.PROVIDERS)
# What each fault must become in the gap list (renamed/null/... are bad payloads; timeouts, 429 and 5xx unavailable).
EXPECTED_KIND = {
    "timeout": GapKind.UNAVAILABLE,
    "429": GapKind.UNAVAILABLE,
    "500": GapKind.UNAVAILABLE,
    "451": GapKind.BLOCKED,
    "403": GapKind.BLOCKED,
    "truncated": GapKind.BAD_PAYLOAD,
    "renamed": GapKind.BAD_PAYLOAD,
    "null": GapKind.BAD_PAYLOAD,
    "empty": GapKind.BAD_PAYLOAD,
    "nan": GapKind.BAD_PAYLOAD,
}


@pytest.fixture(scope="module")
def venues() -> Iterator[FakeVenues]:
    with FakeVenues(sleep_s=1.0) as fake:  # a timeout fault answers after 1 s; clients give up at 0.5 s
        yield fake


def observations(snapshot: MarketSnapshot) -> list[Any]:
    """Every sourced object in the snapshot (perps, series, books, chains, dated futures, option trades, macro)."""
    out: list[Any] = list(snapshot.macro.values())
    for data in snapshot.assets.values():
        out += [*data.perps, *data.candles, *data.open_interest, *data.funding, *data.long_short, *data.taker_volume]
        out += [*data.books, *([data.options] if data.options is not None else []), *data.futures]
        out += [*data.venue_options.values()]
        out += [data.option_trades] if data.option_trades is not None else []
    return out


def fetch(venues: FakeVenues, **config: Any) -> tuple[MarketSnapshot, list]:
    return asyncio.run(fetch_snapshot("BTC", config=venues.config(**config)))


def test_clean_run_has_every_dataset(venues: FakeVenues) -> None:
    venues.faults.clear()
    seen: list[tuple[str, str]] = []
    snapshot, raws = asyncio.run(
        fetch_snapshot("btc", config=venues.config(), progress=lambda label, state: seen.append((label, state)))
    )
    assert {g.kind for g in snapshot.gaps} == {GapKind.NOT_CONFIGURED}  # only the keyed sources
    assert len(seen) == len(registry.expected_keys(["BTC"]))
    assert all(state == "ok" for _, state in seen)
    btc = snapshot.assets["BTC"]
    assert {p.venue for p in btc.perps} == {"binance", "bybit", "okx", "hyperliquid", "bitget", "gate", "deribit"}
    # funding per hour on every venue: 0.0001/8h (binance, bybit, okx, bitget, gate), 0.0000125/1h (HL),
    # 0.00008/8h (deribit)
    assert sorted(round(p.funding_rate_1h, 9) for p in btc.perps) == [1e-5] + [1.25e-5] * 6
    # Gate sizes are contracts: 400,000,000 long contracts × 0.0001 BTC = 40,000 BTC single-sided
    assert next(p for p in btc.perps if p.venue == "gate").oi_base == 40_000.0
    # Phase 3 names every venue whose OI it sums (Deribit's inverse perp included: its USD OI ÷ mark is coins)
    report = build_report(snapshot, analyze_snapshot(snapshot), generated_at=snapshot.as_of)
    p3 = next(p for p in report.phases if p.number == 3)
    assert "sum of binance, bybit, okx, hyperliquid, bitget, gate, deribit;" in p3.summary
    # dated futures from every venue that lists them (Bybit: USDT, USDC and inverse; Deribit without its perp)
    assert {f.venue for f in btc.futures} == {"binance", "bybit", "okx", "deribit"}
    assert len(btc.futures) == 2 + 2 + 5 + 4 + 4  # Binance USD-M + COIN-M, Bybit, OKX, Deribit
    curve = analyze_snapshot(snapshot).primary.basis_curve.value  # the live path gives the curve
    assert curve is not None
    assert curve.venues == ("binance", "bybit", "deribit", "okx")
    assert curve.cm_3m.lower is not None
    assert curve.cm_3m.upper is not None
    assert btc.candles_for(market="perp", interval_s=3600) is not None
    assert btc.option_trades is not None
    assert len(btc.option_trades) == 4
    assert btc.candles_for(market="spot", interval_s=86_400) is not None
    assert set(snapshot.macro) >= {"vix", "nasdaq", "wti", "dxy", "btc_dominance", "stablecoin_supply", "dvol_btc"}
    assert set(btc.venue_options) == {"okx", "bybit", "binance", "deribit_usdc"}  # besides Deribit's inverse chain
    assert snapshot.as_of >= max(r.ts_received for r in raws)


def _has_object_keys(provider: str) -> bool:
    """Whether any of the provider's payloads holds a JSON object (a key that a rename can break)."""
    eps = [ep for ep in registry.ENDPOINTS if ep.provider == provider]
    return any(fixture_path(ep).suffix == ".csv" or b"{" in fixture_path(ep).read_bytes() for ep in eps)


# A key rename cannot happen in a payload without keys (Binance spot klines are arrays of arrays).
MATRIX = [(p, f) for p in PROVIDERS for f in FAULTS if f != "renamed" or _has_object_keys(p)]


@pytest.mark.parametrize(("provider", "fault"), MATRIX)
def test_fault_matrix(venues: FakeVenues, provider: str, fault: str) -> None:
    venues.faults.clear()
    venues.faults[provider] = fault
    # Keep each run small: the faulted provider plus one healthy price venue (the clean run covers all at once).
    companion = "okx" if provider == "hyperliquid" else "hyperliquid"
    off = frozenset(PROVIDERS) - {provider, companion}
    try:
        # 0.5 s leaves a loaded 2-core CI machine room to answer the healthy venue in time.
        snapshot, _ = fetch(venues, timeout_s=0.5, disabled=off)
    finally:
        venues.faults.clear()
    failed = {(g.source, g.dataset) for g in snapshot.gaps if g.source == provider}
    assert failed, f"{provider} under {fault} left no gap"
    assert {g.kind for g in snapshot.gaps if g.source == provider} == {EXPECTED_KIND[fault]}
    present = {(o.source.name, o.source.dataset) for o in observations(snapshot)}
    assert not failed & present, f"values from failed datasets leaked: {failed & present}"
    if fault != "renamed":  # keyless arrays (klines, candles) survive a key rename; every other fault kills all
        datasets = {k[1] for k in registry.expected_keys(["BTC"]) if k[0] == provider}
        assert {d for _, d in failed} == datasets
        assert not any(name == provider for name, _ in present)
    assert any(p.venue == companion for p in snapshot.assets["BTC"].perps)  # the healthy venue still prices BTC
    # The report is still produced, lists every failed dataset under data limitations, and cites none of them.
    report = build_report(snapshot, analyze_snapshot(snapshot), generated_at=snapshot.as_of)
    render_markdown(report)
    limitations = " ".join(report.data_limitations)
    failed_labels = {f"{src}/{dataset}" for src, dataset in failed}
    assert all(label in limitations for label in failed_labels), failed_labels - set(limitations.split())
    cited = {label for m in report.all_metrics() for label in m.source.split(", ")}
    assert not failed_labels & cited, f"metrics cite failed sources: {failed_labels & cited}"


def test_no_price_source_raises(venues: FakeVenues) -> None:
    venues.faults.update(dict.fromkeys(PROVIDERS, "500"))
    try:
        with pytest.raises(NoPriceSourceError, match="no price source answered for BTC"):
            fetch(venues, max_retries=0)
    finally:
        venues.faults.clear()


def test_disabled_provider_is_a_gap_and_not_called(venues: FakeVenues) -> None:
    venues.faults.clear()
    venues.hits.clear()
    snapshot, _ = fetch(venues, disabled=frozenset({"okx"}))
    assert not any(p == "okx" for p, _ in venues.hits)
    assert any(g.source == "okx" and g.kind is GapKind.NOT_CONFIGURED for g in snapshot.gaps)
    assert "okx" not in {p.venue for p in snapshot.assets["BTC"].perps}


def test_keyed_sources_with_and_without_key() -> None:
    from derivintel.sources.live import keyed_source_gaps

    kinds = {g.source: g.kind for g in keyed_source_gaps({"COINGLASS_API_KEY": "k"})}
    assert kinds == {"coinglass": GapKind.NOT_COVERED, "cryptoquant": GapKind.NOT_CONFIGURED}


def canon(obj: Any) -> Any:
    """Comparable structure of a snapshot (arrays as lists, NaN-safe)."""
    if isinstance(obj, np.ndarray):
        return (
            "array",
            str(obj.dtype),
            np.where(np.isnan(obj), None, obj).tolist() if obj.dtype.kind == "f" else obj.tolist(),
        )
    if is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, tuple((f.name, canon(getattr(obj, f.name))) for f in fields(obj)))
    if isinstance(obj, dict) or hasattr(obj, "items"):
        return tuple(sorted((k, canon(v)) for k, v in obj.items()))
    if isinstance(obj, list | tuple):
        return tuple(canon(v) for v in obj)
    return obj


def test_save_load_replay_gives_the_same_snapshot(venues: FakeVenues, tmp_path) -> None:
    venues.faults.clear()
    venues.faults["bybit"] = "500"  # recorded failures must replay as the same gaps
    try:
        live, raws = asyncio.run(fetch_snapshot("BTC", ["ETH"], config=venues.config(max_retries=0)))
    finally:
        venues.faults.clear()
    save_raw(raws, tmp_path / "archive")
    loaded = load_raw(tmp_path / "archive")
    assert [(r.key, r.status, r.body, r.ts_received) for r in loaded] == [
        (r.key, r.status, r.body, r.ts_received) for r in raws
    ]
    original = build_snapshot_from_raw(raws, "BTC", ["ETH"])
    replayed = build_snapshot_from_raw(loaded, "BTC", ["ETH"])
    assert canon(original) == canon(replayed)
    assert any(g.source == "bybit" and g.kind is GapKind.UNAVAILABLE for g in replayed.gaps)
    # ETH: fixtures are BTC payloads, so symbol-checked venues refuse them; Hyperliquid's ctx list holds ETH.
    eth = replayed.assets["ETH"]
    assert [p.venue for p in eth.perps] == ["hyperliquid"]
    assert any(g.kind is GapKind.BAD_PAYLOAD and "ETH" in g.reason for g in replayed.gaps)
    # the live snapshot holds the same observations as the replay (only as_of/gap wording may differ)
    assert canon(observations(live)) == canon(observations(replayed))
    tampered = next((tmp_path / "archive" / "bodies").iterdir())
    tampered.write_bytes(tampered.read_bytes() + b" ")
    with pytest.raises(Exception, match="sha256"):
        load_raw(tmp_path / "archive")
