"""Dated futures in the history store: codec round trip, idempotent writes, and the point-in-time read."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from derivintel.assessment.analyze import analyze_snapshot
from derivintel.core.provenance import GapKind
from derivintel.report.builder import build_report
from derivintel.sources.demo import build_demo_snapshot
from derivintel.store.history_store import HistoryStore
from derivintel.store.snapshot_at import build_snapshot_at


@pytest.fixture
def store(tmp_path: Path):
    with HistoryStore(tmp_path / "h.duckdb") as s:
        yield s


def _key(f):
    return (f.venue, f.venue_symbol, f.expiry, f.mark_price_usd, f.index_price_usd, f.oi_base, f.margin, f.source)


def test_futures_round_trip_and_are_idempotent(store: HistoryStore) -> None:
    snap = build_demo_snapshot("BTC", (), seed=3)
    futures = snap.assets["BTC"].futures
    assert store.write(list(futures)) == len(futures)
    assert store.write_futures(futures) == 0  # the same observations again insert nothing
    back = store.latest_futures("BTC", as_of=snap.as_of, max_age_s=3600)
    assert sorted(map(_key, back), key=str) == sorted(map(_key, futures), key=str)
    assert store.row_counts()["dated_futures"] == len(futures)


def test_point_in_time_read_keeps_only_live_recent_contracts(store: HistoryStore) -> None:
    snap = build_demo_snapshot("BTC", (), seed=3)
    futures = snap.assets["BTC"].futures
    store.write_snapshot(snap)
    t = futures[0].source.as_of
    # an hour later the demo observations are older than the 15-minute budget: none is "current"
    assert store.latest_futures("BTC", as_of=t + timedelta(hours=1), max_age_s=900) == []
    # a later observation of one contract supersedes the earlier one
    later = replace(futures[0], mark_price_usd=futures[0].mark_price_usd + 10,
                    source=replace(futures[0].source, as_of=t + timedelta(minutes=5)))  # fmt: skip
    store.write_futures([later])
    now = store.latest_futures("BTC", as_of=t + timedelta(minutes=6), max_age_s=900)
    same = [f for f in now if (f.venue, f.venue_symbol) == (later.venue, later.venue_symbol)]
    assert [f.mark_price_usd for f in same] == [later.mark_price_usd]
    assert len(now) == len(futures)
    # never a contract observed after as_of, and never one expired by as_of
    assert store.latest_futures("BTC", as_of=t - timedelta(seconds=1), max_age_s=900) == []
    first_expiry = min(f.expiry for f in futures)
    after = store.latest_futures("BTC", as_of=first_expiry, max_age_s=10**9)
    assert all(f.expiry > first_expiry for f in after)


def test_report_asof_shows_the_stored_curve(store: HistoryStore) -> None:
    snap = build_demo_snapshot("BTC", (), seed=3)
    store.write_snapshot(snap)
    past = build_snapshot_at(store, "BTC", as_of=snap.as_of)
    assert len(past.assets["BTC"].futures) == len(snap.assets["BTC"].futures)
    live = analyze_snapshot(snap).primary.basis_curve.value
    stored = analyze_snapshot(past).primary.basis_curve.value
    assert stored.cm_3m.basis_annualised == pytest.approx(live.cm_3m.basis_annualised)
    report = build_report(past, analyze_snapshot(past), generated_at=snap.as_of)
    assert report.metric("positioning.basis_curve.cm_3m").value == pytest.approx(live.cm_3m.basis_annualised)
    later = build_snapshot_at(store, "BTC", as_of=snap.as_of + timedelta(hours=2))
    assert later.assets["BTC"].futures == ()
    assert any(
        (g.dataset, g.asset) == ("dated_futures", "BTC") and g.kind is GapKind.INSUFFICIENT_HISTORY for g in later.gaps
    )
