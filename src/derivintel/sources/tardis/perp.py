"""Tardis.dev downloadable CSVs of perpetuals: ``derivative_ticker``, ``liquidations``, ``book_snapshot_25``.

Formats (docs.tardis.dev "Downloadable CSV files"; headers checked against published samples, see
tests/fixtures/tardis/SOURCES.md). Times are µs since the epoch, UTC; ``timestamp`` is the exchange's time.

- ``derivative_ticker``: ``exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,
  predicted_funding_rate,open_interest,last_price,index_price,mark_price``; one row per ticker update, a field
  empty until the exchange sent it. Each symbol's state (fields carried forward) is sampled at the end of every
  ``every_s`` period holding updates: the last update at or before it becomes a perp snapshot (mark, index, OI,
  funding rate with its next funding time) stamped with that update's own time, and an open-interest sample.
- ``liquidations``: ``exchange,symbol,timestamp,local_timestamp,id,side,price,amount``; ``side`` is the side of the
  liquidation order (``sell``: a long was liquidated, ``buy``: a short), ``unknown`` rows are dropped and counted.
- ``book_snapshot_25``: ``exchange,symbol,timestamp,local_timestamp`` then ``asks[i].price, asks[i].amount,
  bids[i].price, bids[i].amount`` for i = 0..24 (best first; empty when the book is shallower); the last snapshot
  at or before each period end is stored (every level of it).

Units differ by exchange and are declared in each venue's folder (``sources/<venue>/tardis.py``, gathered in
``TARDIS_MARKETS``; an undeclared exchange or symbol is refused, never guessed): linear perpetuals count OI and
amounts in coins, inverse ones in USD (coins = USD ÷ price). Funding, where the exchange's declaration imports it,
is the rate for the current interval, whose length is the spacing of ``funding_timestamp`` (the declared default
when a file holds one funding time).

Validation as for the other dump parsers: a bad row refuses the file in one line naming file and line (exit 2);
the import writes nothing until every file is parsed. ``parse_file`` reads any of the four formats (kind from the
header; ``options_chain`` files go to ``options_chain.parse_chain_file``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from derivintel.core.errors import UserInputError
from derivintel.core.provenance import Source
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.series import OpenInterestSeries
from derivintel.sources.declarations import TardisMarket
from derivintel.sources.dumps import DumpFormat, ParsedDump
from derivintel.sources.row_checks import Check, refuse_bad_rows
from derivintel.sources.tardis.markets import TARDIS_MARKETS

EARLIEST = datetime(2017, 1, 1, tzinfo=UTC)  # no perpetual of a declared exchange traded before

TICKER_COLUMNS = (
    "exchange",
    "symbol",
    "timestamp",
    "local_timestamp",
    "funding_timestamp",
    "funding_rate",
    "predicted_funding_rate",
    "open_interest",
    "last_price",
    "index_price",
    "mark_price",
)
LIQUIDATION_COLUMNS = ("exchange", "symbol", "timestamp", "local_timestamp", "id", "side", "price", "amount")
BOOK_LEVELS = 25
BOOK_COLUMNS = (
    "exchange",
    "symbol",
    "timestamp",
    "local_timestamp",
    *(f"{side}[{i}].{f}" for i in range(BOOK_LEVELS) for side in ("asks", "bids") for f in ("price", "amount")),
)


def detect_tardis_kind(columns: Iterable[str]) -> str:
    """``derivative_ticker``, ``liquidations``, ``book_snapshot_25`` or ``options_chain`` from a CSV header."""
    cols = set(columns)
    if set(TICKER_COLUMNS) <= cols:
        return "derivative_ticker"
    if set(BOOK_COLUMNS) <= cols:
        return "book_snapshot_25"
    if {"strike_price", "expiration", "mark_iv"} <= cols:
        return "options_chain"
    if set(LIQUIDATION_COLUMNS) <= cols:
        return "liquidations"
    shown = ",".join(list(columns)[:8])
    raise UserInputError(
        f"not a Tardis derivative_ticker, liquidations, book_snapshot_25 or options_chain CSV (header: {shown},…)"
    )


def read_tardis_csv(path: Path) -> pd.DataFrame:
    """The file's rows (``.csv`` or ``.csv.gz``); one-line ``UserInputError`` when unreadable."""
    try:
        return pd.read_csv(path, dtype={"exchange": str, "symbol": str, "side": str, "id": str}, low_memory=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, EOFError) as exc:
        raise UserInputError(f"{path}: cannot read as a Tardis CSV ({str(exc).splitlines()[0]})") from exc


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)


def _common_checks(frame: pd.DataFrame, received_at: datetime) -> tuple[list[Check], np.ndarray, list[str | None]]:
    """Declared exchange and symbol, readable time within [2017, received]; returns checks, µs times, assets."""
    ts = _num(frame, "timestamp")
    lo, hi = EARLIEST.timestamp() * 1e6, received_at.timestamp() * 1e6
    assets: list[str | None] = []
    declared = np.zeros(len(frame), dtype=bool)
    for i, (ex, sym) in enumerate(zip(frame["exchange"].astype(str), frame["symbol"].astype(str), strict=True)):
        market = TARDIS_MARKETS.get(ex)
        m = market.symbol.match(sym) if market else None
        assets.append(m.group(1) if m else None)
        declared[i] = m is not None
    names = ", ".join(f"{ex} ({m.symbol.pattern})" for ex, m in TARDIS_MARKETS.items())
    checks = [
        Check(f"exchange/symbol whose units are not declared (declared: {names})", declared),
        Check("timestamp missing or outside 2017..the import time", np.isfinite(ts) & (ts >= lo) & (ts <= hi)),
    ]
    return checks, np.nan_to_num(ts).astype(np.int64), assets


def _period_last(ts_us: np.ndarray, keys: list[str], every_s: int) -> np.ndarray:
    """Indices of the last row (file order for equal times) of each (key, period) with rows; periods end at
    multiples of ``every_s`` and hold times in (end − every_s, end]."""
    period = every_s * 1_000_000
    end = -(-ts_us // period) * period
    order = pd.DataFrame({"k": keys, "end": end, "ts": ts_us, "i": np.arange(len(ts_us))})
    order = order.sort_values(["k", "ts", "i"], kind="stable")
    return order.groupby(["k", "end"], sort=True)["i"].last().to_numpy()


def _source(dataset: str, ts_us: int, received_at: datetime) -> Source:
    return Source("tardis", dataset, datetime.fromtimestamp(ts_us / 1e6, tz=UTC), received_at)


def parse_derivative_ticker(
    name: str, frame: pd.DataFrame, *, every_s: int, received_at: datetime
) -> tuple[list[PerpMetrics], list[OpenInterestSeries]]:
    """Perp snapshots and OI samples, one per symbol and period with updates (module docstring)."""
    checks, ts, assets = _common_checks(frame, received_at)
    num = {c: _num(frame, c) for c in ("funding_timestamp", "funding_rate", "open_interest", "index_price")}
    num["mark_price"] = _num(frame, "mark_price")
    checks += [
        Check("mark_price not positive", ~(num["mark_price"] <= 0)),
        Check("index_price not positive", ~(num["index_price"] <= 0)),
        Check("open_interest negative", ~(num["open_interest"] < 0)),
    ]
    refuse_bad_rows(name, checks, np.arange(len(frame)) + 2, last_row=len(frame) - 1)
    state = pd.DataFrame(num)
    state["sym"] = frame["exchange"].astype(str) + "|" + frame["symbol"].astype(str)
    state["ts"] = ts
    state = state.sort_values(["sym", "ts"], kind="stable")
    filled = state.groupby("sym", sort=False).ffill()  # each field carried forward within its symbol
    filled["sym"], filled["ts"] = state["sym"], state["ts"]
    filled = filled.sort_index()
    perps: list[PerpMetrics] = []
    oi_rows: dict[str, list[tuple[int, float, float]]] = {}
    keys = filled["sym"].tolist()
    hours_of: dict[str, float] = {}
    for i in _period_last(ts, keys, every_s):
        r = filled.iloc[int(i)]
        ex, sym = str(r["sym"]).split("|", 1)
        market = TARDIS_MARKETS[ex]
        mark = float(r["mark_price"])
        if not np.isfinite(mark):
            continue  # no mark known yet for this symbol: nothing to price the snapshot with
        oi_raw = float(r["open_interest"])
        oi_base = (oi_raw / mark if market.usd_amounts else oi_raw) if np.isfinite(oi_raw) else None
        if r["sym"] not in hours_of:
            hours_of[r["sym"]] = _funding_hours(frame, ex, sym, market)
        hours = hours_of[r["sym"]]
        rate = float(r["funding_rate"]) if market.funding and np.isfinite(r["funding_rate"]) else None
        next_ts = float(r["funding_timestamp"])
        src = _source(f"derivative_ticker {ex}", int(r["ts"]), received_at)
        index = float(r["index_price"])
        perps.append(
            PerpMetrics(
                venue=market.venue,
                asset=str(assets[int(i)]),
                venue_symbol=sym,
                mark_price_usd=mark,
                index_price_usd=index if np.isfinite(index) else None,
                funding_rate_interval=rate,
                funding_interval_hours=hours,
                funding_kind=FundingKind.PREDICTED,
                next_funding_time=datetime.fromtimestamp(next_ts / 1e6, tz=UTC) if np.isfinite(next_ts) else None,
                oi_base=oi_base,
                volume_24h_usd=None,
                source=src,
            )
        )
        if oi_base is not None:
            oi_rows.setdefault(f"{ex}|{sym}", []).append((int(r["ts"]), oi_base, oi_base * mark))
    series = []
    for key, rows in oi_rows.items():
        ex, sym = key.split("|", 1)
        market = TARDIS_MARKETS[ex]
        t = (np.array([x[0] for x in rows], dtype=np.int64) // 1000).astype("datetime64[ms]")
        coin = market.symbol.match(sym).group(1)  # type: ignore[union-attr]
        series.append(
            OpenInterestSeries(
                venue=market.venue,
                asset=coin,
                interval_s=every_s,
                ts=t,
                oi_base=np.array([x[1] for x in rows]),
                oi_usd=np.array([x[2] for x in rows]),
                source=_source(f"derivative_ticker {ex}", rows[-1][0], received_at),
            )
        )
    return perps, series


def _funding_hours(frame: pd.DataFrame, exchange: str, symbol: str, market: TardisMarket) -> float:
    """The funding interval of ``symbol``: the spacing of its distinct funding times, else the declared default."""
    rows = frame[(frame["exchange"] == exchange) & (frame["symbol"] == symbol)]
    times = np.unique(pd.to_numeric(rows["funding_timestamp"], errors="coerce").dropna().to_numpy())
    steps = np.diff(times) / 3.6e9
    steps = steps[steps > 0]
    return float(np.median(steps)) if len(steps) else market.default_funding_hours


def parse_liquidations(name: str, frame: pd.DataFrame, *, received_at: datetime) -> tuple[list[LiquidationEvent], int]:
    """Liquidation events (sizes in coins) and the number of rows with side ``unknown`` (dropped)."""
    checks, ts, assets = _common_checks(frame, received_at)
    price, amount = _num(frame, "price"), _num(frame, "amount")
    side = frame["side"].astype(str).str.lower().to_numpy()
    checks += [
        Check("side not buy, sell or unknown", np.isin(side, ["buy", "sell", "unknown"])),
        Check("price not positive", np.isfinite(price) & (price > 0)),
        Check("amount not positive", np.isfinite(amount) & (amount > 0)),
    ]
    refuse_bad_rows(name, checks, np.arange(len(frame)) + 2, last_row=len(frame) - 1)
    events: list[LiquidationEvent] = []
    seen: dict[tuple, int] = {}
    for i in range(len(frame)):
        if side[i] == "unknown":
            continue
        ex = str(frame["exchange"].iloc[i])
        market = TARDIS_MARKETS[ex]
        size = amount[i] / price[i] if market.usd_amounts else amount[i]
        liq = LiquidatedSide.LONG if side[i] == "sell" else LiquidatedSide.SHORT
        key = (market.venue, assets[i], int(ts[i]), liq, float(price[i]), float(size))
        ordinal = seen.get(key, 0)  # identical rows are distinct liquidations: told apart by their order
        seen[key] = ordinal + 1
        src = _source(f"liquidations {ex}", int(ts[i]), received_at)
        events.append(LiquidationEvent(market.venue, str(assets[i]), liq, float(price[i]), float(size), src, ordinal))
    return events, int((side == "unknown").sum())


def parse_book_snapshots(name: str, frame: pd.DataFrame, *, every_s: int, received_at: datetime) -> list[OrderBook]:
    """The last 25-level snapshot of each symbol and period, every level kept (sizes in coins)."""
    checks, ts, assets = _common_checks(frame, received_at)
    cols = {c: _num(frame, c) for c in BOOK_COLUMNS[4:]}
    prices = np.column_stack([cols[f"{s}[{i}].price"] for s in ("bids", "asks") for i in range(BOOK_LEVELS)])
    amounts = np.column_stack([cols[f"{s}[{i}].amount"] for s in ("bids", "asks") for i in range(BOOK_LEVELS)])
    bid_p, ask_p = prices[:, :BOOK_LEVELS], prices[:, BOOK_LEVELS:]
    checks += [
        Check("price not positive", np.all(~(prices <= 0), axis=1)),
        Check("amount negative", np.all(~(amounts < 0), axis=1)),
        Check("level with a price and no amount", np.all(np.isnan(prices) == np.isnan(amounts), axis=1)),
        Check("bids not in descending price order", _monotone(bid_p, descending=True)),
        Check("asks not in ascending price order", _monotone(ask_p, descending=False)),
        Check("crossed book (best bid at or above best ask)", ~(bid_p[:, 0] >= ask_p[:, 0])),
    ]
    refuse_bad_rows(name, checks, np.arange(len(frame)) + 2, last_row=len(frame) - 1)
    keys = (frame["exchange"].astype(str) + "|" + frame["symbol"].astype(str)).tolist()
    books = []
    for i in _period_last(ts, keys, every_s):
        i = int(i)
        ex = str(frame["exchange"].iloc[i])
        market = TARDIS_MARKETS[ex]
        sides = []
        for lo in (0, BOOK_LEVELS):
            p, q = prices[i, lo : lo + BOOK_LEVELS], amounts[i, lo : lo + BOOK_LEVELS]
            ok = np.isfinite(p) & np.isfinite(q)
            levels = np.column_stack([p[ok], q[ok] / p[ok] if market.usd_amounts else q[ok]])
            sides.append(levels.reshape(-1, 2))
        src = _source(f"book_snapshot_25 {ex}", int(ts[i]), received_at)
        books.append(OrderBook(market.venue, str(assets[i]), sides[0], sides[1], src))
    return books


def _monotone(levels: np.ndarray, *, descending: bool) -> np.ndarray:
    """Rows whose non-empty levels are strictly monotone in price."""
    out = np.ones(len(levels), dtype=bool)
    for r in range(len(levels)):
        p = levels[r][np.isfinite(levels[r])]
        d = np.diff(p)
        out[r] = bool(np.all(d < 0) if descending else np.all(d > 0))
    return out


def parse_file(path: Path, *, received_at: datetime, every_s: int = 300) -> ParsedDump:
    """One Tardis CSV of any of the four formats (kind from the header), sampled every ``every_s`` seconds."""
    from derivintel.sources.tardis.options_chain import parse_chain_file

    if every_s <= 0:
        raise UserInputError("the sampling period must be positive")
    frame = read_tardis_csv(path)
    try:
        kind = detect_tardis_kind(str(c) for c in frame.columns)
    except UserInputError as exc:
        raise UserInputError(f"{path.name}: {exc}") from exc
    if kind == "options_chain":
        return parse_chain_file(path, received_at=received_at, every_s=every_s)
    if frame.empty:
        raise UserInputError(f"{path.name}: no rows")
    p = ParsedDump(path)
    if kind == "derivative_ticker":
        perps, oi = parse_derivative_ticker(path.name, frame, every_s=every_s, received_at=received_at)
        p.perps, p.series = perps, list(oi)
        detail = f"{len(p.perps)} perp snapshot(s), the last update of every {every_s} s period"
    elif kind == "liquidations":
        p.liquidations, unknown_side = parse_liquidations(path.name, frame, received_at=received_at)
        if unknown_side:
            p.dropped["liquidation side unknown"] = unknown_side
        detail = ""
    else:
        p.books = parse_book_snapshots(path.name, frame, every_s=every_s, received_at=received_at)
        detail = f"{len(p.books)} book(s), the last update of every {every_s} s period"
    p.notes.append(f"{path.name}: Tardis {kind}" + (f"; {detail}" if detail else ""))
    return p


DUMP_FORMAT = DumpFormat(
    "tardis",
    parse_file,
    "Tardis.dev CSVs (.csv or .csv.gz): derivative_ticker, liquidations, book_snapshot_25, options_chain",
)
