"""Hyperliquid observed positions in the history store: known addresses, account snapshots and failed reads.

Tables (created on first use, in the same store as the other observations, on any backend: DuckDB, chDB or a
ClickHouse server; times naive UTC). Writes go through the backend's anti-join insert (``HistoryStore.insert_frame``);
``hl_addresses`` rows are rewritten with ``replace`` when their aggregates change:

- ``hl_sightings``: one row per (address, trade): a trade seen twice counts once.
- ``hl_addresses``: one row per address discovered in trades: ``first_seen``/``last_seen`` (trade times),
  ``trades`` and ``notional_usd`` (aggregates of its sightings), and the last successful read's account notional
  (``account_notional_usd``: "largest first").
- ``hl_account_snapshots``: one row per successful ``clearinghouseState`` read (``address, ts_event``): the margin
  summary and the number of open positions (0 = flat, a real observation).
- ``hl_positions``: the positions of each snapshot (``address, ts_event, coin``).
- ``hl_poll_failures``: one row per failed read (``address, ts_attempt``, error). A failed read writes no snapshot:
  the account's positions are missing for that round, never zero.

Reading back (``observed_positions``) takes, per address, the latest snapshot in ``[as_of − max_age, as_of]``;
addresses whose only reads in that window failed are counted in ``accounts_failed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from derivintel.core.provenance import Source
from derivintel.core.timeutil import utc
from derivintel.domain.positions import AccountState, AddressSighting, ObservedPositions
from derivintel.sources.hyperliquid.positions import CLEARINGHOUSE_STATE
from derivintel.sources.hyperliquid.positions import VENUE as POSITIONS_VENUE
from derivintel.store.history_store import HistoryStore
from derivintel.store.schema import Table

_PROV = (("ts_recv", "TIMESTAMP"), ("source", "VARCHAR"), ("dataset", "VARCHAR"), ("synthetic", "BOOLEAN"))

ADDRESSES = Table(
    "hl_addresses",
    (
        ("address", "VARCHAR"),
        ("first_seen", "TIMESTAMP"),
        ("last_seen", "TIMESTAMP"),
        ("trades", "BIGINT"),
        ("notional_usd", "DOUBLE"),
        ("account_notional_usd", "DOUBLE"),
    ),
    ("address",),
)
ACCOUNT_SNAPSHOTS = Table(
    "hl_account_snapshots",
    (
        ("address", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("account_value_usd", "DOUBLE"),
        ("total_notional_usd", "DOUBLE"),
        ("total_margin_used_usd", "DOUBLE"),
        ("withdrawable_usd", "DOUBLE"),
        ("n_positions", "INTEGER"),
        *_PROV,
    ),
    ("address", "ts_event"),
)
POSITIONS = Table(
    "hl_positions",
    (
        ("address", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("coin", "VARCHAR"),
        ("size_base", "DOUBLE"),
        ("entry_price_usd", "DOUBLE"),
        ("liquidation_price_usd", "DOUBLE"),
        ("leverage", "DOUBLE"),
        ("is_cross", "BOOLEAN"),
        ("margin_used_usd", "DOUBLE"),
        ("position_value_usd", "DOUBLE"),
        *_PROV,
    ),
    ("address", "ts_event", "coin"),
)
SIGHTINGS = Table(
    "hl_sightings",
    (
        ("address", "VARCHAR"),
        ("trade_id", "VARCHAR"),
        ("coin", "VARCHAR"),
        ("seen_at", "TIMESTAMP"),
        ("notional_usd", "DOUBLE"),
    ),
    ("address", "trade_id"),
)
POLL_FAILURES = Table(
    "hl_poll_failures",
    (("address", "VARCHAR"), ("ts_attempt", "TIMESTAMP"), ("error", "VARCHAR")),
    ("address", "ts_attempt"),
)
POSITION_TABLES: tuple[Table, ...] = (SIGHTINGS, ADDRESSES, ACCOUNT_SNAPSHOTS, POSITIONS, POLL_FAILURES)
_IN_CHUNK = 1000  # addresses per ``IN (...)`` list: a few tens of kB of SQL, under ClickHouse's max_query_size


def _naive(dt: datetime) -> datetime:
    return utc(dt).replace(tzinfo=None)


def _address_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``hl_addresses`` rows in its column order and dtypes, whatever the backend returned (chDB: ``count()`` is
    UInt64): trades int64, times ``datetime64[ms]`` naive UTC, notionals float64 USD (NaN when unknown)."""
    out = frame.loc[:, list(ADDRESSES.column_names)].copy()
    out["trades"] = out["trades"].astype(np.int64)
    for c in ("first_seen", "last_seen"):
        out[c] = out[c].astype("datetime64[ms]")
    for c in ("notional_usd", "account_notional_usd"):
        out[c] = out[c].astype(np.float64)
    return out


@dataclass(frozen=True, slots=True)
class KnownAddress:
    """One row of ``hl_addresses`` (times aware UTC)."""

    address: str
    first_seen: datetime
    last_seen: datetime
    trades: int
    notional_usd: float
    account_notional_usd: float | None
    last_read: datetime | None = None


class PositionsStore:
    """Positions tables on an open ``HistoryStore`` of any backend (the tables are created when missing, unless
    ``create=False``: readers)."""

    def __init__(self, store: HistoryStore, *, create: bool = True) -> None:
        self.store = store
        if create:
            with store.session() as con:
                for table in POSITION_TABLES:
                    store.backend.create_table(con, table)

    def _exec(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return self.store._exec(sql, params)

    # --- addresses -------------------------------------------------------------------------------------------
    def record_sightings(self, sightings: Iterable[AddressSighting]) -> int:
        """Store sightings (a trade already stored is ignored) and refresh the aggregates of the addresses
        concerned; returns how many addresses were new."""
        rows = [
            {
                "address": s.address,
                "trade_id": s.trade_id,
                "coin": s.coin,
                "seen_at": _naive(s.seen_at),
                "notional_usd": s.notional_usd,
            }
            for s in sightings
        ]
        if not rows:
            return 0
        frame = pd.DataFrame(rows, columns=list(SIGHTINGS.column_names))
        with self.store.session():  # one lock hold for the sightings and the aggregates
            self.store.insert_frame(SIGHTINGS, frame)
            touched = list(dict.fromkeys(frame["address"]))
            return self._refresh_addresses(touched)

    def _refresh_addresses(self, touched: list[str]) -> int:
        """Recompute the trade aggregates of ``touched`` from ``hl_sightings`` (an address's last account notional
        is kept) and write them over the stored rows; returns how many addresses were new."""
        frames = []
        for i in range(0, len(touched), _IN_CHUNK):
            chunk = touched[i : i + _IN_CHUNK]
            frames.append(
                self.store.query(
                    "SELECT address, min(seen_at) AS first_t, max(seen_at) AS last_t, count(*) AS n, "
                    "sum(notional_usd) AS notional FROM hl_sightings "
                    f"WHERE address IN ({', '.join('?' * len(chunk))}) GROUP BY address",
                    chunk,
                )
            )
        agg = pd.concat(frames, ignore_index=True)  # aliases unlike the columns: ClickHouse resolves aliases first
        if agg.empty:
            return 0
        agg.columns = ["address", "first_seen", "last_seen", "trades", "notional_usd"]
        kept = self._account_notionals(touched)
        agg["account_notional_usd"] = [kept.get(a) for a in agg["address"]]
        return int(self.store.insert_frame(ADDRESSES, _address_rows(agg), replace=True, unique_keys=True))

    def _account_notionals(self, addresses: list[str]) -> dict[str, float | None]:
        """The stored ``account_notional_usd`` of those of ``addresses`` already known."""
        out: dict[str, float | None] = {}
        for i in range(0, len(addresses), _IN_CHUNK):
            chunk = addresses[i : i + _IN_CHUNK]
            for address, notional in self._exec(
                f"SELECT address, account_notional_usd FROM hl_addresses WHERE address IN "
                f"({', '.join('?' * len(chunk))})",
                chunk,
            ):
                out[str(address)] = None if notional is None else float(notional)
        return out

    def addresses(self) -> list[KnownAddress]:
        """Known addresses in polling priority: largest last account notional, then most traded notional, then
        most recently seen. Addresses whose latest read failed keep their place (retried next round)."""
        with self.store.session():
            rows = self._exec(
                "SELECT address, first_seen, last_seen, trades, notional_usd, account_notional_usd FROM hl_addresses "
                "ORDER BY coalesce(account_notional_usd, 0) DESC, notional_usd DESC, last_seen DESC, address"
            )
            last_read = {
                str(r[0]): r[1]
                for r in self._exec("SELECT address, max(ts_event) FROM hl_account_snapshots GROUP BY address")
            }
        return [
            KnownAddress(
                r[0],
                utc(r[1]),
                utc(r[2]),
                int(r[3]),
                float(r[4]),
                None if r[5] is None else float(r[5]),
                None if last_read.get(r[0]) is None else utc(last_read[r[0]]),
            )
            for r in rows
        ]

    # --- account reads ---------------------------------------------------------------------------------------
    def write_account(self, state: AccountState) -> int:
        """Store one successful read (snapshot + positions, one transaction); returns snapshot rows inserted."""
        src, ts = state.source, _naive(state.source.as_of)
        prov = {
            "ts_recv": _naive(src.fetched_at),
            "source": src.name,
            "dataset": src.dataset,
            "synthetic": bool(src.synthetic),
        }
        snap = pd.DataFrame(
            [
                {
                    "address": state.address,
                    "ts_event": ts,
                    "account_value_usd": state.margin.account_value_usd,
                    "total_notional_usd": state.margin.total_notional_usd,
                    "total_margin_used_usd": state.margin.total_margin_used_usd,
                    "withdrawable_usd": state.margin.withdrawable_usd,
                    "n_positions": len(state.positions),
                    **prov,
                }
            ]
        )
        pos = pd.DataFrame(
            [
                {
                    "address": state.address,
                    "ts_event": ts,
                    "coin": p.coin,
                    "size_base": p.size_base,
                    "entry_price_usd": p.entry_price_usd,
                    "liquidation_price_usd": p.liquidation_price_usd,
                    "leverage": p.leverage,
                    "is_cross": p.is_cross,
                    "margin_used_usd": p.margin_used_usd,
                    "position_value_usd": p.position_value_usd,
                    **prov,
                }
                for p in state.positions
            ],
            columns=list(POSITIONS.column_names),
        )
        with self.store.session():
            added = self.store.insert_frame(ACCOUNT_SNAPSHOTS, snap)
            self.store.insert_frame(POSITIONS, pos)
            self._set_account_notional(state.address, state.margin.total_notional_usd)
        return added

    def _set_account_notional(self, address: str, notional_usd: float) -> None:
        """The address's last account notional (an address never seen in trades has no row: nothing to set)."""
        stored = self.store.query(
            "SELECT address, first_seen, last_seen, trades, notional_usd FROM hl_addresses WHERE address = ?",
            [address],
        )
        if stored.empty:
            return
        stored["account_notional_usd"] = notional_usd
        self.store.insert_frame(ADDRESSES, _address_rows(stored), replace=True, unique_keys=True)

    def record_failure(self, address: str, at: datetime, error: str) -> None:
        """A failed read: kept as a failure, no snapshot (the account is not flat, it is unknown)."""
        frame = pd.DataFrame([{"address": address, "ts_attempt": _naive(at), "error": error[:300]}])
        self.store.insert_frame(POLL_FAILURES, frame)

    # --- reading back ----------------------------------------------------------------------------------------
    def observed_positions(self, coin: str, *, as_of: datetime, max_age: timedelta) -> ObservedPositions | None:
        """``coin`` positions of every account's latest read in ``[as_of − max_age, as_of]``; None when no account
        was read in that window. ``accounts_failed`` counts addresses with only failed reads in the window."""
        hi, lo = _naive(as_of), _naive(as_of - max_age)
        latest = (
            "SELECT address, max(ts_event) AS last_ts FROM hl_account_snapshots "
            "WHERE ts_event >= ? AND ts_event <= ? GROUP BY address"
        )
        n_ok = self._exec(f"SELECT count(*) FROM ({latest})", [lo, hi])[0][0]
        if not n_ok:
            return None
        failed = self._exec(
            "SELECT count(DISTINCT f.address) FROM hl_poll_failures f WHERE f.ts_attempt >= ? AND f.ts_attempt <= ? "
            f"AND f.address NOT IN (SELECT address FROM ({latest}))",
            [lo, hi, lo, hi],
        )[0][0]
        rows = self.store.query(
            "SELECT p.ts_event, p.size_base, p.liquidation_price_usd, p.leverage, p.is_cross, p.position_value_usd, "
            "p.ts_recv, p.synthetic FROM hl_positions p "
            f"JOIN ({latest}) l ON p.address = l.address AND p.ts_event = l.last_ts WHERE p.coin = ? "
            "ORDER BY p.ts_event, p.address",
            [lo, hi, coin],
        )
        # as_of = the OLDEST account read used (the map is as fresh as its oldest read); fetched_at = the newest.
        span = self._exec(
            f"SELECT min(s.ts_event), max(s.ts_recv), {self.store.backend.any_true('s.synthetic')} "
            "FROM hl_account_snapshots s "
            f"JOIN ({latest}) l ON s.address = l.address AND s.ts_event = l.last_ts",
            [lo, hi],
        )[0]
        ep = CLEARINGHOUSE_STATE  # the venue's published positions, declared in its folder
        source = Source(ep.provider, ep.dataset, utc(span[0]), utc(span[1]), synthetic=bool(span[2]))
        return ObservedPositions(
            venue=POSITIONS_VENUE,
            coin=coin,
            observed_at=rows["ts_event"].to_numpy().astype("datetime64[ms]"),
            size_base=rows["size_base"].to_numpy(dtype=np.float64),
            liquidation_price_usd=rows["liquidation_price_usd"].to_numpy(dtype=np.float64, na_value=np.nan),
            leverage=rows["leverage"].to_numpy(dtype=np.float64),
            is_cross=rows["is_cross"].to_numpy(dtype=bool),
            position_value_usd=rows["position_value_usd"].to_numpy(dtype=np.float64),
            accounts_observed=int(n_ok),
            accounts_failed=int(failed),
            source=source,
        )

    def counts(self) -> dict[str, int]:
        """Rows per positions table."""
        return {t.name: int(self._exec(f"SELECT count(*) FROM {t.name}")[0][0]) for t in POSITION_TABLES}


def stored_observed_positions(
    store: HistoryStore, coin: str, *, as_of: datetime, max_age: timedelta
) -> ObservedPositions | None:
    """``observed_positions`` on any store, read-only ones included; None when positions were never collected."""
    if not store.has_table(ACCOUNT_SNAPSHOTS):
        return None
    return PositionsStore(store, create=False).observed_positions(coin, as_of=as_of, max_age=max_age)
