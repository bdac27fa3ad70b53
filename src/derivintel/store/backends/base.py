"""The seam between ``HistoryStore`` and a SQL engine: connect, execute, query, insert a batch, the few dialect
fragments the store's portable SQL needs, and maintenance (compact, prune, size).

Parameters are written ``?`` in every backend's SQL; each backend binds them its own way. Timestamps in and out are
naive UTC (``datetime64[ms]`` columns, naive ``datetime`` parameters).
"""

from __future__ import annotations

import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from derivintel.core.errors import UserInputError
from derivintel.store.location import StoreLocation
from derivintel.store.schema import Table

LOCK_TIMEOUT_S = 60.0
"""How long an operation retries a store whose lock another process holds before giving up (seconds)."""


class LockBusyError(Exception):
    """Raised by a backend's single open attempt when another process holds the store's lock."""


def open_with_retry(
    attempt: Callable[[], Any],
    what: str,
    *,
    timeout_s: float = LOCK_TIMEOUT_S,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """Call ``attempt`` until it does not raise ``LockBusyError``: jittered exponential back-off (1 ms doubling to
    50 ms) for up to ``timeout_s`` seconds, then ``UserInputError`` (the store is busy)."""
    deadline = clock() + timeout_s
    delay = 0.001
    while True:
        try:
            return attempt()
        except LockBusyError as exc:
            if clock() >= deadline:
                raise UserInputError(
                    f"history store {what} stayed locked by another process for {timeout_s:.0f} s; "
                    "is a process stuck holding it?"
                ) from exc
        sleep(delay * (0.5 + random.random()))  # jitter: two waiting processes do not retry in lock-step
        delay = min(delay * 2, 0.05)


@dataclass(frozen=True, slots=True)
class Inserted:
    """Rows newly inserted by a batch, and stored rows replaced because their values differed."""

    inserted: int
    replaced: int = 0


PROV_COLUMNS = frozenset({"ts_recv", "source", "dataset", "synthetic"})


class StoreBackend(ABC):
    """One SQL engine. A *connection* is whatever ``connect`` returns; ``HistoryStore`` holds one per session."""

    name: str

    def __init__(self, location: StoreLocation, *, read_only: bool, lock_timeout_s: float) -> None:
        self.location = location
        self.read_only = read_only
        self.lock_timeout_s = lock_timeout_s

    # --- connections ---------------------------------------------------------------------------------------
    @abstractmethod
    def connect(self) -> Any:
        """Open a connection (waiting, bounded, while another process holds the lock)."""

    @abstractmethod
    def disconnect(self, con: Any) -> None: ...

    def check_complete(self, con: Any) -> None:
        """Raise ``CorruptStoreError`` for a store visibly damaged on disk (DuckDB: a cut file)."""
        return None

    # --- statements ----------------------------------------------------------------------------------------
    @abstractmethod
    def execute(self, con: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` and fetch every row."""

    @abstractmethod
    def query(self, con: Any, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run a read query; a DataFrame with naive-UTC timestamps."""

    @abstractmethod
    def create_table(self, con: Any, table: Table) -> None: ...

    def create_tables(self, con: Any, tables: Sequence[Table]) -> None:
        """Create every table that does not exist yet (a backend may do it in one transaction)."""
        for table in tables:
            self.create_table(con, table)

    @abstractmethod
    def insert(self, con: Any, table: Table, frame: pd.DataFrame, *, replace: bool) -> Inserted:
        """Insert ``frame`` (the table's columns, keys unique) as one batch: rows whose key is stored are left as
        they are, or with ``replace`` overwritten when a value (not provenance) differs."""

    @abstractmethod
    def columns(self, con: Any, table: str) -> tuple[str, ...]:
        """The column names of the stored table ``table`` in order (empty when it does not exist)."""

    @abstractmethod
    def rebuild(self, con: Any, table: Table, select: Mapping[str, str]) -> None:
        """Replace the stored table ``table.name`` by ``table`` (its new columns and key), each new column filled with
        the SQL expression ``select[column]`` over the old table's rows (a schema migration). Never half done: the
        old table stays as it was until the new one holds every row."""

    def table_names(self, con: Any) -> set[str]:
        """Names of the store's tables."""
        return {str(r[0]) for r in self.execute(con, "SELECT table_name FROM information_schema.tables")}

    # --- dialect fragments -----------------------------------------------------------------------------------
    @abstractmethod
    def plus_seconds(self, ts: str, seconds: str) -> str:
        """SQL: timestamp ``ts`` plus ``seconds`` (an integer column)."""

    @abstractmethod
    def any_true(self, expr: str) -> str:
        """SQL aggregate: whether ``expr`` is true for some row (false over no rows)."""

    @abstractmethod
    def coverage_sql(self, table: str, group: Sequence[str]) -> str:
        """Per ``group``: min and max ts_event, distinct times, steps longer than twice the median step."""

    # --- maintenance -----------------------------------------------------------------------------------------
    @abstractmethod
    def size_bytes(self, con: Any) -> int:
        """Bytes the store takes on disk (DuckDB: the file and its WAL; ClickHouse: active parts)."""

    @abstractmethod
    def compact(self, con: Any) -> None:
        """Reclaim space and merge (DuckDB: CHECKPOINT and a rewrite; ClickHouse: OPTIMIZE ... FINAL)."""

    def prune(self, con: Any, table: Table, before: datetime, where: str = "", params: Sequence[Any] = ()) -> int:
        """Delete the rows of ``table`` with ``ts_event < before`` (and ``where``); their count."""
        cond = "ts_event < ?" + (f" AND {where}" if where else "")
        args = [before, *params]
        n = int(self.execute(con, f"SELECT count(*) FROM {table.name} WHERE {cond}", args)[0][0])
        if n:
            self.execute(con, f"DELETE FROM {table.name} WHERE {cond}", args)
        return n
