"""Tables of the history store, one per observation kind, declared as data.

Conventions: timestamps are DuckDB ``TIMESTAMP`` holding UTC (naive); ``ts_event`` is the venue's time of the
observation (for bars the bar's OPEN time; a bar is known from ``ts_event + interval_s`` on), ``ts_recv`` when we
received or imported it. Units are in the column names as in the domain types. ``key`` is the observation's identity:
re-ingesting the same rows inserts nothing (the store's anti-join insert; the history tables are created without a
PRIMARY KEY constraint since issue 14, which made imports 2-3x slower, and older stores keep theirs).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Table:
    """A table: ``columns`` as (name, DuckDB type) pairs and its primary-key column names."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def ddl(self, *, primary_key: bool = True) -> str:
        """``CREATE TABLE IF NOT EXISTS``; ``primary_key=False`` leaves the key to the writer (the history store's
        anti-join insert under its single-writer discipline, ``history_store.HistoryStore._insert``)."""
        cols = ",\n  ".join(f"{c} {t}" + (" NOT NULL" if c in self.key else "") for c, t in self.columns)
        pk = f",\n  PRIMARY KEY ({', '.join(self.key)})" if primary_key else ""
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}{pk}\n)"


_PROV = (("ts_recv", "TIMESTAMP"), ("source", "VARCHAR"), ("dataset", "VARCHAR"), ("synthetic", "BOOLEAN"))

CANDLES = Table(
    "candles",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("market", "VARCHAR"),
        ("interval_s", "INTEGER"),
        ("ts_event", "TIMESTAMP"),
        ("open", "DOUBLE"),
        ("high", "DOUBLE"),
        ("low", "DOUBLE"),
        ("close", "DOUBLE"),
        ("volume_base", "DOUBLE"),
        ("taker_buy_base", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "market", "interval_s", "ts_event"),
)

OPEN_INTEREST = Table(
    "open_interest",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("interval_s", "INTEGER"),
        ("ts_event", "TIMESTAMP"),
        ("oi_base", "DOUBLE"),
        ("oi_usd", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "interval_s", "ts_event"),
)

FUNDING = Table(
    "funding",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("rate_interval", "DOUBLE"),
        ("interval_hours", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "ts_event"),
)

LONG_SHORT = Table(
    "long_short",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("interval_s", "INTEGER"),
        ("ts_event", "TIMESTAMP"),
        ("ratio", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "kind", "interval_s", "ts_event"),
)

TAKER_VOLUME = Table(
    "taker_volume",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("interval_s", "INTEGER"),
        ("ts_event", "TIMESTAMP"),
        ("buy_base", "DOUBLE"),
        ("sell_base", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "interval_s", "ts_event"),
)

OPTION_ROWS = Table(
    "option_rows",
    (
        ("venue", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("instrument", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("expiry", "TIMESTAMP"),
        ("strike", "DOUBLE"),
        ("is_call", "BOOLEAN"),
        ("mark_iv", "DOUBLE"),
        ("oi_base", "DOUBLE"),
        ("volume_base", "DOUBLE"),
        ("underlying_price_usd", "DOUBLE"),
        ("mark_price_coin", "DOUBLE"),
        ("index_price_usd", "DOUBLE"),
        ("delta_published", "DOUBLE"),
        ("gamma_published", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "currency", "instrument", "ts_event"),
)
"""Option chain snapshots, one row per instrument and observation time, per option venue (``deribit`` for
``AssetData.options``, else the key of ``AssetData.venue_options``: ``deribit_usdc``, ``okx``, ``bybit``,
``binance``). ``venue`` joined the key in schema version 2 (``store/migrations.py``): Bybit's instrument names equal
Deribit's; rows stored before it are Deribit's."""

LIQUIDATIONS = Table(
    "liquidations",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("side", "VARCHAR"),
        ("price_usd", "DOUBLE"),
        ("size_base", "DOUBLE"),
        ("ordinal", "INTEGER"),
        *_PROV,
    ),
    ("venue", "asset", "ts_event", "side", "price_usd", "size_base", "ordinal"),
)

MACRO = Table(
    "macro",
    (
        ("name", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("value", "DOUBLE"),
        ("unit", "VARCHAR"),
        ("available_ts", "TIMESTAMP"),
        *_PROV,
    ),
    ("name", "ts_event"),
)

PERP_SNAPSHOTS = Table(
    "perp_snapshots",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("venue_symbol", "VARCHAR"),
        ("mark_price_usd", "DOUBLE"),
        ("index_price_usd", "DOUBLE"),
        ("funding_rate_interval", "DOUBLE"),
        ("funding_interval_hours", "DOUBLE"),
        ("funding_kind", "VARCHAR"),
        ("next_funding_time", "TIMESTAMP"),
        ("oi_base", "DOUBLE"),
        ("volume_24h_usd", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "ts_event"),
)

DATED_FUTURES = Table(
    "dated_futures",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("venue_symbol", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("expiry", "TIMESTAMP"),
        ("mark_price_usd", "DOUBLE"),
        ("index_price_usd", "DOUBLE"),
        ("oi_base", "DOUBLE"),
        ("margin", "VARCHAR"),
        *_PROV,
    ),
    ("venue", "asset", "venue_symbol", "ts_event"),
)

OPTION_TRADES = Table(
    "option_trades",
    (
        ("currency", "VARCHAR"),
        ("trade_id", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("instrument", "VARCHAR"),
        ("expiry", "TIMESTAMP"),
        ("strike", "DOUBLE"),
        ("is_call", "BOOLEAN"),
        ("amount_base", "DOUBLE"),
        ("price_coin", "DOUBLE"),
        ("aggressor", "TINYINT"),
        ("iv", "DOUBLE"),
        ("index_price_usd", "DOUBLE"),
        ("is_block", "BOOLEAN"),
        ("is_combo", "BOOLEAN"),
        *_PROV,
    ),
    ("currency", "trade_id"),
)

# One row per stored batch of option trades: the batch holds every trade of [covered_from, ts_event] (ts_event =
# when it was fetched), so the batches say over which span the stored trades are complete.
OPTION_TRADE_BATCHES = Table(
    "option_trade_batches",
    (("currency", "VARCHAR"), ("ts_event", "TIMESTAMP"), ("covered_from", "TIMESTAMP"), ("trades", "INTEGER"), *_PROV),
    ("currency", "ts_event"),
)

# The volatility surface's key points per stored chain (``point``: rr25_30d, bf25_30d, atm_iv_30d, …, vrp_30d;
# values are fractions of IV), so the report can compare with a week ago and rank the VRP in its own history.
OPTION_SURFACE_POINTS = Table(
    "option_surface_points",
    (("currency", "VARCHAR"), ("point", "VARCHAR"), ("ts_event", "TIMESTAMP"), ("value", "DOUBLE"), *_PROV),
    ("currency", "point", "ts_event"),
)

TAKER_RATIO = Table(
    "taker_ratio",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("interval_s", "INTEGER"),
        ("ts_event", "TIMESTAMP"),
        ("buy_sell_ratio", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "interval_s", "ts_event"),
)
"""Taker buy ÷ sell volume where only the ratio is published (Binance metrics dump); volumes go to taker_volume."""

ORDER_BOOKS = Table(
    "order_books",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("bid_price_usd", "DOUBLE[]"),
        ("bid_size_base", "DOUBLE[]"),
        ("ask_price_usd", "DOUBLE[]"),
        ("ask_size_base", "DOUBLE[]"),
        *_PROV,
    ),
    ("venue", "asset", "ts_event"),
)
"""One L2 book per row, every level as observed (bids best first, asks best first): depth bands, walls, thin zones
and the top levels are all recomputed from it, so a replayed book gives the live figures exactly."""

AGGREGATE_OPEN_INTEREST = Table(
    "aggregate_open_interest",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("interval_s", "INTEGER"),
        ("ts_event", "TIMESTAMP"),
        ("oi_base", "DOUBLE"),
        ("oi_usd", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "interval_s", "ts_event"),
)
"""All-exchange OI from an aggregator (Coinglass): kept apart from the per-venue table so it is never summed with it."""

AGGREGATE_FUNDING = Table(
    "aggregate_funding",
    (
        ("venue", "VARCHAR"),
        ("asset", "VARCHAR"),
        ("ts_event", "TIMESTAMP"),
        ("rate_interval", "DOUBLE"),
        ("interval_hours", "DOUBLE"),
        *_PROV,
    ),
    ("venue", "asset", "ts_event"),
)
"""All-exchange OI-weighted funding from an aggregator (Coinglass), apart from the per-venue settlements."""

TABLES: tuple[Table, ...] = (
    CANDLES,
    OPEN_INTEREST,
    FUNDING,
    LONG_SHORT,
    TAKER_VOLUME,
    OPTION_ROWS,
    LIQUIDATIONS,
    MACRO,
    PERP_SNAPSHOTS,
    DATED_FUTURES,
    OPTION_TRADES,
    OPTION_TRADE_BATCHES,
    OPTION_SURFACE_POINTS,
    ORDER_BOOKS,
    AGGREGATE_OPEN_INTEREST,
    AGGREGATE_FUNDING,
    TAKER_RATIO,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
