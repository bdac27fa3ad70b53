"""Backends of the history store: the SQL engine behind ``HistoryStore`` (docs/history.md, "Backends").

``open_backend(location)`` gives the one for a ``StoreLocation``: DuckDB (a file; the default), chDB (ClickHouse's
engine in process, ``chdb:PATH``) or a ClickHouse server (``clickhouse://HOST:PORT/DB``). The ClickHouse two share
one dialect (``clickhouse.py``); the store above them writes the same frames and runs the same portable SQL.
"""

from __future__ import annotations

from derivintel.store.backends.base import StoreBackend
from derivintel.store.location import StoreLocation


def open_backend(location: StoreLocation, *, read_only: bool, lock_timeout_s: float) -> StoreBackend:
    """The backend for ``location`` (its driver imported only when chosen)."""
    if location.backend == "chdb":
        from derivintel.store.backends.clickhouse import ChdbBackend

        return ChdbBackend(location, read_only=read_only, lock_timeout_s=lock_timeout_s)
    if location.backend == "clickhouse":
        from derivintel.store.backends.clickhouse import ServerBackend

        return ServerBackend(location, read_only=read_only, lock_timeout_s=lock_timeout_s)
    from derivintel.store.backends.duckdb_backend import DuckDBBackend

    return DuckDBBackend(location, read_only=read_only, lock_timeout_s=lock_timeout_s)


__all__ = ["StoreBackend", "open_backend"]
