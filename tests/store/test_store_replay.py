"""Replay completeness (issue 14 §2): what a collection round stores rebuilds the live report at the same instant.

Two scenarios, each: one collection round into a fresh store, the live report built from the very same
observations, then ``build_snapshot_at(store, T)`` (the ``report --asof T`` path) and its report. The metric keys
with a value must be the same, and every value equal within ``REL_TOL`` (floats; the stored book levels are summed
in venue order, so depth sums may differ in the last bits), anything else exactly.

- loopback: the real connectors fetch every provider (keyless and keyed) from the loopback fake venues, on a
  clock frozen just after the recorded fixtures (their venue timestamps are 2024-06-01 07:00 UTC);
- demo: the SYNTHETIC demo scenario, whose long histories, books, chains and liquidations exercise every phase.

A key that cannot be replayed is listed below with its reason; a key missing in replay that is not listed fails.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from derivintel.app.pipeline import load_calibration
from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.report.builder import build_report
from derivintel.sources.demo import build_demo_snapshot
from derivintel.sources.live import build_snapshot_from_raw, fetch_raw
from derivintel.store import HistoryStore
from derivintel.store.collect import collect_once
from derivintel.store.snapshot_at import build_snapshot_at
from tests.sources.fakeserver import FakeVenues

REL_TOL = 1e-9
ABS_TOL = 1e-12
RECORDED_AT = datetime(2024, 6, 1, 7, 1, tzinfo=UTC)  # one minute after the fixtures' latest venue timestamp

# Keys present live but not in replay, with the reason. Nothing may be added here without one.
NOT_REPLAYED_LOOPBACK: dict[str, str] = {}
# Keys replayed with a different value because an input is not stored, with the reason (nothing else may differ).
_CASCADE = "the cascade uses observed Hyperliquid positions live; a snapshot round does not store them"
DIFFER_LOOPBACK: dict[str, str] = {}
DIFFER_DEMO: dict[str, str] = {
    **dict.fromkeys(
        (
            *(f"cascade.{s}_within_{b}_usd" for s in ("long", "short") for b in ("1pct", "2pct", "5pct")),
            *(f"cascade.asymmetry_{b}" for b in ("1pct", "2pct", "5pct")),
            *(
                f"cascade.{d}.{f}"
                for d in ("down", "up")
                for f in ("terminal_price", "forced_usd", "move", "move_low", "move_high", "waves", "extrapolated")
            ),
            *(
                f"cascade.{d}.wave{i}.{f}"
                for d in ("down", "up")
                for i in (1, 2, 3, 4)
                for f in ("forced_usd", "price")
            ),
            "cascade.observed_levels.used",
            "decision.short_squeeze_score",
            "decision.long_squeeze_score",
        ),
        _CASCADE,
    ),
}
NOT_REPLAYED_DEMO: dict[str, str] = {
    # Observed Hyperliquid positions come from `collect positions` (per-account polling into the positions tables),
    # not from the snapshot collector; the demo scenario's observed positions are not account reads, so a
    # snapshot-collection round has nothing to store for them.
    **{
        f"liquidity.observed.hyperliquid.{k}": "observed positions are stored by `collect positions`, not here"
        for k in (
            "accounts",
            "coverage",
            "leverage_median",
            "leverage_mix_distance",
            "long_cluster",
            "long_cluster_usd",
            "model_overlap",
            "model_overlap_baseline",
            "oldest_read_minutes",
            "positions",
            "short_cluster",
            "short_cluster_usd",
        )
    },
    "cascade.observed_levels.coverage": "the cascade uses observed positions, stored by `collect positions`",
}


def _metrics(snapshot: MarketSnapshot, store: Path) -> dict[str, object]:
    calibration = load_calibration(snapshot, store)
    report = build_report(
        snapshot, analyze_snapshot(snapshot, AnalysisOptions(), calibration), generated_at=snapshot.as_of
    )
    return {m.key: m.value for p in report.phases for m in p.metrics if m.value is not None}


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def _compare(
    live: MarketSnapshot,
    store: Path,
    primary: str,
    secondary: tuple[str, ...],
    allowed: dict[str, str],
    may_differ: dict[str, str] | None = None,
):
    with HistoryStore(store, read_only=True) as st:
        replay = build_snapshot_at(st, primary, secondary, live.as_of, require_price=True)
    for asset in (primary, *secondary):  # every option venue's chain, in the live order (Phase 5's venue table)
        assert list(replay.asset(asset).venue_options) == list(live.asset(asset).venue_options)
    got_live, got_replay = _metrics(live, store), _metrics(replay, store)
    print(f"replay: {len(got_replay)} of {len(got_live)} live metric keys, {len(got_live) - len(got_replay)} missing")
    missing = sorted(set(got_live) - set(got_replay) - set(allowed))
    assert not missing, f"{len(missing)} live metric(s) not replayed: {missing}"
    unexpected = sorted(set(allowed) - (set(got_live) - set(got_replay)))
    assert not unexpected, f"listed as not replayable but replayed (or absent live): {unexpected}"
    extra = sorted(set(got_replay) - set(got_live))
    assert not extra, f"replay has values the live report has not: {extra}"
    differ = {
        k: (got_live[k], got_replay[k])
        for k in got_live
        if k in got_replay and not _same(got_live[k], got_replay[k]) and k not in (may_differ or {})
    }
    assert not differ, f"values differ: {differ}"
    return got_live, got_replay


@pytest.fixture
def keyed_env(monkeypatch):
    # long fake keys: the fetch redacts every occurrence of a key in recorded bodies
    monkeypatch.setenv("COINGLASS_API_KEY", "test-coinglass-key-0123456789")
    monkeypatch.setenv("CRYPTOQUANT_API_KEY", "test-cryptoquant-key-0123456789")


def test_loopback_collection_round_replays_the_live_report(tmp_path, keyed_env):
    with FakeVenues(sleep_s=0.2) as fake:
        raw, failures, _keys = asyncio.run(fetch_raw(["BTC"], config=fake.config()))
    assert not failures
    raw = [dataclasses.replace(r, ts_sent=RECORDED_AT, ts_received=RECORDED_AT) for r in raw]  # the frozen clock
    live = build_snapshot_from_raw(raw, "BTC", (), as_of=RECORDED_AT)
    db = tmp_path / "history.duckdb"
    with HistoryStore(db) as st:
        status = collect_once(lambda asset: live, ["BTC"], st, now=RECORDED_AT)
    assert not status.failures
    assert status.inserted["order_books"] == len(live.asset("BTC").books) > 0
    assert status.inserted["aggregate_open_interest"] > 0
    assert status.inserted["aggregate_funding"] > 0
    btc = live.asset("BTC")
    assert set(btc.venue_options) == {"deribit_usdc", "binance"}  # the fixtures' other option venues, stored too
    assert btc.options is not None
    assert status.inserted["option_rows"] == len(btc.options) + sum(len(c) for c in btc.venue_options.values())
    got_live, got_replay = _compare(live, db, "BTC", (), NOT_REPLAYED_LOOPBACK, DIFFER_LOOPBACK)
    assert len(got_live) - len(got_replay) == len(NOT_REPLAYED_LOOPBACK)
    assert len(got_replay) >= 180  # 190 keys with a value on these fixtures, option venues included


def test_demo_collection_round_replays_the_live_report(tmp_path):
    live = build_demo_snapshot("BTC", ("ETH",), seed=7)  # SYNTHETIC scenario
    db = tmp_path / "history.duckdb"
    with HistoryStore(db) as st:
        status = collect_once(lambda asset: live, ["BTC"], st, now=live.as_of)
    assert not status.failures
    got_live, got_replay = _compare(live, db, "BTC", ("ETH",), NOT_REPLAYED_DEMO, DIFFER_DEMO)
    assert len(got_live) - len(got_replay) == len(NOT_REPLAYED_DEMO)
    assert len(got_replay) >= 345  # 355 of 368 with the option venues' chains stored


def test_a_missing_key_fails_the_comparison(tmp_path):
    live = build_demo_snapshot("BTC", ("ETH",), seed=7)
    db = tmp_path / "history.duckdb"
    with HistoryStore(db) as st:
        st.write_snapshot(
            dataclasses.replace(live, assets={**live.assets, "BTC": dataclasses.replace(live.asset("BTC"), books=())})
        )
    with pytest.raises(AssertionError, match=r"liquidity\.depth"):
        _compare(live, db, "BTC", ("ETH",), NOT_REPLAYED_DEMO, DIFFER_DEMO)
