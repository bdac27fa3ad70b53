"""``HistoryStore``: an embedded DuckDB database of observations, written from and read into the domain types.

Writes are idempotent (an anti-join insert: only rows whose key is not stored yet go in, a stored row is left as it
was; tables created before issue 14 also keep their primary key, newer ones rely on the single-writer discipline of
``_writer_lock`` and DuckDB's file lock) and crash-safe
(each batch is one transaction; DuckDB's write-ahead log makes a committed batch durable, and a process killed
mid-batch loses only that batch: the database reopens and replays the log). Many processes share one store: no
connection is held between operations. Each write batch, and each read (or ``with store.session():`` group of reads),
opens a short-lived DuckDB connection, read-write for writers and read-only for readers, and closes it; DuckDB's file
lock is therefore held for one batch or one read at a time, and a process that finds it taken retries with a bounded
back-off (``LOCK_TIMEOUT_S``) instead of failing (docs/history.md, "Many writers and readers"). Importers write with
``replace=True``: a stored row whose values differ from the new one is
replaced (counted in ``Written.replaced``), so re-importing a corrected file repairs the store.

Opening checks the file: a database shorter than its own block count says (a file cut by a crash or a copy) is
refused with ``CorruptStoreError`` rather than read as if complete.

Synthetic (demo) rows and real market data never share a store: a write whose rows are synthetic into a store that
holds real rows (or the reverse) raises ``MixedStoreError`` and writes nothing. (A store already mixed by an older
version still takes real rows; ``content_kind()`` says ``mixed`` and ``derivintel store`` shows it.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from derivintel.analytics.options.surface_history import asset_key_points
from derivintel.core.errors import MixedStoreError, UserInputError
from derivintel.core.provenance import Source
from derivintel.core.timeutil import utc
from derivintel.domain.futures import DatedFuture
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.macro import MacroSeries
from derivintel.domain.option_trades import OptionTrades
from derivintel.domain.options import OptionChain
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortSeries,
    OpenInterestSeries,
    TakerRatioSeries,
    TakerVolumeSeries,
)
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.sources.roles import PRIMARY_OPTIONS_VENUE
from derivintel.store.backends import StoreBackend, open_backend
from derivintel.store.backends.base import LOCK_TIMEOUT_S as _LOCK_TIMEOUT_S
from derivintel.store.backends.duckdb_backend import connect_with_retry  # noqa: F401 (re-exported)
from derivintel.store.book_codec import decode_books, encode_books
from derivintel.store.codecs import (
    AGGREGATE_FUNDING_CODEC,
    AGGREGATE_OPEN_INTEREST_CODEC,
    CODEC_OF_KIND,
    CODEC_OF_TYPE,
    DATED_FUTURE_CODEC,
    OPTION_CHAIN_CODEC,
    OPTION_TRADES_CODEC,
    as_utc,
    contiguous_start,
    rows_source,
)
from derivintel.store.codecs import dt64_ms as _as_dt64_ms
from derivintel.store.codecs import provenance as _prov
from derivintel.store.codecs import ts_col as _ts_col
from derivintel.store.location import StoreLocation, store_location
from derivintel.store.migrations import Migration, migrate, option_rows_have_venue
from derivintel.store.schema import (
    CANDLES,
    DATED_FUTURES,
    FUNDING,
    LIQUIDATIONS,
    LONG_SHORT,
    MACRO,
    OPEN_INTEREST,
    OPTION_ROWS,
    OPTION_SURFACE_POINTS,
    OPTION_TRADE_BATCHES,
    OPTION_TRADES,
    ORDER_BOOKS,
    PERP_SNAPSHOTS,
    TABLES,
    TABLES_BY_NAME,
    TAKER_RATIO,
    TAKER_VOLUME,
    Table,
)

Series = (
    CandleSeries
    | OpenInterestSeries
    | FundingSeries
    | LongShortSeries
    | TakerVolumeSeries
    | TakerRatioSeries
    | MacroSeries
)


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the store holds of one series: its table, key values joined by ``/``, first and last ``ts_event``
    (aware UTC), distinct observation times, and gaps (None where the series has no regular step)."""

    table: str
    series: str
    first: datetime
    last: datetime
    times: int
    gaps: int | None


class Written(int):
    """Rows newly inserted by a write (an ``int``), with ``replaced``: stored rows whose values differed and were
    overwritten (only with ``replace=True``; never counted in the int)."""

    replaced: int

    def __new__(cls, inserted: int, replaced: int = 0) -> Written:
        obj = super().__new__(cls, inserted)
        obj.replaced = replaced
        return obj


LOCK_TIMEOUT_S = _LOCK_TIMEOUT_S
"""How long an operation retries a store whose lock another process holds before giving up (seconds)."""


class HistoryStore:
    """The history database. Open with ``HistoryStore(path)`` (created with its tables when absent) and use as a
    context manager or call ``close()``. ``path=None`` uses ``resolve_store_path()``.

    No DuckDB connection is held between operations (see the module docstring): ``session()`` groups several reads
    (or writes) under one connection; ``con`` gives the connection of the current session, or pins one until
    ``close()`` for callers that use DuckDB directly (holding the file lock meanwhile). ``prepare_on_first_use``:
    the store's checks and schema run in the first session instead of the constructor, on that session's
    connection (an import parses its files first, then writes: one connection instead of two, and no lock held
    while it parses); a damaged file is then reported at that first use."""

    def __init__(
        self,
        path: Path | str | StoreLocation | None = None,
        *,
        read_only: bool = False,
        lock_timeout_s: float = LOCK_TIMEOUT_S,
        prepare_on_first_use: bool = False,
    ) -> None:
        self.location = path if isinstance(path, StoreLocation) else store_location(path)
        self.path: Path | str = self.location.path if self.location.path is not None else str(self.location)
        self.read_only = read_only
        self.lock_timeout_s = lock_timeout_s
        if read_only and not self.location.exists():
            raise UserInputError(f"no history store at {self.location} (import or collect data first)")
        if self.location.path is not None:
            parent = self.location.path if self.location.backend == "chdb" else self.location.path.parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserInputError(f"cannot create the store directory {parent}: {exc.strerror}") from exc
        existed = self.location.exists()
        self.backend: StoreBackend = open_backend(self.location, read_only=read_only, lock_timeout_s=lock_timeout_s)
        self._kind: str | None = None
        self._con: Any = None
        self._depth = 0
        self._pinned = False
        self.migrated: list[Migration] = []
        self._existed = existed
        self._prepared = False
        self._option_venues = True
        if not prepare_on_first_use:
            with self.session():  # a store that cannot be used raises CorruptStoreError from its backend
                pass

    def _prepare(self, con: Any) -> None:
        """Check the file, migrate an older layout and create missing tables (writable); once per store object."""
        self._prepared = True
        if self._existed:
            self.backend.check_complete(con)
        if not self.read_only:
            self.migrated = migrate(self.backend, con)  # an older store's layout first (store/migrations.py)
            self.backend.create_tables(con, TABLES)
        # a read-only open leaves an older store as it is: its option rows (no venue) are all Deribit's; a
        # writable one has just created or migrated the table with its venue
        self._option_venues = True if not self.read_only else option_rows_have_venue(self.backend, con)

    # --- lifecycle -------------------------------------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[Any]:
        """One connection for the operations inside (re-entrant); opened with bounded lock retry, closed at the
        outermost exit (unless pinned). Read-only stores open read-only connections, which share the lock."""
        if self._con is None:
            self._con = self.backend.connect()
        self._depth += 1
        try:
            if not self._prepared:
                try:
                    self._prepare(self._con)
                except BaseException:
                    self._prepared = False
                    raise
            yield self._con
        finally:
            self._depth -= 1
            if self._depth == 0 and not self._pinned:
                self._release()

    def _release(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            self.backend.disconnect(con)

    @property
    def con(self) -> Any:
        """The current session's connection (DuckDB: a ``DuckDBPyConnection``); outside a session, a connection
        pinned until ``close()``."""
        if self._con is None:
            self._con = self.backend.connect()
            self._pinned = True
        elif self._depth == 0:
            self._pinned = True
        if not self._prepared:
            self._prepare(self._con)
        return self._con

    def close(self) -> None:
        self._pinned = False
        if self._depth == 0:
            self._release()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- low level -------------------------------------------------------------------------------------------
    def insert_frame(
        self, table: Table, frame: pd.DataFrame, *, replace: bool = False, unique_keys: bool = False
    ) -> Written:
        """Insert ``frame`` (columns named as ``table``) in ONE transaction. A row whose key is already stored is
        ignored, or with ``replace`` overwritten when any of its values (not provenance) differ. Returns the rows
        newly inserted, with ``.replaced``. Repeated keys within ``frame`` keep their first row, unless the caller
        says they cannot repeat (``unique_keys``: one domain series, whose times strictly increase)."""
        if frame.empty:
            return Written(0)
        frame = frame.loc[:, list(table.column_names)]
        if not unique_keys:
            frame = frame.drop_duplicates(subset=list(table.key), keep="first")
        with self.session() as con:  # one connection (one lock hold) for the check and the batch
            self._check_kind(frame)
            return self._insert(con, table, frame, replace)

    def _insert(self, con: Any, table: Table, frame: pd.DataFrame, replace: bool) -> Written:
        done = self.backend.insert(con, table, frame, replace=replace)
        return Written(done.inserted, done.replaced)

    def content_kind(self) -> str:
        """``empty``, ``real``, ``synthetic`` or ``mixed`` (a store written before synthetic rows were kept apart)."""
        any_ = self.backend.any_true
        union = " UNION ALL ".join(
            f"SELECT {any_('synthetic')} AS s, {any_('NOT synthetic')} AS r FROM {t.name}" for t in self.tables()
        )
        if not union:
            return "empty"
        row = self._exec(f"SELECT {any_('s')}, {any_('r')} FROM ({union})")[0]
        has_synthetic, has_real = bool(row[0]), bool(row[1])
        return {(False, False): "empty", (False, True): "real", (True, False): "synthetic"}.get(
            (has_synthetic, has_real), "mixed"
        )

    def _check_kind(self, frame: pd.DataFrame) -> None:
        """Refuse a batch that would put synthetic rows into a store holding real data (or real rows into a
        synthetic store). A ``mixed`` store (written before this check existed) still takes real rows. Tables
        without a ``synthetic`` column (observed Hyperliquid positions, never synthetic) write real rows."""
        flags = frame["synthetic"].astype(bool) if "synthetic" in frame.columns else pd.Series([False])
        batch = "synthetic" if flags.all() else ("real" if not flags.any() else "mixed")
        if self._kind is None or self._kind == "empty":
            self._kind = self.content_kind()
        allowed = {"synthetic": ("empty", "synthetic"), "real": ("empty", "real", "mixed")}.get(batch, ())
        if self._kind not in allowed:
            raise MixedStoreError(
                f"history store {self.path} holds {self._kind} data; {batch} rows are never mixed in "
                f"(synthetic demo data goes to its own store: pass another --store)"
            )
        if self._kind == "empty":
            self._kind = batch

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Execute and fetch everything (DuckDB needs results consumed before the next statement)."""
        with self.session() as con:
            return self.backend.execute(con, sql, params)

    def has_table(self, table: Table | str) -> bool:
        """Whether the store has ``table`` (a store written by an older version, opened read-only, lacks the tables
        added since; readers then find nothing)."""
        name = table if isinstance(table, str) else table.name
        return name in self._table_names()

    def _table_names(self) -> set[str]:
        """Names of the store's tables (on a ClickHouse server: its database's only)."""
        with self.session() as con:
            return self.backend.table_names(con)

    def _count(self, name: str) -> int:
        rows = self._exec(f"SELECT count(*) FROM {name}")
        return int(rows[0][0]) if rows else 0

    def tables(self) -> tuple[Table, ...]:
        """The tables of ``TABLES`` present in the file (a read-only open of a store written by an older version
        lacks the tables added since; readers treat them as empty)."""
        present = self._table_names()
        return tuple(t for t in TABLES if t.name in present)

    def row_counts(self) -> dict[str, int]:
        """Rows per table (tables absent from an older store count 0)."""
        with self.session():
            present = {t.name for t in self.tables()}
            return {t.name: self._count(t.name) if t.name in present else 0 for t in TABLES}

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run a read query and return a DataFrame (timestamps naive UTC)."""
        with self.session() as con:
            return self.backend.query(con, sql, params)

    # --- maintenance -----------------------------------------------------------------------------------------
    def size_bytes(self) -> int:
        """Bytes the store takes (DuckDB: the file and its write-ahead log; ClickHouse: its active parts)."""
        with self.session() as con:
            return self.backend.size_bytes(con)

    def compact(self) -> tuple[int, int]:
        """Reclaim space (DuckDB: CHECKPOINT and a rewrite into a fresh file; ClickHouse: ``OPTIMIZE ... FINAL``,
        which also merges replaced rows away). Returns bytes (before, after)."""
        if self.read_only:
            raise UserInputError("store compact needs a writable store")
        with self.session() as con:
            before = self.backend.size_bytes(con)
            self.backend.compact(con)
        with self.session() as con:  # a fresh connection: DuckDB's file was swapped
            return before, self.backend.size_bytes(con)

    def prune(self, before: datetime, kinds: Sequence[str] | None = None) -> dict[str, int]:
        """Delete observations with ``ts_event < before`` from the tables ``kinds`` (all when None); rows deleted
        per table. Unknown kinds are refused before anything is deleted."""
        names = [t.name for t in TABLES]
        chosen = names if not kinds else list(dict.fromkeys(kinds))
        unknown = [k for k in chosen if k not in names]
        if unknown:
            raise UserInputError(f"--kind {', '.join(unknown)}: not a stored kind (one of {', '.join(names)})")
        if self.read_only:
            raise UserInputError("store prune needs a writable store")
        cutoff = _naive(before)
        with self.session() as con:
            return {name: self.backend.prune(con, TABLES_BY_NAME[name], cutoff) for name in chosen}

    # --- writers ---------------------------------------------------------------------------------------------
    def write(self, obj: Any, *, ts_recv: datetime | None = None, replace: bool = False) -> Written:
        """Write one observation batch of any stored kind (a series, a macro series, an option chain, a list of
        perps or of liquidation events) in one transaction: its codec (``store/codecs.py``) makes the rows."""
        codec = CODEC_OF_TYPE.get(type(obj))
        if codec is not None:  # one series: constant keys beside strictly increasing times, so no repeated key
            return self.insert_frame(codec.table, codec.encode(obj, ts_recv), replace=replace, unique_keys=True)
        if isinstance(obj, MacroSeries):
            return self.write_macro(obj, ts_recv=ts_recv, replace=replace)
        if isinstance(obj, OptionChain):
            raise TypeError("an option chain is stored with its venue: write_option_chain(chain, venue=...)")
        if isinstance(obj, OptionTrades):
            return self.write_option_trades(obj, ts_recv=ts_recv)
        if isinstance(obj, list | tuple) and all(isinstance(x, PerpMetrics) for x in obj):
            return Written(self.write_perps(obj, ts_recv=ts_recv))
        if isinstance(obj, list | tuple) and obj and all(isinstance(x, DatedFuture) for x in obj):
            return self.write_futures(obj, ts_recv=ts_recv)
        if isinstance(obj, list | tuple) and all(isinstance(x, LiquidationEvent) for x in obj):
            return Written(self.write_liquidations(obj, ts_recv=ts_recv))
        if isinstance(obj, list | tuple) and all(isinstance(x, OrderBook) for x in obj):
            return self.write_books(obj, ts_recv=ts_recv)
        raise TypeError(f"cannot store a {type(obj).__name__}")

    def write_candles(self, s: CandleSeries, *, ts_recv: datetime | None = None, replace: bool = False) -> Written:
        return self.write(s, ts_recv=ts_recv, replace=replace)

    def write_open_interest(
        self, s: OpenInterestSeries, *, ts_recv: datetime | None = None, replace: bool = False
    ) -> Written:
        return self.write(s, ts_recv=ts_recv, replace=replace)

    def write_funding(self, s: FundingSeries, *, ts_recv: datetime | None = None, replace: bool = False) -> Written:
        return self.write(s, ts_recv=ts_recv, replace=replace)

    def write_long_short(
        self, s: LongShortSeries, *, ts_recv: datetime | None = None, replace: bool = False
    ) -> Written:
        return self.write(s, ts_recv=ts_recv, replace=replace)

    def write_taker_volume(
        self, s: TakerVolumeSeries, *, ts_recv: datetime | None = None, replace: bool = False
    ) -> Written:
        return self.write(s, ts_recv=ts_recv, replace=replace)

    def write_macro(self, s: MacroSeries, *, ts_recv: datetime | None = None, replace: bool = False) -> Written:
        n = len(s)
        available = s.available_ts if s.available_ts is not None else s.ts
        frame = pd.DataFrame(
            {
                "name": [s.name] * n,
                "ts_event": _ts_col(s.ts),
                "value": np.asarray(s.values, dtype=float),
                "unit": [s.unit] * n,
                "available_ts": _ts_col(np.asarray(available).astype("datetime64[ms]")),
                **_prov(s.source, ts_recv, n),
            }
        )
        return self.insert_frame(MACRO, frame, replace=replace)

    def write_option_chain(
        self, c: OptionChain, *, venue: str, ts_recv: datetime | None = None, replace: bool = False
    ) -> Written:
        """Store one option venue's chain snapshot (``OPTION_CHAIN_CODEC``): ``venue`` is ``PRIMARY_OPTIONS_VENUE`` for
        ``AssetData.options``, else its key in ``AssetData.venue_options``."""
        return self.insert_frame(OPTION_ROWS, OPTION_CHAIN_CODEC.encode(venue, c, ts_recv), replace=replace)

    def write_option_trades(self, t: OptionTrades, *, ts_recv: datetime | None = None) -> Written:
        """Store option trades, each trade id once (a trade already stored is left as it was), then the batch's
        coverage row (``covered_from`` to the fetch time) when the record states it. Trades first: a crash
        between the two leaves a hole in the coverage, never coverage without its trades. Returns new trades."""
        return self._write_trades(t, ts_recv)[0]

    def _write_trades(self, t: OptionTrades, ts_recv: datetime | None) -> tuple[Written, int]:
        """New trade rows and new batch rows (``write_option_trades``)."""
        written = self.insert_frame(OPTION_TRADES, OPTION_TRADES_CODEC.encode(t, ts_recv))
        batch = OPTION_TRADES_CODEC.encode_batch(t)
        return written, (int(self.insert_frame(OPTION_TRADE_BATCHES, batch)) if batch is not None else 0)

    def option_trades(self, currency: str, *, until: datetime, lookback_s: float) -> OptionTrades | None:
        """The stored option trades of ``currency`` known at ``until`` (received by then) over the unbroken span of
        stored batches that ends with the latest batch before ``until`` (``covered_from`` = its start, no earlier
        than ``until − lookback_s``). None when no batch was stored by ``until``."""
        with self.session():
            if not self.has_table(OPTION_TRADE_BATCHES.name):
                return None
            spans = self._exec(
                "SELECT covered_from, ts_event FROM option_trade_batches WHERE currency = ? AND ts_event <= ?",
                [currency, _naive(until)],
            )
            start = contiguous_start([(self._dt(lo), self._dt(hi)) for lo, hi in spans])
            if start is None:
                return None
            start = max(start, utc(until) - pd.Timedelta(seconds=lookback_s).to_pytimedelta())
            latest = max(self._dt(hi) for _, hi in spans)
            rows = self._rows(
                OPTION_TRADES,
                "currency = ? AND ts_event >= ? AND ts_event <= ? AND ts_recv <= ?",
                [currency, _naive(start), _naive(until), _naive(until)],
                "ts_event, trade_id",
            )
        return OPTION_TRADES_CODEC.decode(rows, currency, as_of=latest, covered_from=start)

    def write_surface_points(
        self, currency: str, points: dict[str, float | None], source: Source, *, ts_recv: datetime | None = None
    ) -> Written:
        """Store the surface's key points of one chain (``point`` → value, a fraction; None skipped) at the chain's
        ``source.as_of``."""
        keep = {k: v for k, v in points.items() if v is not None and np.isfinite(v)}
        n = len(keep)
        frame = pd.DataFrame(
            {
                "currency": [currency] * n,
                "point": list(keep),
                "ts_event": _ts_col([source.as_of] * n),
                "value": np.array(list(keep.values()), dtype=float),
                **_prov(source, ts_recv, n),
            }
        )
        return self.insert_frame(OPTION_SURFACE_POINTS, frame)

    def surface_point_history(self, currency: str, point: str, *, until: datetime) -> tuple[np.ndarray, np.ndarray]:
        """``(ts datetime64[ms], values)`` of one stored surface point up to ``until``, oldest first."""
        if not self.has_table(OPTION_SURFACE_POINTS.name):
            return np.array([], dtype="datetime64[ms]"), np.array([])
        rows = self._rows(
            OPTION_SURFACE_POINTS, "currency = ? AND point = ? AND ts_event <= ?", [currency, point, _naive(until)]
        )
        return _as_dt64_ms(rows["ts_event"]), rows["value"].to_numpy(dtype=float)

    def write_liquidations(self, events: Sequence[LiquidationEvent], *, ts_recv: datetime | None = None) -> int:
        if not events:
            return 0
        frame = pd.DataFrame(
            {
                "venue": [e.venue for e in events],
                "asset": [e.asset for e in events],
                "ts_event": _ts_col([e.source.as_of for e in events]),
                "side": [e.side.value for e in events],
                "price_usd": [e.price_usd for e in events],
                "size_base": [e.size_base for e in events],
                "ordinal": np.array([e.ordinal for e in events], dtype=np.int32),
                "ts_recv": _ts_col([utc(ts_recv) if ts_recv else e.source.fetched_at for e in events]),
                "source": [e.source.name for e in events],
                "dataset": [e.source.dataset for e in events],
                "synthetic": [e.source.synthetic for e in events],
            }
        )
        return self.insert_frame(LIQUIDATIONS, frame)

    def write_perps(self, perps: Sequence[PerpMetrics], *, ts_recv: datetime | None = None) -> int:
        if not perps:
            return 0
        frame = pd.DataFrame(
            {
                "venue": [p.venue for p in perps],
                "asset": [p.asset for p in perps],
                "ts_event": _ts_col([p.ts_event for p in perps]),
                "venue_symbol": [p.venue_symbol for p in perps],
                "mark_price_usd": [p.mark_price_usd for p in perps],
                "index_price_usd": [np.nan if p.index_price_usd is None else p.index_price_usd for p in perps],
                "funding_rate_interval": [
                    np.nan if p.funding_rate_interval is None else p.funding_rate_interval for p in perps
                ],
                "funding_interval_hours": [p.funding_interval_hours for p in perps],
                "funding_kind": [p.funding_kind.value for p in perps],
                "next_funding_time": _ts_col([p.next_funding_time for p in perps]),
                "oi_base": [np.nan if p.oi_base is None else p.oi_base for p in perps],
                "volume_24h_usd": [np.nan if p.volume_24h_usd is None else p.volume_24h_usd for p in perps],
                "ts_recv": _ts_col([utc(ts_recv) if ts_recv else p.ts_recv for p in perps]),
                "source": [p.source.name for p in perps],
                "dataset": [p.source.dataset for p in perps],
                "synthetic": [p.source.synthetic for p in perps],
            }
        )
        return self.insert_frame(PERP_SNAPSHOTS, frame)

    def write_futures(self, futures: Sequence[DatedFuture], *, ts_recv: datetime | None = None) -> Written:
        """Dated-future observations (``DATED_FUTURE_CODEC``); a contract seen again at the same time is ignored."""
        if not futures:
            return Written(0)
        return self.insert_frame(DATED_FUTURES, DATED_FUTURE_CODEC.encode(futures, ts_recv))

    def write_books(self, books: Sequence[OrderBook], *, ts_recv: datetime | None = None) -> Written:
        """Store order books as observed (every level; one row per venue and observation time)."""
        if not books:
            return Written(0)
        return self.insert_frame(ORDER_BOOKS, encode_books(books, ts_recv))

    def write_aggregate(
        self, s: OpenInterestSeries | FundingSeries, *, ts_recv: datetime | None = None, replace: bool = False
    ) -> Written:
        """Store an all-exchange aggregate series (Coinglass) in its own table, apart from the per-venue ones."""
        if not isinstance(s, OpenInterestSeries | FundingSeries):
            raise TypeError(f"no aggregate table for a {type(s).__name__}")
        codec = AGGREGATE_OPEN_INTEREST_CODEC if isinstance(s, OpenInterestSeries) else AGGREGATE_FUNDING_CODEC
        return self.insert_frame(codec.table, codec.encode(s, ts_recv), replace=replace, unique_keys=True)

    def write_series(self, s: Series, *, ts_recv: datetime | None = None, replace: bool = False) -> Written:
        """Write any domain series (``write``). Returns rows inserted (``.replaced``: rows overwritten because
        their values differed, with ``replace=True``)."""
        if type(s) not in _TABLE_OF:
            raise TypeError(f"cannot store a {type(s).__name__}")
        return self.write(s, ts_recv=ts_recv, replace=replace)

    def write_snapshot(self, snap: MarketSnapshot, *, ts_recv: datetime | None = None) -> dict[str, int]:
        """Write every observation of a snapshot; each series is its own transaction and its own lock hold (readers
        get in between batches). Returns rows per table."""
        added = {t.name: 0 for t in TABLES}
        for data in snap.assets.values():
            added[PERP_SNAPSHOTS.name] += self.write_perps(data.perps, ts_recv=ts_recv)
            added[DATED_FUTURES.name] += self.write_futures(data.futures, ts_recv=ts_recv)
            for group in (data.candles, data.open_interest, data.funding, data.long_short, data.taker_volume):
                for s in group:
                    added[_TABLE_OF[type(s)]] += self.write_series(s, ts_recv=ts_recv)
            for venue, chain in option_chains(data).items():
                added[OPTION_ROWS.name] += self.write_option_chain(chain, venue=venue, ts_recv=ts_recv)
            if data.options is not None:
                points = asset_key_points(data)
                added[OPTION_SURFACE_POINTS.name] += self.write_surface_points(
                    data.options.currency, points, data.options.source, ts_recv=ts_recv
                )
            if data.option_trades is not None:
                trades, batches = self._write_trades(data.option_trades, ts_recv)
                added[OPTION_TRADES.name] += trades
                added[OPTION_TRADE_BATCHES.name] += batches
            added[LIQUIDATIONS.name] += self.write_liquidations(data.liquidations, ts_recv=ts_recv)
            added[ORDER_BOOKS.name] += self.write_books(data.books, ts_recv=ts_recv)
            for agg in (data.aggregate_open_interest, data.aggregate_funding):
                if agg is not None:
                    w = self.write_aggregate(agg, ts_recv=ts_recv)
                    added[CODEC_OF_KIND[_AGG_KIND[type(agg)]].table.name] += w
        for m in snap.macro.values():
            added[MACRO.name] += self.write_macro(m, ts_recv=ts_recv)
        return added

    # --- readers (raw rows ≤ a cutoff; point-in-time rules are applied by the snapshot builder) --------------
    def _rows(self, table: Table, where: str, params: Sequence[Any], order: str = "ts_event") -> pd.DataFrame:
        return self.query(f"SELECT * FROM {table.name} WHERE {where} ORDER BY {order}", params)

    _source = staticmethod(rows_source)
    _dt = staticmethod(as_utc)

    def read(
        self, kind: str, asset: str, *, until: datetime | None = None, since: datetime | None = None
    ) -> list[Series]:
        """Every stored series of ``kind`` (``candles``, ``open_interest``, ``funding``, ``long_short``,
        ``taker_volume``) of ``asset``, one per venue and key: rows with ``ts_event ≥ since`` and known by
        ``until`` (``ts_event ≤ until``; for bars ``ts_event + interval_s ≤ until``, the point-in-time rule)."""
        codec = CODEC_OF_KIND.get(kind)
        if codec is None:
            raise ValueError(f"no series kind {kind!r} (one of {', '.join(CODEC_OF_KIND)})")
        if not self.has_table(codec.table):
            return []
        where, params = _window("asset = ?", [asset], None if codec.bars else until, since)
        if codec.bars:
            where, params = _closed_by(where, params, until, self.backend.plus_seconds("ts_event", "interval_s"))
        order = ", ".join(["venue", *(k for k, _ in codec.keys), "ts_event"])
        return codec.decode(self._rows(codec.table, where, params, order), asset)  # type: ignore[return-value]

    def candle_series(
        self, asset: str, *, until: datetime | None = None, since: datetime | None = None
    ) -> list[CandleSeries]:
        """Candle series of ``asset`` (one per venue, market, interval): bars closed by ``until``."""
        return self.read("candles", asset, until=until, since=since)  # type: ignore[return-value]

    def open_interest_series(
        self, asset: str, *, until: datetime | None = None, since: datetime | None = None
    ) -> list[OpenInterestSeries]:
        return self.read("open_interest", asset, until=until, since=since)  # type: ignore[return-value]

    def funding_series(
        self, asset: str, *, until: datetime | None = None, since: datetime | None = None
    ) -> list[FundingSeries]:
        return self.read("funding", asset, until=until, since=since)  # type: ignore[return-value]

    def long_short_series(
        self, asset: str, *, until: datetime | None = None, since: datetime | None = None
    ) -> list[LongShortSeries]:
        return self.read("long_short", asset, until=until, since=since)  # type: ignore[return-value]

    def taker_volume_series(
        self, asset: str, *, until: datetime | None = None, since: datetime | None = None
    ) -> list[TakerVolumeSeries]:
        """Taker volume bars opened at or after ``since`` and closed by ``until``."""
        return self.read("taker_volume", asset, until=until, since=since)  # type: ignore[return-value]

    def macro_series(self, name: str, *, available_by: datetime | None = None) -> MacroSeries | None:
        """The stored series ``name`` with only the values whose ``available_ts ≤ available_by`` (all when None)."""
        where, params = "name = ?", [name]
        if available_by is not None:
            where += " AND available_ts <= ?"
            params.append(_naive(available_by))
        rows = self._rows(MACRO, where, params)
        if rows.empty:
            return None
        last_avail = self._dt(rows["available_ts"].max())
        return MacroSeries(
            name=name,
            unit=str(rows["unit"].iloc[-1]),
            ts=_as_dt64_ms(rows["ts_event"]),
            values=rows["value"].to_numpy(dtype=float),
            source=self._source(rows, last_avail),
            available_ts=_as_dt64_ms(rows["available_ts"]),
        )

    def last_candle_close(self, asset: str, *, until: datetime) -> datetime | None:
        """Close time (open + interval) of the latest candle of ``asset`` closed by ``until``, any venue/market."""
        close = self.backend.plus_seconds("ts_event", "interval_s")
        row = self._exec(f"SELECT max({close}) FROM candles WHERE asset = ? AND {close} <= ?", [asset, _naive(until)])[
            0
        ]
        return None if row[0] is None else self._dt(row[0])

    def price_span(self, asset: str) -> tuple[datetime, datetime] | None:
        """(first, last) time at which the store prices ``asset`` (candle closes and perp snapshots), or None."""
        close = self.backend.plus_seconds("ts_event", "interval_s")
        row = self._exec(
            "SELECT min(t0), max(t1) FROM ("
            f"SELECT min({close}) AS t0, max({close}) AS t1 "
            "FROM candles WHERE asset = ? UNION ALL "
            "SELECT min(ts_event), max(ts_event) FROM perp_snapshots WHERE asset = ?)",
            [asset, asset],
        )[0]
        return None if row[0] is None else (self._dt(row[0]), self._dt(row[1]))

    def priced_assets(self) -> list[str]:
        """Assets with at least one candle or perp snapshot."""
        rows = self._exec(
            "SELECT DISTINCT asset FROM (SELECT asset FROM candles UNION ALL SELECT asset FROM perp_snapshots) "
            "ORDER BY asset"
        )
        return [str(r[0]) for r in rows]

    def coverage(self) -> list[Coverage]:
        """Per table and series (its key columns without ``ts_event``): first and last ``ts_event``, rows, and
        gaps: steps longer than twice the series' median step (liquidations, irregular by nature, have none)."""
        out: list[Coverage] = []
        with self.session():
            for table in self.tables():
                group = _COVERAGE_GROUP.get(table.name) or [k for k in table.key if k != "ts_event"]
                if table is OPTION_ROWS and not self._option_venues:
                    group = ["currency"]  # a version-1 store opened read-only
                rows = self._exec(self.backend.coverage_sql(table.name, group))
                for r in rows:
                    k = len(group)
                    series = "/".join(str(x) for x in r[:k])
                    gaps = None if table.name in (LIQUIDATIONS.name, OPTION_TRADES.name) else int(r[k + 3])
                    out.append(Coverage(table.name, series, self._dt(r[k]), self._dt(r[k + 1]), int(r[k + 2]), gaps))
        return out

    def macro_names(self) -> list[str]:
        return [str(r[0]) for r in self._exec("SELECT DISTINCT name FROM macro ORDER BY name")]

    def latest_perps(self, asset: str, *, as_of: datetime, max_age_s: float) -> list[PerpMetrics]:
        """Per venue, the latest perp snapshot with ``as_of − max_age ≤ ts_event ≤ as_of``."""
        lo = utc(as_of) - pd.Timedelta(seconds=max_age_s).to_pytimedelta()
        rows = self.query(
            "SELECT * FROM perp_snapshots WHERE asset = ? AND ts_event <= ? AND ts_event >= ? "
            "QUALIFY row_number() OVER (PARTITION BY venue ORDER BY ts_event DESC) = 1 ORDER BY venue",
            [asset, _naive(as_of), _naive(lo)],
        )
        out = []
        for _, r in rows.iterrows():
            ts = self._dt(r["ts_event"])
            out.append(
                PerpMetrics(
                    venue=str(r["venue"]),
                    asset=asset,
                    venue_symbol=str(r["venue_symbol"]),
                    mark_price_usd=float(r["mark_price_usd"]),
                    index_price_usd=_f(r["index_price_usd"]),
                    funding_rate_interval=_f(r["funding_rate_interval"]),
                    funding_interval_hours=float(r["funding_interval_hours"]),
                    funding_kind=FundingKind(str(r["funding_kind"])),
                    next_funding_time=None if pd.isna(r["next_funding_time"]) else self._dt(r["next_funding_time"]),
                    oi_base=_f(r["oi_base"]),
                    volume_24h_usd=_f(r["volume_24h_usd"]),
                    source=Source(
                        str(r["source"]),
                        str(r["dataset"]),
                        ts,
                        self._dt(r["ts_recv"]) if not pd.isna(r["ts_recv"]) else ts,
                        bool(r["synthetic"]),
                    ),
                )
            )
        return out

    def latest_futures(self, asset: str, *, as_of: datetime, max_age_s: float) -> list[DatedFuture]:
        """Per (venue, contract), the latest observation with ``as_of − max_age ≤ ts_event ≤ as_of`` of a contract
        not yet expired at ``as_of``; ordered by expiry, then venue."""
        lo = utc(as_of) - pd.Timedelta(seconds=max_age_s).to_pytimedelta()
        rows = self.query(
            "SELECT * FROM dated_futures WHERE asset = ? AND ts_event <= ? AND ts_event >= ? AND expiry > ? "
            "QUALIFY row_number() OVER (PARTITION BY venue, venue_symbol ORDER BY ts_event DESC) = 1 "
            "ORDER BY expiry, venue, venue_symbol",
            [asset, _naive(as_of), _naive(lo), _naive(as_of)],
        )
        return DATED_FUTURE_CODEC.decode(rows)

    def latest_books(self, asset: str, *, as_of: datetime, max_age_s: float) -> list[OrderBook]:
        """Per venue, the latest stored order book of ``asset`` with ``as_of − max_age ≤ ts_event ≤ as_of``."""
        if not self.has_table(ORDER_BOOKS):
            return []
        lo = utc(as_of) - pd.Timedelta(seconds=max_age_s).to_pytimedelta()
        rows = self.query(
            "SELECT * FROM order_books WHERE asset = ? AND ts_event <= ? AND ts_event >= ? "
            "QUALIFY row_number() OVER (PARTITION BY venue ORDER BY ts_event DESC) = 1 ORDER BY venue",
            [asset, _naive(as_of), _naive(lo)],
        )
        return decode_books(rows)

    def _option_rows_of(self, venue: str | None) -> tuple[str, list[Any]] | None:
        """SQL condition (and parameters) for the option rows of ``venue`` (every venue when None); None when the
        store cannot hold that venue's rows (a version-1 store, opened read-only, holds Deribit's only)."""
        if self._option_venues:
            return ("TRUE", []) if venue is None else ("venue = ?", [venue])
        return ("TRUE", []) if venue in (None, PRIMARY_OPTIONS_VENUE) else None

    def option_chain_times(
        self, currency: str, *, venue: str, until: datetime | None = None, since: datetime | None = None
    ) -> list[datetime]:
        """The times (aware UTC, oldest first) of the stored chain snapshots of ``currency`` on ``venue`` with
        ``since ≤ ts_event ≤ until``."""
        of = self._option_rows_of(venue)
        if of is None:
            return []
        where, params = _window(f"currency = ? AND {of[0]}", [currency, *of[1]], until, since)
        rows = self._exec(f"SELECT DISTINCT ts_event FROM option_rows WHERE {where} ORDER BY ts_event", params)
        return [self._dt(r[0]) for r in rows]

    def latest_option_chains(self, currency: str, *, as_of: datetime, max_age_s: float) -> dict[str, OptionChain]:
        """Per venue (sorted by name), the latest stored chain snapshot of ``currency`` taken in
        [as_of − max_age, as_of]."""
        of = self._option_rows_of(None)
        assert of is not None
        venue = "venue" if self._option_venues else f"'{PRIMARY_OPTIONS_VENUE}'"
        lo = utc(as_of) - pd.Timedelta(seconds=max_age_s).to_pytimedelta()
        found = self._exec(
            f"SELECT {venue} AS v, max(ts_event) FROM option_rows WHERE currency = ? AND ts_event <= ? "
            "AND ts_event >= ? GROUP BY v ORDER BY v",
            [currency, _naive(as_of), _naive(lo)],
        )
        out = {}
        for v, at in found:
            if at is not None:
                chain = self._option_chain_at(currency, str(v), at)
                if chain is not None:
                    out[str(v)] = chain
        return out

    def latest_option_chain(
        self, currency: str, *, venue: str, as_of: datetime, max_age_s: float
    ) -> OptionChain | None:
        """The latest stored chain snapshot of ``currency`` on ``venue`` taken in [as_of − max_age, as_of]."""
        of = self._option_rows_of(venue)
        if of is None:
            return None
        lo = utc(as_of) - pd.Timedelta(seconds=max_age_s).to_pytimedelta()
        found = self._exec(
            f"SELECT max(ts_event) FROM option_rows WHERE currency = ? AND {of[0]} AND ts_event <= ? AND ts_event >= ?",
            [currency, *of[1], _naive(as_of), _naive(lo)],
        )
        row = found[0] if found else None
        if row is None or row[0] is None:
            return None
        return self._option_chain_at(currency, venue, row[0])

    def _option_chain_at(self, currency: str, venue: str, ts_event: Any) -> OptionChain | None:
        of = self._option_rows_of(venue)
        if of is None:
            return None
        rows = self._rows(
            OPTION_ROWS,
            f"currency = ? AND {of[0]} AND ts_event = ?",
            [currency, *of[1], ts_event],
            "expiry, strike, instrument",
        )
        return OPTION_CHAIN_CODEC.decode(rows, currency) if len(rows) else None

    def liquidations(self, asset: str, *, until: datetime, since: datetime) -> tuple[LiquidationEvent, ...]:
        where, params = _window("asset = ?", [asset], until, since)
        rows = self._rows(LIQUIDATIONS, where, params)
        out = []
        for _, r in rows.iterrows():
            ts = self._dt(r["ts_event"])
            recv = self._dt(r["ts_recv"]) if not pd.isna(r["ts_recv"]) else ts
            out.append(
                LiquidationEvent(
                    venue=str(r["venue"]),
                    asset=asset,
                    side=LiquidatedSide(str(r["side"])),
                    price_usd=float(r["price_usd"]),
                    size_base=float(r["size_base"]),
                    source=Source(str(r["source"]), str(r["dataset"]), ts, recv, bool(r["synthetic"])),
                    ordinal=int(r["ordinal"]),
                )
            )
        return tuple(out)


_COVERAGE_GROUP: dict[str, list[str]] = {
    LIQUIDATIONS.name: ["venue", "asset"],
    OPTION_ROWS.name: ["venue", "currency"],
    OPTION_TRADES.name: ["currency"],
    OPTION_TRADE_BATCHES.name: ["currency"],
    OPTION_SURFACE_POINTS.name: ["currency"],
}

_TABLE_OF: dict[type, str] = {
    CandleSeries: CANDLES.name,
    OpenInterestSeries: OPEN_INTEREST.name,
    FundingSeries: FUNDING.name,
    LongShortSeries: LONG_SHORT.name,
    TakerVolumeSeries: TAKER_VOLUME.name,
    TakerRatioSeries: TAKER_RATIO.name,
    MacroSeries: MACRO.name,
}


_AGG_KIND: dict[type, str] = {
    OpenInterestSeries: AGGREGATE_OPEN_INTEREST_CODEC.kind,
    FundingSeries: AGGREGATE_FUNDING_CODEC.kind,
}


def table_of(series: Series) -> str:
    """Name of the table a domain series is stored in."""
    return _TABLE_OF[type(series)]


def _naive(dt: datetime) -> datetime:
    return utc(dt).replace(tzinfo=None)


def _window(where: str, params: list[Any], until: datetime | None, since: datetime | None) -> tuple[str, list[Any]]:
    if until is not None:
        where += " AND ts_event <= ?"
        params = [*params, _naive(until)]
    if since is not None:
        where += " AND ts_event >= ?"
        params = [*params, _naive(since)]
    return where, params


def _closed_by(where: str, params: list[Any], until: datetime | None, close: str) -> tuple[str, list[Any]]:
    """Bars closed by ``until``: ``close`` is the backend's SQL for ``ts_event + interval_s``."""
    if until is None:
        return where, params
    return where + f" AND {close} <= ?", [*params, _naive(until)]


def _f(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def option_chains(data: AssetData) -> dict[str, OptionChain]:
    """Every option venue's chain of ``data`` by venue: Deribit's (``options``) first, then ``venue_options``."""
    chains = {PRIMARY_OPTIONS_VENUE: data.options} if data.options is not None else {}
    chains.update(data.venue_options)
    return chains


def iter_series(snapshot: MarketSnapshot) -> Iterable[Series]:
    """Every series of a snapshot (candles, OI, funding, long/short, taker volume, macro)."""
    for data in snapshot.assets.values():
        yield from data.candles
        yield from data.open_interest
        yield from data.funding
        yield from data.long_short
        yield from data.taker_volume
    yield from snapshot.macro.values()
