"""The anti-join insert (issue 14 §3): idempotent and repair-counting without a PRIMARY KEY constraint, one key once
even with two writers in one process, and unchanged on stores created with the constraint."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest

from derivintel.core.errors import CorruptStoreError
from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries
from derivintel.store import HistoryStore
from derivintel.store.schema import CANDLES

T0 = datetime(2024, 1, 1, tzinfo=UTC)
N = 500


def _candles(close_shift: float = 0.0, n: int = N) -> CandleSeries:
    ts = (np.datetime64("2024-01-01T00:00", "ms") + np.arange(n) * np.timedelta64(3600, "s")).astype("datetime64[ms]")
    x = np.arange(n, dtype=float) + 100.0
    src = Source("test", "klines", T0, T0)
    return CandleSeries("v", "BTC", "perp", 3600, ts, x, x + 2, x - 2, x + 1 + close_shift, x, None, src)


def _rows(db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    total, distinct = con.execute(
        "SELECT count(*), count(DISTINCT (venue, asset, market, interval_s, ts_event)) FROM candles"
    ).fetchone()
    con.close()
    return int(total), int(distinct)


def test_new_tables_have_no_primary_key_and_writes_stay_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    with HistoryStore(db) as st:
        assert st.write(_candles()) == N
        assert st.write(_candles()) == 0
        again = st.write(_candles(close_shift=0.5), replace=True)
        assert (int(again), again.replaced) == (0, N)  # every close differs: repaired, counted, not added
        assert st.write(_candles(close_shift=0.5), replace=True).replaced == 0
        longer = st.write(_candles(close_shift=0.5, n=N + 10), replace=True)
        assert (int(longer), longer.replaced) == (10, 0)
        (back,) = st.read("candles", "BTC")
        con = st.con
        kinds = {r[0] for r in con.execute("SELECT constraint_type FROM duckdb_constraints()").fetchall()}
    assert "PRIMARY KEY" not in kinds
    np.testing.assert_array_equal(back.close, _candles(close_shift=0.5, n=N + 10).close)
    assert _rows(db) == (N + 10, N + 10)


def test_two_writers_in_one_process_store_each_key_once(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    HistoryStore(db).close()
    stores = [HistoryStore(db) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    results: list[int] = []

    def write(st: HistoryStore) -> None:
        barrier.wait()
        for _ in range(5):
            results.append(int(st.write(_candles())))

    threads = [threading.Thread(target=write, args=(st,)) for st in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st in stores:
        st.close()
    assert sorted(results)[-1] == N  # exactly one write inserted the rows
    assert sum(results) == N
    assert _rows(db) == (N, N)


def test_a_store_created_with_primary_keys_still_takes_writes(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(CANDLES.ddl())  # as stores created before issue 14
    con.close()
    with HistoryStore(db) as st:
        assert st.write(_candles()) == N
        assert st.write(_candles()) == 0
        assert st.write(_candles(close_shift=1.0), replace=True).replaced == N
    assert _rows(db) == (N, N)


def test_prepare_on_first_use_takes_no_connection_until_the_first_write(tmp_path: Path) -> None:
    """The import's way of opening: nothing is opened (no file, no lock) until the first use, whose one connection
    creates the schema and writes; a damaged file is reported at that first use, in one line."""
    db = tmp_path / "h.duckdb"
    st = HistoryStore(db, prepare_on_first_use=True)
    assert not db.exists()
    assert st.write_candles(_candles()) == N
    st.close()
    assert _rows(db) == (N, N)
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"not a duckdb file at all" * 100)
    lazy = HistoryStore(damaged, prepare_on_first_use=True)  # constructing says nothing yet
    with pytest.raises(CorruptStoreError):
        lazy.write_candles(_candles())
    with pytest.raises(CorruptStoreError):
        HistoryStore(damaged)  # the default open reports it at once
