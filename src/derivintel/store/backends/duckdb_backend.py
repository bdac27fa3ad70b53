"""The DuckDB backend (the default): one file, primary keys, ``INSERT OR IGNORE`` batches in one transaction.

Writes are crash-safe (DuckDB's write-ahead log makes a committed batch durable; a process killed mid-batch loses
only that batch). No connection is held between operations: each one opens a short-lived connection (read-write for
writers, read-only for readers) with bounded retry while another process holds the file lock.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from derivintel.core.errors import CorruptStoreError
from derivintel.store.backends.base import (
    LOCK_TIMEOUT_S,
    PROV_COLUMNS,
    Inserted,
    LockBusyError,
    StoreBackend,
    open_with_retry,
)
from derivintel.store.location import StoreLocation
from derivintel.store.schema import Table

_HEADER_BYTES = 3 * 4096  # DuckDB file header + two database headers precede the blocks
_LOCK_MARKERS = ("could not set lock", "conflicting lock", "lock on file")


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(m in text for m in _LOCK_MARKERS)


def connect_with_retry(
    path: Path,
    *,
    read_only: bool,
    timeout_s: float = LOCK_TIMEOUT_S,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> duckdb.DuckDBPyConnection:
    """Open ``path``; while another process holds the file lock, retry with a jittered exponential back-off
    (1 ms doubling to 50 ms) for up to ``timeout_s`` seconds, then raise ``UserInputError`` (the store is busy).
    Any other open error is ``CorruptStoreError``."""

    def attempt() -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if _is_lock_error(exc):
                raise LockBusyError(str(exc)) from exc
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CorruptStoreError(f"cannot open history store {path}: {first}") from exc

    return open_with_retry(attempt, str(path), timeout_s=timeout_s, sleep=sleep, clock=clock)


class DuckDBBackend(StoreBackend):
    """A DuckDB file (``location.path``)."""

    name = "duckdb"

    def __init__(self, location: StoreLocation, *, read_only: bool, lock_timeout_s: float) -> None:
        super().__init__(location, read_only=read_only, lock_timeout_s=lock_timeout_s)
        assert location.path is not None
        self.path: Path = location.path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return connect_with_retry(self.path, read_only=self.read_only, timeout_s=self.lock_timeout_s)

    def disconnect(self, con: duckdb.DuckDBPyConnection) -> None:
        con.close()

    def check_complete(self, con: duckdb.DuckDBPyConnection) -> None:
        """Raise ``CorruptStoreError`` when the file is shorter than the blocks the database says it holds."""
        try:
            row = con.execute("PRAGMA database_size").fetchone()
        except duckdb.Error as exc:
            raise CorruptStoreError(f"cannot use history store {self.path}: {str(exc).splitlines()[0]}") from exc
        if row is None:
            return
        # used blocks, not total: a checkpoint killed mid-way leaves free blocks past the file's end (harmless)
        block_size, used_blocks = int(row[2]), int(row[4])
        expected = _HEADER_BYTES + block_size * used_blocks
        size = self.path.stat().st_size
        if size < expected:
            raise CorruptStoreError(
                f"history store {self.path} is damaged: {size} bytes on disk, its index needs {expected} "
                "(file cut or partially copied); restore a backup or move it away and re-import"
            )

    def execute(self, con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return con.execute(sql, list(params)).fetchall()  # results consumed before the next statement

    def query(self, con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return con.execute(sql, list(params)).df()

    def create_table(self, con: duckdb.DuckDBPyConnection, table: Table) -> None:
        try:
            con.execute(table.ddl())
        except duckdb.Error as exc:
            raise CorruptStoreError(f"cannot use history store {self.path}: {str(exc).splitlines()[0]}") from exc

    def insert(self, con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame, *, replace: bool) -> Inserted:
        """One transaction: with ``replace``, delete stored rows whose values differ; then ``INSERT OR IGNORE``."""
        cols = ", ".join(table.column_names)
        count = f"SELECT count(*) FROM {table.name}"
        con.execute("BEGIN TRANSACTION")
        try:
            before = int(self.execute(con, count)[0][0])
            con.register("_batch", frame)
            replaced = self._delete_differing(con, table) if replace else 0
            con.execute(f"INSERT OR IGNORE INTO {table.name} ({cols}) SELECT {cols} FROM _batch")
            con.unregister("_batch")
            after = int(self.execute(con, count)[0][0])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return Inserted(after - before, replaced)

    def _delete_differing(self, con: duckdb.DuckDBPyConnection, table: Table) -> int:
        """Delete the stored rows of ``table`` whose key is in ``_batch`` with different values; their count."""
        on = " AND ".join(f"t.{k} = b.{k}" for k in table.key)
        values = [c for c in table.column_names if c not in table.key and c not in PROV_COLUMNS]
        if not values:
            return 0
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM b.{c}" for c in values)
        n = self.execute(con, f"SELECT count(*) FROM {table.name} t JOIN _batch b ON {on} WHERE {differs}")[0][0]
        if n:
            con.execute(f"DELETE FROM {table.name} t USING _batch b WHERE {on} AND ({differs})")
        return int(n)

    def plus_seconds(self, ts: str, seconds: str) -> str:
        return f"{ts} + to_seconds({seconds})"

    def any_true(self, expr: str) -> str:
        return f"coalesce(bool_or({expr}), false)"

    def coverage_sql(self, table: str, group: Sequence[str]) -> str:
        cols = ", ".join(group)
        return (
            f"WITH t AS (SELECT DISTINCT {cols}, ts_event FROM {table}), "
            f"d AS (SELECT {cols}, ts_event, epoch(ts_event) - epoch(lag(ts_event) OVER "
            f"(PARTITION BY {cols} ORDER BY ts_event)) AS step FROM t), "
            f"m AS (SELECT *, median(step) OVER (PARTITION BY {cols}) AS typical FROM d) "
            f"SELECT {cols}, min(ts_event), max(ts_event), count(*), "
            f"count(*) FILTER (WHERE step > 2 * typical) FROM m GROUP BY {cols} ORDER BY {cols}"
        )

    def size_bytes(self, con: Any = None) -> int:
        wal = self.path.with_name(self.path.name + ".wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    def compact(self, con: duckdb.DuckDBPyConnection) -> None:
        """CHECKPOINT, then copy the database into a fresh file and swap it in while this connection still holds
        the file lock (DuckDB reuses freed blocks but never shrinks a file; a copy holds only live rows)."""
        con.execute("CHECKPOINT")
        tmp = self.path.with_name(self.path.name + ".compact")
        tmp.unlink(missing_ok=True)
        con.execute(f"ATTACH '{tmp}' AS _compact")
        try:
            db = self.execute(con, "SELECT current_database()")[0][0]
            con.execute(f'COPY FROM DATABASE "{db}" TO _compact')
        finally:
            con.execute("DETACH _compact")
        os.replace(tmp, self.path)
