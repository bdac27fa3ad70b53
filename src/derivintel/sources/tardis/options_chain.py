"""Tardis.dev downloadable CSV ``options_chain`` (Deribit) → chain snapshots (``OptionChain``), pure.

The documented columns: ``exchange, symbol, timestamp, local_timestamp, type, strike_price, expiration,
open_interest, last_price, bid_price, bid_amount, bid_iv, ask_price, ask_amount, ask_iv, mark_price, mark_iv,
underlying_index, underlying_price, delta, gamma, vega, theta, rho``; timestamps and ``expiration`` in µs since the
epoch, ``mark_price`` in coin, ``mark_iv`` in percent, ``open_interest`` in contracts (= coins on Deribit).

The file is a stream of per-instrument updates. A chain snapshot is taken at the end of every ``every_s`` period
(``ts_event`` = that end): each instrument's latest update at or before it, carried forward from earlier periods,
instruments expired by then left out. No update after the snapshot time is used (no look-ahead). The format has no
traded volume: ``volume_base`` is stored missing (NaN), not zero. ``gz`` files are read as such.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from derivintel.core.errors import UserInputError
from derivintel.core.provenance import Source
from derivintel.domain.options import OptionChain
from derivintel.sources.dumps import DumpFormat, ParsedDump
from derivintel.sources.tardis.markets import TARDIS_MARKETS

OPTIONS_CHAIN_COLUMNS = (
    "exchange",
    "symbol",
    "timestamp",
    "type",
    "strike_price",
    "expiration",
    "open_interest",
    "mark_price",
    "mark_iv",
    "underlying_price",
    "delta",
    "gamma",
)
_NUMERIC = ("timestamp", "strike_price", "expiration", "open_interest", "mark_price", "mark_iv", "underlying_price")


def read_options_chain_csv(path: Path) -> pd.DataFrame:
    """The rows of a Tardis ``options_chain`` CSV with the columns used; one-line ``UserInputError`` otherwise."""
    try:
        frame = pd.read_csv(path, dtype={"symbol": str, "type": str, "exchange": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, EOFError) as exc:
        raise UserInputError(f"{path}: cannot read as a Tardis options_chain CSV ({exc})") from exc
    missing = [c for c in OPTIONS_CHAIN_COLUMNS if c not in frame.columns]
    if missing:
        raise UserInputError(f"{path}: not a Tardis options_chain CSV (missing columns: {', '.join(missing)})")
    return frame.loc[:, list(OPTIONS_CHAIN_COLUMNS)]


def chain_snapshots(frame: pd.DataFrame, *, every_s: int, dataset: str, received_at: datetime) -> list[OptionChain]:
    """One ``OptionChain`` per currency and snapshot time (see the module docstring); rows sorted by time."""
    frame = frame.copy()
    for col in (*_NUMERIC, "delta", "gamma"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame = frame.dropna(subset=list(_NUMERIC)).sort_values("timestamp", kind="stable")
    frame["currency"] = frame["symbol"].str.split("-").str[0].str.upper()
    period_us = every_s * 1_000_000
    frame["snap_us"] = -(-frame["timestamp"].astype("int64") // period_us) * period_us  # ceil to the period end
    out: list[OptionChain] = []
    for currency, rows in frame.groupby("currency", sort=True):
        state: dict[str, pd.Series] = {}
        for snap_us, bucket in rows.groupby("snap_us", sort=True):
            for _, r in bucket.iterrows():
                state[str(r["symbol"])] = r
            live = [r for r in state.values() if int(r["expiration"]) > snap_us]
            if live:
                out.append(_chain(str(currency), live, int(snap_us), dataset, received_at))
    return out


def _chain(currency: str, rows: list[pd.Series], snap_us: int, dataset: str, received_at: datetime) -> OptionChain:
    rows = sorted(rows, key=lambda r: (int(r["expiration"]), float(r["strike_price"]), str(r["symbol"])))
    col = lambda name: np.array([float(r[name]) for r in rows])  # noqa: E731
    at = datetime.fromtimestamp(snap_us / 1e6, tz=UTC)
    return OptionChain(
        currency=currency,
        instrument=tuple(str(r["symbol"]) for r in rows),
        expiry=(np.array([int(r["expiration"]) for r in rows], dtype="int64") // 1000).astype("datetime64[ms]"),
        strike=col("strike_price"),
        is_call=np.array([str(r["type"]).lower() == "call" for r in rows]),
        mark_iv=col("mark_iv") / 100.0,  # percent → fraction
        oi_base=col("open_interest"),
        volume_base=np.full(len(rows), np.nan),  # not in the format: missing, not zero
        underlying_price_usd=col("underlying_price"),
        mark_price_coin=col("mark_price"),
        index_price_usd=None,
        source=Source("tardis", dataset, at, received_at),
        delta_published=col("delta"),
        gamma_published=col("gamma"),
    )


def parse_chain_file(path: Path, *, received_at: datetime, every_s: int = 3600) -> ParsedDump:
    """The chain snapshots of one Tardis ``options_chain`` file, one every ``every_s`` seconds. Rows without a
    time, strike, expiry, OI, mark price, mark IV or underlying are dropped and counted."""
    if every_s <= 0:
        raise UserInputError("the snapshot period must be positive")
    frame = read_options_chain_csv(path)
    exchanges = sorted({str(x) for x in frame["exchange"].dropna().unique()})
    if len(exchanges) > 1:
        raise UserInputError(f"{path}: options_chain rows of several exchanges ({', '.join(exchanges)}): one per file")
    market = TARDIS_MARKETS.get(exchanges[0]) if exchanges else None
    if exchanges and market is None:
        declared = ", ".join(sorted(TARDIS_MARKETS))
        raise UserInputError(f"{path}: exchange {exchanges[0]!r} is not declared for Tardis imports ({declared})")
    chains = chain_snapshots(frame, every_s=every_s, dataset=f"options_chain {path.name}", received_at=received_at)
    kept = int(frame.apply(pd.to_numeric, errors="coerce")[list(_NUMERIC)].notna().all(axis=1).sum())
    dropped = {"missing numeric field": len(frame) - kept} if len(frame) > kept else {}
    notes = [f"{path.name}: {len(chains)} chain snapshot(s), one every {every_s} s"]
    venue = market.venue if market is not None else None
    return ParsedDump(path, chains=chains, chain_venue=venue, dropped=dropped, notes=notes)


DUMP_FORMAT = DumpFormat(
    "tardis-options-chain", parse_chain_file, "Tardis.dev options_chain CSV files (.csv or .csv.gz)"
)
