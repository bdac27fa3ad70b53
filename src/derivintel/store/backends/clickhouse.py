"""The ClickHouse backends: chDB (ClickHouse's engine in process, ``chdb:PATH``) and a ClickHouse server
(``clickhouse://HOST:PORT/DB`` through clickhouse-connect). One dialect for both:

- each table is a ``ReplacingMergeTree(_version)`` ordered by the DuckDB table's primary key, so a row is identified
  as in DuckDB; every read runs with ``final=1`` (the ``FINAL`` modifier on every table: merged, one row per key) and
  ``aggregate_functions_null_for_empty=1`` (``max`` over no rows is NULL, as in DuckDB);
- a batch is inserted as one part (atomic in MergeTree: a process killed mid-insert leaves no partial part); the
  store first reads the batch's keys already stored (an anti-join in pandas over the batch's key range), inserts only
  new rows, or with ``replace`` also the rows whose values differ, with a higher ``_version`` so they win;
- point-in-time reads are the store's ``ts_event <= T`` filters; the latest row per series is ``QUALIFY
  row_number() OVER (...) = 1`` (ClickHouse also offers ``LIMIT 1 BY`` and ``ASOF JOIN``).

chDB keeps one embedded server per process and locks its directory against other processes, so it is used like
DuckDB: a short-lived session per operation, with bounded retry while another process holds the directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from derivintel.core.errors import CorruptStoreError, UserInputError
from derivintel.core.timeutil import utc
from derivintel.store.backends.base import PROV_COLUMNS, Inserted, LockBusyError, StoreBackend, open_with_retry
from derivintel.store.location import StoreLocation
from derivintel.store.schema import Table

SETTINGS = {"final": 1, "aggregate_functions_null_for_empty": 1, "mutations_sync": 2}
_TYPES = {
    "VARCHAR": "String",
    "TIMESTAMP": "DateTime64(3, 'UTC')",
    "DOUBLE": "Float64",
    "INTEGER": "Int32",
    "BIGINT": "Int64",
    "BOOLEAN": "Bool",
    "TINYINT": "Int8",
    "DOUBLE[]": "Array(Float64)",  # order-book levels; ClickHouse arrays cannot be Nullable (an empty side is [])
}
_NO_SETTINGS = ("CREATE", "OPTIMIZE", "INSERT", "DELETE", "DROP", "EXCHANGE")  # statements without query settings
_KEY_RANGE_DISTINCT = 64  # a key column with at most this many values in a batch narrows the stored-key read
_IN_CHUNK = 1000  # key values per IN list when a table has no time key (a few tens of kB: under max_query_size)


def ddl(table: Table) -> str:
    """``CREATE TABLE`` of ``table``: key columns as is, the others Nullable (NULL as DuckDB stores it)."""
    cols = ",\n  ".join(
        f"{c} {_TYPES[t]}" if c in table.key or t.endswith("[]") else f"{c} Nullable({_TYPES[t]})"
        for c, t in table.columns
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {table.name} (\n  {cols},\n  _version UInt64\n) "
        f"ENGINE = ReplacingMergeTree(_version) ORDER BY ({', '.join(table.key)})"
    )


def literal(v: Any) -> str:
    """A parameter as a ClickHouse literal (timestamps naive UTC, or aware)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NULL"
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return repr(float(v))
    if isinstance(v, pd.Timestamp | datetime | np.datetime64):
        ts = pd.Timestamp(v)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        return f"toDateTime64('{ts:%Y-%m-%d %H:%M:%S.%f}', 3, 'UTC')"
    text = str(v).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def bind(sql: str, params: Sequence[Any]) -> str:
    """``sql`` with each ``?`` replaced by the next parameter as a literal (the store's SQL has no ``?`` in text)."""
    parts = sql.split("?")
    if len(parts) - 1 != len(params):
        raise ValueError(f"{len(parts) - 1} placeholders, {len(params)} parameters")
    out = [parts[0]]
    for p, rest in zip(params, parts[1:], strict=True):
        out += [literal(p), rest]
    return "".join(out)


def naive_utc(df: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as naive UTC ``datetime64`` (DuckDB's shape), whatever zone the driver attached."""
    for c in df.columns:
        dtype = df[c].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            df[c] = df[c].dt.tz_convert("UTC").dt.tz_localize(None)
    return df


class ClickHouseBackend(StoreBackend):
    """The dialect and insert path shared by chDB and the server; subclasses move SQL and frames."""

    def create_table(self, con: Any, table: Table) -> None:
        self.run(con, ddl(table))

    def run(self, con: Any, sql: str) -> None:
        """A statement without a result."""
        self.query(con, sql)

    def execute(self, con: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        df = self.query(con, sql, params)
        return [tuple(None if _isna(x) else x for x in row) for row in df.itertuples(index=False, name=None)]

    def columns(self, con: Any, table: str) -> tuple[str, ...]:
        rows = self.execute(
            con,
            "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ? ORDER BY position",
            [table],
        )
        return tuple(str(r[0]) for r in rows if r[0] != "_version")

    def rebuild(self, con: Any, table: Table, select: Mapping[str, str]) -> None:
        """The new table under a temporary name, filled from the old one's merged rows (their ``_version`` kept),
        then swapped in with ``EXCHANGE TABLES`` (atomic) and the old one dropped."""
        tmp = f"{table.name}__migrate"
        cols = ", ".join(table.column_names)
        exprs = ", ".join(select[c] for c in table.column_names)
        self.run(con, f"DROP TABLE IF EXISTS {tmp}")
        self.run(con, ddl(dataclasses.replace(table, name=tmp)))
        self.run(con, f"INSERT INTO {tmp} ({cols}, _version) SELECT {exprs}, _version FROM {table.name} FINAL")
        self.run(con, f"EXCHANGE TABLES {table.name} AND {tmp}")
        self.run(con, f"DROP TABLE {tmp}")

    def table_names(self, con: Any) -> set[str]:
        """The current database's tables (``information_schema.tables`` lists every database of a server)."""
        rows = self.execute(con, "SELECT name FROM system.tables WHERE database = currentDatabase()")
        return {str(r[0]) for r in rows}

    def plus_seconds(self, ts: str, seconds: str) -> str:
        return f"{ts} + toIntervalSecond({seconds})"

    def any_true(self, expr: str) -> str:
        return f"coalesce(max({expr}), false)"

    def coverage_sql(self, table: str, group: Sequence[str]) -> str:
        cols = ", ".join(group)
        return (
            f"WITH t AS (SELECT DISTINCT {cols}, ts_event FROM {table}), "
            f"d AS (SELECT {cols}, ts_event, toUnixTimestamp64Milli(ts_event) / 1000 - "
            f"toUnixTimestamp64Milli(lagInFrame(toNullable(ts_event)) OVER (PARTITION BY {cols} ORDER BY ts_event "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) / 1000 AS step FROM t), "
            f"m AS (SELECT *, median(step) OVER (PARTITION BY {cols}) AS typical FROM d) "
            f"SELECT {cols}, min(ts_event), max(ts_event), count(), countIf(step > 2 * typical) "
            f"FROM m GROUP BY {cols} ORDER BY {cols}"
        )

    def insert(self, con: Any, table: Table, frame: pd.DataFrame, *, replace: bool) -> Inserted:
        """Anti-join the batch against the keys stored in its range, then insert what is new (or differs). A
        timestamp outside ClickHouse's DateTime64 range (1900..2299) is refused: it would be stored clamped."""
        _check_range(table, frame)
        stored = self._stored_in_range(con, table, frame, values=replace)
        key = list(table.key)
        frame = frame.reset_index(drop=True)
        if stored.empty:
            new, changed = frame, frame.iloc[0:0]
        else:
            merged = frame.merge(_keyed(stored, table), on=key, how="left", indicator=True, suffixes=("", "__s"))
            is_new = (merged["_merge"] == "left_only").to_numpy()
            new = frame[is_new]
            changed = frame.iloc[0:0]
            if replace:
                values = [c for c in table.column_names if c not in table.key and c not in PROV_COLUMNS]
                differs = np.zeros(len(merged), dtype=bool)
                for c in values:
                    differs |= ~_same(merged[c], merged[c + "__s"])
                changed = frame[~is_new & differs]
        out = pd.concat([new, changed]) if len(changed) else new
        if len(out):
            out = out.loc[:, list(table.column_names)].copy()
            out["_version"] = np.uint64(time.time_ns())
            self.insert_frame(con, table, out)
        return Inserted(len(new), len(changed))

    def _stored_in_range(self, con: Any, table: Table, frame: pd.DataFrame, *, values: bool) -> pd.DataFrame:
        """Stored rows whose key could be in ``frame``: its range of the time key (``ts_event``, else the first
        TIMESTAMP key column) and the values of its few-valued keys. A table without a time key (observed-positions
        addresses and sightings) is read by the values of its first many-valued key, ``_IN_CHUNK`` at a time."""
        cols = table.column_names if values else table.key
        stamps = [c for c, t in table.columns if c in table.key and t == "TIMESTAMP"]
        time_key = "ts_event" if "ts_event" in stamps else next(iter(stamps), None)
        where: list[str] = []
        params: list[Any] = []
        if time_key is not None:
            where += [f"{time_key} >= ?", f"{time_key} <= ?"]
            params += [frame[time_key].min(), frame[time_key].max()]
        chunked: str | None = None
        for k in table.key:
            if k == time_key:
                continue
            distinct = [x.item() if isinstance(x, np.generic) else x for x in pd.unique(frame[k])]
            if len(distinct) <= _KEY_RANGE_DISTINCT:
                where.append(f"{k} IN ({', '.join('?' * len(distinct))})")
                params += distinct
            elif time_key is None and chunked is None:
                chunked = k
        select = f"SELECT {', '.join(cols)} FROM {table.name}"
        if chunked is None:
            return self.query(con, select + (f" WHERE {' AND '.join(where)}" if where else ""), params)
        values_of = [x.item() if isinstance(x, np.generic) else x for x in pd.unique(frame[chunked])]
        parts = []
        for i in range(0, len(values_of), _IN_CHUNK):
            chunk = values_of[i : i + _IN_CHUNK]
            cond = [*where, f"{chunked} IN ({', '.join('?' * len(chunk))})"]
            parts.append(self.query(con, f"{select} WHERE {' AND '.join(cond)}", [*params, *chunk]))
        return pd.concat(parts, ignore_index=True)

    def size_bytes(self, con: Any) -> int:
        rows = self.execute(
            con, "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = currentDatabase()"
        )
        return int(rows[0][0] or 0) if rows else 0

    def compact(self, con: Any) -> None:
        """``OPTIMIZE ... FINAL`` on every MergeTree table of the store (observed positions included)."""
        names = self.execute(
            con,
            "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' "
            "ORDER BY name",
        )
        for (name,) in names:
            self.run(con, f"OPTIMIZE TABLE {name} FINAL")

    def insert_frame(self, con: Any, table: Table, frame: pd.DataFrame) -> None:
        raise NotImplementedError


_TS_MIN, _TS_MAX = np.datetime64("1900-01-01", "ms"), np.datetime64("2299-12-31T23:59:59", "ms")


def _check_range(table: Table, frame: pd.DataFrame) -> None:
    for col, typ in table.columns:
        if typ != "TIMESTAMP" or col not in frame.columns:
            continue
        ts = frame[col].dropna().to_numpy().astype("datetime64[ms]")
        if len(ts) and (ts.min() < _TS_MIN or ts.max() > _TS_MAX):
            raise UserInputError(
                f"{table.name}.{col}: {ts.min()} .. {ts.max()} is outside ClickHouse's DateTime64 range "
                "(1900-01-01 .. 2299-12-31); not stored"
            )


def _isna(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _keyed(stored: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Stored rows with key dtypes matching a batch's (ts_event as datetime64[ms], interval_s int32)."""
    stored = stored.copy()
    for k, t in table.columns:
        if k not in stored.columns:
            continue
        if t == "TIMESTAMP":
            stored[k] = stored[k].astype("datetime64[ms]")
        elif t == "INTEGER" and k in table.key:
            stored[k] = stored[k].astype(np.int32)
        elif t == "VARCHAR" and k in table.key:
            stored[k] = stored[k].astype(object)
    return stored.rename(columns={c: c + "__s" for c in stored.columns if c not in table.key})


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise ``NOT (a IS DISTINCT FROM b)``: equal, or both missing."""
    na, nb = a.isna().to_numpy(), b.isna().to_numpy()
    try:
        eq = (a.to_numpy() == b.to_numpy()).astype(bool)
    except (TypeError, ValueError):
        eq = np.array([x == y for x, y in zip(a, b, strict=True)], dtype=bool)
    return (na & nb) | (~na & ~nb & eq)


_PROCESS_LOCK = threading.RLock()  # one embedded chDB server per process: threads take turns


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """ClickHouse prints its own lock message to fd 2 on every refused open; the retry says it once, if ever."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class ChdbBackend(ClickHouseBackend):
    """chDB on a directory (``location.path``); one session per operation, the directory lock retried."""

    name = "chdb"

    def __init__(self, location: StoreLocation, *, read_only: bool, lock_timeout_s: float) -> None:
        super().__init__(location, read_only=read_only, lock_timeout_s=lock_timeout_s)
        try:
            import chdb  # noqa: F401
        except ImportError as exc:
            raise UserInputError(
                "--store chdb:PATH needs chDB: pip install 'derivintel[clickhouse]' (or chdb==4.4.0)"
            ) from exc
        assert location.path is not None
        self.path = location.path

    def connect(self) -> Any:
        from chdb import session

        self.path.mkdir(parents=True, exist_ok=True)

        def attempt() -> Any:
            _PROCESS_LOCK.acquire()
            try:
                with _quiet_stderr():
                    return session.Session(str(self.path))
            except RuntimeError as exc:
                _PROCESS_LOCK.release()
                text = str(exc)
                if "initializing EmbeddedServer" in text or "lock" in text.lower():
                    raise LockBusyError(text) from exc
                raise CorruptStoreError(f"cannot open history store chdb:{self.path}: {text.splitlines()[0]}") from exc
            except BaseException:
                _PROCESS_LOCK.release()
                raise

        return open_with_retry(attempt, f"chdb:{self.path}", timeout_s=self.lock_timeout_s)

    def disconnect(self, con: Any) -> None:
        try:
            con.close()
        finally:
            _PROCESS_LOCK.release()

    def query(self, con: Any, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        settings = ", ".join(f"{k} = {v}" for k, v in SETTINGS.items())
        text = bind(sql, params) if params else sql
        if not text.lstrip().upper().startswith(_NO_SETTINGS):
            text += f" SETTINGS {settings}"
        df = con.query(text, "DataFrame")
        return naive_utc(df) if isinstance(df, pd.DataFrame) else pd.DataFrame()

    def insert_frame(self, con: Any, table: Table, frame: pd.DataFrame) -> None:
        """``INSERT … SELECT FROM Python(batch)``. chDB reads a column of lists as Nullable(Array), which ClickHouse
        refuses, so array columns (order-book levels) travel as JSON text and are parsed back in the SELECT."""
        arrays = [c for c, t in table.columns if t.endswith("[]")]
        batch = frame.copy() if arrays else frame  # read by name by chDB's Python() table function
        for c in arrays:
            batch[c] = [json.dumps([float(x) for x in v]) for v in batch[c]]
        cols = [*table.column_names, "_version"]
        select = ", ".join(f"JSONExtract({c}, 'Array(Float64)')" if c in arrays else c for c in cols)
        con.query(f"INSERT INTO {table.name} ({', '.join(cols)}) SELECT {select} FROM Python(batch)")

    def prune(self, con: Any, table: Table, before: datetime, where: str = "", params: Sequence[Any] = ()) -> int:
        return super().prune(con, table, utc(before).replace(tzinfo=None), where, params)


class ServerBackend(ClickHouseBackend):
    """A ClickHouse server through clickhouse-connect (HTTP); the database is created when absent."""

    name = "clickhouse"

    def __init__(self, location: StoreLocation, *, read_only: bool, lock_timeout_s: float) -> None:
        super().__init__(location, read_only=read_only, lock_timeout_s=lock_timeout_s)
        try:
            import clickhouse_connect  # noqa: F401
        except ImportError as exc:
            raise UserInputError(
                "--store clickhouse://... needs clickhouse-connect: pip install 'derivintel[clickhouse]'"
            ) from exc
        from urllib.parse import urlsplit

        parts = urlsplit(str(location.url))
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 8123
        self.database = parts.path.strip("/")
        self.username = parts.username or "default"
        self.password = parts.password or ""

    def connect(self) -> Any:
        import logging

        import clickhouse_connect

        logging.getLogger("clickhouse_connect").setLevel(logging.CRITICAL)  # failures are reported in one line below
        try:
            admin = clickhouse_connect.get_client(
                host=self.host, port=self.port, username=self.username, password=self.password
            )
            if not self.read_only:
                admin.command(f"CREATE DATABASE IF NOT EXISTS {self.database}")
            admin.close()
            return clickhouse_connect.get_client(
                host=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                database=self.database,
                settings=SETTINGS,
            )
        except Exception as exc:
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            errno = re.search(r"\[Errno -?\d+\] [^\"')]+", text)
            reason = errno.group(0) if errno else text[:200]
            raise UserInputError(f"cannot reach ClickHouse at {self.location}: {reason}") from exc

    def disconnect(self, con: Any) -> None:
        con.close()

    def run(self, con: Any, sql: str) -> None:
        con.command(sql)

    def query(self, con: Any, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        text = bind(sql, params) if params else sql
        if text.lstrip().upper().startswith(("DELETE", "CREATE", "OPTIMIZE")):
            con.command(text)
            return pd.DataFrame()
        df = con.query_df(text)
        if df.empty and len(df.columns) == 0:  # HTTP Native sends nothing for no rows: no names, no types
            df = self._empty_result(con, text)
        return naive_utc(df)

    def _empty_result(self, con: Any, text: str) -> pd.DataFrame:
        """The columns of ``text``'s result, with no rows (``DESCRIBE`` of the query: names and types)."""
        described = con.query(f"DESCRIBE ({text})").result_rows
        return pd.DataFrame({str(r[0]): pd.Series(dtype=_empty_dtype(str(r[1]))) for r in described})

    def insert_frame(self, con: Any, table: Table, frame: pd.DataFrame) -> None:
        con.insert_df(table.name, frame, column_names=[*table.column_names, "_version"])


def _empty_dtype(ch_type: str) -> str:
    """The pandas dtype of an empty column of ClickHouse type ``ch_type`` (as a non-empty result would have)."""
    inner = re.sub(r"^(Nullable|LowCardinality)\((.*)\)$", r"\2", ch_type)
    if inner.startswith("DateTime"):
        return "datetime64[ms]"
    if inner.startswith(("Float", "Decimal")):
        return "float64"
    if re.match(r"U?Int\d+$", inner):
        return "float64" if ch_type.startswith("Nullable") else "int64"
    if inner == "Bool":
        return "object" if ch_type.startswith("Nullable") else "bool"
    return "object"
