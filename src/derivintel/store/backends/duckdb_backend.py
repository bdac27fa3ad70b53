"""The DuckDB backend (the default): one file, anti-join inserts, one transaction per batch.

Tables are created without a primary key (stores created before issue 14 keep theirs and work the same): a batch
inserts only the rows whose key is not stored yet (``ANTI JOIN``), counts come from the statements, and with
``replace`` the stored rows whose values differ are deleted and inserted from the batch in the same transaction.
A key stays unique because one writer runs at a time: DuckDB's file lock across processes, ``_writer_lock`` within
a process (two ``HistoryStore`` objects on one file share DuckDB's database instance). This is 2-3x faster than the
primary-key insert path on imports (docs/history.md, "Import speed").

Writes are crash-safe (DuckDB's write-ahead log makes a committed batch durable; a process killed mid-batch loses
only that batch). No connection is held between operations: each one opens a short-lived connection (read-write for
writers, read-only for readers) with bounded retry while another process holds the file lock.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
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


_WRITER_LOCKS: dict[str, threading.Lock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(path: Path) -> threading.Lock:
    """The lock serialising write transactions on one store file within this process (see the module docstring)."""
    key = str(Path(path).resolve())
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(key, threading.Lock())


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
            # a writer's batches are small: one thread does them with less CPU than a pool spun up per statement
            config = {} if read_only else {"threads": 1}
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            if _is_lock_error(exc):
                raise LockBusyError(str(exc)) from exc
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "attempted to read" in first:  # the file ends before a block its header points to
                raise CorruptStoreError(f"history store {path} is damaged (file cut?): {first}") from exc
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
            con.execute(table.ddl(primary_key=False))
        except duckdb.Error as exc:
            raise CorruptStoreError(f"cannot use history store {self.path}: {str(exc).splitlines()[0]}") from exc

    def create_tables(self, con: duckdb.DuckDBPyConnection, tables: Sequence[Table]) -> None:
        """All of them in one transaction: one commit instead of one per table (every writable open runs this;
        on a new store it halves the time the schema takes)."""
        with _writer_lock(self.path):
            con.execute("BEGIN TRANSACTION")
            try:
                for table in tables:
                    self.create_table(con, table)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def insert(self, con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame, *, replace: bool) -> Inserted:
        """One transaction: insert the batch rows whose key is not stored (anti-join); with ``replace``, when some
        keys were stored, delete those whose values differ and insert them from the batch (counted as replaced)."""
        cols = ", ".join(table.column_names)
        on = " AND ".join(f"t.{k} = b.{k}" for k in table.key)
        insert = (
            f"INSERT INTO {table.name} ({cols}) SELECT {', '.join(f'b.{c}' for c in table.column_names)} "
            f"FROM _batch b ANTI JOIN {table.name} t ON {on}"
        )
        with _writer_lock(self.path):
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("_batch", frame)
                inserted = int(self.execute(con, insert)[0][0])
                replaced = 0
                if replace and inserted < len(frame):  # some keys were stored: repair those whose values differ
                    replaced = self._delete_differing(con, table)
                    if replaced:
                        self.execute(con, insert)
                con.unregister("_batch")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return Inserted(inserted, replaced)

    def _delete_differing(self, con: duckdb.DuckDBPyConnection, table: Table) -> int:
        """Delete the stored rows of ``table`` whose key is in ``_batch`` with different values; their count."""
        on = " AND ".join(f"t.{k} = b.{k}" for k in table.key)
        values = [c for c in table.column_names if c not in table.key and c not in PROV_COLUMNS]
        if not values:
            return 0
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM b.{c}" for c in values)
        row = self.execute(con, f"DELETE FROM {table.name} t USING _batch b WHERE {on} AND ({differs})")
        return int(row[0][0]) if row else 0

    def columns(self, con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
        # duckdb_columns() reads the catalog directly: a few ms less than information_schema on a fresh connection
        rows = self.execute(
            con,
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND database_name = current_database() AND schema_name = current_schema() ORDER BY column_index",
            [table],
        )
        return tuple(str(r[0]) for r in rows)

    def table_names(self, con: duckdb.DuckDBPyConnection) -> set[str]:
        rows = self.execute(
            con,
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = current_schema()",
        )
        return {str(r[0]) for r in rows}

    def rebuild(self, con: duckdb.DuckDBPyConnection, table: Table, select: Mapping[str, str]) -> None:
        """One transaction: the new table (without a primary key, as since issue 14) under a temporary name, filled
        from the old one, the old one dropped and the new one renamed; a crash leaves the old table untouched."""
        tmp = f"{table.name}__migrate"
        cols = ", ".join(table.column_names)
        exprs = ", ".join(select[c] for c in table.column_names)
        with _writer_lock(self.path):
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"DROP TABLE IF EXISTS {tmp}")
                con.execute(dataclasses.replace(table, name=tmp).ddl(primary_key=False))
                con.execute(f"INSERT INTO {tmp} ({cols}) SELECT {exprs} FROM {table.name}")
                con.execute(f"DROP TABLE {table.name}")
                con.execute(f"ALTER TABLE {tmp} RENAME TO {table.name}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

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
