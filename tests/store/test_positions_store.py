"""Positions tables: known addresses with first/last seen, account snapshots, failures kept apart from zeros.

Contract tests: each runs on every backend of ``conftest.BACKENDS`` (DuckDB, chDB; a ClickHouse server opt-in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.core.provenance import Source
from derivintel.domain.positions import AccountState, AddressSighting, MarginSummary, ObservedPosition
from derivintel.store import HistoryStore
from derivintel.store.positions_store import PositionsStore

T0 = datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
A, B, C = ("0x" + ch * 40 for ch in "abc")


def _state(address: str, at: datetime, *positions: ObservedPosition, notional: float = 1000.0) -> AccountState:
    return AccountState(
        address,
        positions,
        MarginSummary(5000.0, notional, 100.0, 4000.0),
        Source("hyperliquid", "clearinghouseState", at, at + timedelta(seconds=1)),
    )


def _pos(coin: str, size: float, liq: float | None) -> ObservedPosition:
    return ObservedPosition(coin, size, 100.0, liq, 10.0, liq is None, 10.0, abs(size) * 100.0)


@pytest.fixture
def ps(tmp_path, store_at):
    with HistoryStore(store_at(tmp_path, "h")) as store:
        yield PositionsStore(store)


def test_addresses_first_last_seen_and_priority(ps: PositionsStore) -> None:
    seen = [
        AddressSighting(A, "BTC", T0, 100.0, "1"),
        AddressSighting(B, "BTC", T0 + timedelta(minutes=5), 5000.0, "2"),
        AddressSighting(A, "ETH", T0 + timedelta(minutes=9), 50.0, "3"),
    ]
    assert ps.record_sightings(seen) == 2
    assert ps.record_sightings(seen[:2]) == 0  # the same trades again (overlapping answers): counted once
    assert ps.record_sightings([AddressSighting(A, "BTC", T0 - timedelta(hours=1), 10.0, "0")]) == 0
    rows = {r.address: r for r in ps.addresses()}
    assert rows[A].first_seen == T0 - timedelta(hours=1)
    assert rows[A].last_seen == T0 + timedelta(minutes=9)
    assert rows[A].trades == 3
    assert rows[A].notional_usd == pytest.approx(160.0)
    # Most traded first until an account read tells its size; then the largest account first.
    assert [r.address for r in ps.addresses()] == [B, A]
    ps.write_account(_state(A, T0, notional=1e6))
    assert [r.address for r in ps.addresses()] == [A, B]


def test_observed_positions_point_in_time_and_failures(ps: PositionsStore) -> None:
    ps.record_sightings([AddressSighting(a, "BTC", T0, 1.0, "7") for a in (A, B, C)])
    ps.write_account(_state(A, T0, _pos("BTC", 1.0, 90.0), _pos("ETH", -2.0, 120.0)))
    ps.write_account(_state(A, T0 + timedelta(minutes=10), _pos("BTC", 3.0, 95.0)))  # newer read replaces
    ps.write_account(_state(B, T0 + timedelta(minutes=2)))  # flat: observed, no positions
    ps.record_failure(C, T0 + timedelta(minutes=3), "hyperliquid/clearinghouseState: HTTP 429")
    assert ps.write_account(_state(B, T0 + timedelta(minutes=2))) == 0  # idempotent

    obs = ps.observed_positions("BTC", as_of=T0 + timedelta(minutes=15), max_age=timedelta(hours=1))
    assert obs is not None
    assert obs.size_base.tolist() == [3.0]
    assert obs.accounts_observed == 2
    assert obs.accounts_failed == 1  # C: unknown, not flat
    assert obs.observed_at[0] == np.datetime64("2024-06-01T07:10:00", "ms")

    before = ps.observed_positions("BTC", as_of=T0 + timedelta(minutes=5), max_age=timedelta(hours=1))
    assert before is not None
    assert before.size_base.tolist() == [1.0]  # the later read was not known yet
    assert before.liquidation_price_usd.tolist() == [90.0]

    eth = ps.observed_positions("ETH", as_of=T0 + timedelta(minutes=5), max_age=timedelta(hours=1))
    assert eth is not None
    assert eth.size_base.tolist() == [-2.0]

    assert ps.observed_positions("BTC", as_of=T0 - timedelta(minutes=1), max_age=timedelta(hours=1)) is None
    assert ps.observed_positions("BTC", as_of=T0 + timedelta(hours=3), max_age=timedelta(hours=1)) is None
    assert ps.counts() == {
        "hl_sightings": 3,
        "hl_addresses": 3,
        "hl_account_snapshots": 3,
        "hl_positions": 3,
        "hl_poll_failures": 1,
    }


def test_no_liquidation_price_round_trips_as_nan(ps: PositionsStore) -> None:
    ps.write_account(_state(A, T0, _pos("BTC", 1.0, None)))
    obs = ps.observed_positions("BTC", as_of=T0, max_age=timedelta(minutes=1))
    assert obs is not None
    assert np.isnan(obs.liquidation_price_usd[0])
    assert bool(obs.is_cross[0])


def test_snapshot_at_carries_observed_positions_point_in_time(tmp_path, store_at) -> None:
    from derivintel.store.snapshot_at import build_snapshot_at

    path = store_at(tmp_path, "h")
    with HistoryStore(path) as store:
        assert build_snapshot_at(store, "BTC", as_of=T0).asset("BTC").observed_positions is None  # never collected
        PositionsStore(store).write_account(_state(A, T0, _pos("BTC", 1.0, 90.0)))
    with HistoryStore(path, read_only=True) as store:
        at = build_snapshot_at(store, "BTC", as_of=T0 + timedelta(minutes=1)).asset("BTC").observed_positions
        before = build_snapshot_at(store, "BTC", as_of=T0 - timedelta(minutes=1)).asset("BTC").observed_positions
    assert at is not None
    assert at.size_base.tolist() == [1.0]
    assert before is None


def test_select_for_round_rotates_beyond_the_cap() -> None:
    from derivintel.store.positions_collect import select_for_round
    from derivintel.store.positions_store import KnownAddress

    def k(i: int, read_min: int | None) -> KnownAddress:
        read = None if read_min is None else T0 + timedelta(minutes=read_min)
        return KnownAddress(f"a{i}", T0, T0, 1, 100.0 - i, None, read)

    known = [k(0, 10), k(1, 10), k(2, 5), k(3, None), k(4, 1), k(5, 10)]
    assert select_for_round(known, 10) == [f"a{i}" for i in range(6)]
    # Cap 4: the two top-priority addresses, then never read (a3) and the oldest read (a4).
    assert select_for_round(known, 4) == ["a0", "a1", "a3", "a4"]
    assert select_for_round(known, 0) == []


def test_source_as_of_is_the_oldest_read_used(ps: PositionsStore) -> None:
    ps.write_account(_state(A, T0, _pos("BTC", 1.0, 90.0)))
    ps.write_account(_state(B, T0 + timedelta(minutes=20), _pos("BTC", 2.0, 80.0)))
    obs = ps.observed_positions("BTC", as_of=T0 + timedelta(minutes=30), max_age=timedelta(hours=1))
    assert obs is not None
    assert obs.source.as_of == T0
    assert obs.source.fetched_at == T0 + timedelta(minutes=20, seconds=1)


def test_more_addresses_than_one_in_list_are_counted_once(ps: PositionsStore) -> None:
    """Batches wider than one ``IN (...)`` chunk (1000 addresses): new ones counted once, repeats ignored."""
    many = [AddressSighting(f"0x{i:040x}", "BTC", T0 + timedelta(seconds=i), 10.0, str(i)) for i in range(2300)]
    assert ps.record_sightings(many) == 2300
    assert ps.record_sightings([*many[1000:], AddressSighting(many[5].address, "ETH", T0, 5.0, "x")]) == 0
    rows = {r.address: r for r in ps.addresses()}
    assert len(rows) == 2300
    assert rows[many[5].address].trades == 2
    assert rows[many[5].address].notional_usd == pytest.approx(15.0)
    assert ps.counts()["hl_sightings"] == 2301


def test_store_with_primary_keys_from_before_keeps_working(tmp_path) -> None:
    """DuckDB stores whose positions tables were created with primary keys (before the backend seam) take the same
    writes: aggregates refreshed and the account notional set, rows replaced in place."""
    from derivintel.store.positions_store import POSITION_TABLES

    path = tmp_path / "old.duckdb"
    with HistoryStore(path) as store, store.session() as con:
        for table in POSITION_TABLES:
            con.execute(table.ddl())  # the old DDL, primary key included
    with HistoryStore(path) as store:
        ps = PositionsStore(store)
        assert ps.record_sightings([AddressSighting(A, "BTC", T0, 100.0, "1")]) == 1
        assert ps.record_sightings([AddressSighting(A, "BTC", T0 + timedelta(minutes=1), 50.0, "2")]) == 0
        ps.write_account(_state(A, T0, notional=7e5))
        ps.write_account(_state(A, T0 + timedelta(minutes=5), notional=8e5))
        (row,) = ps.addresses()
        pk = store._exec("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'")[0][0]
    assert pk == len(POSITION_TABLES)
    assert (row.trades, row.notional_usd, row.account_notional_usd) == (2, 150.0, 8e5)
    assert row.last_read == T0 + timedelta(minutes=5)


def test_another_stores_positions_are_not_seen(tmp_path, store_at) -> None:
    """Two stores on one backend (on a server: two databases): positions collected into one are not in the other."""
    from derivintel.store.positions_store import stored_observed_positions

    with HistoryStore(store_at(tmp_path, "a")) as a:
        PositionsStore(a).write_account(_state(A, T0, _pos("BTC", 1.0, 90.0)))
    with HistoryStore(store_at(tmp_path, "b")) as b:
        assert not b.has_table("hl_account_snapshots")
        assert stored_observed_positions(b, "BTC", as_of=T0, max_age=timedelta(hours=1)) is None
