"""One codec per observation kind: how a domain object becomes rows of its table and back (issue 13 §5).

A codec is data: the table, the domain type, the key columns beyond (venue, asset, ts_event), and the value columns
with the attribute each one maps to. ``HistoryStore.write(obj)`` and ``HistoryStore.read(kind, asset, …)`` are the
generic pair built on them; the per-kind ``write_candles``/``candle_series``… are thin aliases kept for callers.

Units are those of the columns (``_base`` in coins, ``_usd`` in USD, ``rate_interval`` a fraction per funding
interval); timestamps are naive UTC ``datetime64[ms]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_ms, utc
from derivintel.domain.futures import DatedFuture, Margin
from derivintel.domain.option_trades import OptionTrades
from derivintel.domain.options import OptionChain
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortKind,
    LongShortSeries,
    OpenInterestSeries,
    TakerRatioSeries,
    TakerVolumeSeries,
)
from derivintel.store.schema import (
    AGGREGATE_FUNDING,
    AGGREGATE_OPEN_INTEREST,
    CANDLES,
    DATED_FUTURES,
    FUNDING,
    LONG_SHORT,
    OPEN_INTEREST,
    OPTION_ROWS,
    OPTION_TRADE_BATCHES,
    OPTION_TRADES,
    TAKER_RATIO,
    TAKER_VOLUME,
    Table,
)

VenueSeries = CandleSeries | OpenInterestSeries | FundingSeries | LongShortSeries | TakerVolumeSeries | TakerRatioSeries


def ts_col(values: np.ndarray | Sequence[datetime | None]) -> pd.Series:
    """``datetime64[ms]`` array (UTC, naive) or aware datetimes → a naive-UTC pandas datetime column."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return pd.Series(values.astype("datetime64[ms]"))
    ms = [np.datetime64("NaT") if v is None else np.datetime64(to_ms(v), "ms") for v in values]
    return pd.Series(np.array(ms, dtype="datetime64[ms]"))


def dt64_ms(col: pd.Series) -> np.ndarray:
    """A stored timestamp column as ``datetime64[ms]`` (naive UTC)."""
    return col.to_numpy().astype("datetime64[ms]")


def repeated(value: str, n: int) -> pd.Categorical:
    """``n`` copies of one string as a one-category column (cheap to build and to hand to DuckDB)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [value])


def provenance(source: Source, ts_recv: datetime | None, n: int) -> dict[str, Any]:
    """The provenance columns of ``n`` rows observed under ``source`` (``ts_recv`` defaults to its fetch time)."""
    recv = utc(ts_recv) if ts_recv is not None else source.fetched_at
    return {
        "ts_recv": pd.Series(np.full(n, np.datetime64(to_ms(recv), "ms"), dtype="datetime64[ms]")),
        "source": repeated(source.name, n),
        "dataset": repeated(source.dataset, n),
        "synthetic": np.full(n, bool(source.synthetic)),
    }


def as_utc(value: Any) -> datetime:
    """A stored naive-UTC timestamp as an aware datetime."""
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=UTC)


def rows_source(rows: pd.DataFrame, as_of: datetime) -> Source:
    """Provenance of a group of stored rows: the last row's source and dataset, the latest receive time."""
    last = rows.iloc[-1]
    recv = rows["ts_recv"].max()
    fetched = as_of if pd.isna(recv) else as_utc(recv)
    return Source(
        name=str(last["source"]),
        dataset=str(last["dataset"]),
        as_of=as_of,
        fetched_at=fetched,
        synthetic=bool(rows["synthetic"].any()),
    )


@dataclass(frozen=True, slots=True)
class SeriesCodec:
    """A per-venue series kind. ``keys``: columns beyond (venue, asset, ts_event) naming one series, each with the
    attribute it maps to and the decoder of its stored value; ``values``: value column → attribute; ``optional``:
    attributes that may be None (stored as NaN; all-NaN decodes to None); ``bars``: rows are bars known only once
    closed (``ts_event + interval_s ≤ until``; the source's as_of is the last close)."""

    kind: str
    table: Table
    cls: type
    keys: tuple[tuple[str, Callable[[Any], Any]], ...]
    values: tuple[str, ...]
    optional: frozenset[str] = frozenset()
    bars: bool = False

    def encode(self, s: VenueSeries, ts_recv: datetime | None) -> pd.DataFrame:
        """The rows of ``s`` (one per timestamp) with the table's columns."""
        n = len(s)
        cols: dict[str, Any] = {"venue": repeated(s.venue, n), "asset": repeated(s.asset, n), "ts_event": ts_col(s.ts)}
        for key, _ in self.keys:
            v = getattr(s, key)
            cols[key] = (
                np.full(n, v, dtype=np.int32) if key == "interval_s" else repeated(str(getattr(v, "value", v)), n)
            )
        for col in self.values:
            v = getattr(s, col)
            cols[col] = np.full(n, np.nan) if v is None else np.asarray(v, dtype=float)
        return pd.DataFrame({**cols, **provenance(s.source, ts_recv, n)})

    def decode(self, rows: pd.DataFrame, asset: str) -> list[VenueSeries]:
        """One series per (venue, keys) group of ``rows`` (ordered by ts_event within a group)."""
        group_cols = ["venue", *(k for k, _ in self.keys)]
        out = []
        for group, g in rows.groupby(group_cols, sort=True):
            venue, *key_values = group
            kw: dict[str, Any] = {"venue": str(venue), "asset": asset}
            kw.update({k: conv(v) for (k, conv), v in zip(self.keys, key_values, strict=True)})
            kw["ts"] = dt64_ms(g["ts_event"])
            for col in self.values:
                arr = g[col].to_numpy(dtype=float)
                kw[col] = None if col in self.optional and np.isnan(arr).all() else arr
            as_of = as_utc(g["ts_event"].iloc[-1])
            if self.bars:
                as_of += pd.Timedelta(seconds=int(kw["interval_s"])).to_pytimedelta()
            kw["source"] = rows_source(g, as_of)
            out.append(self.cls(**kw))
        return out


CANDLE_CODEC = SeriesCodec(
    "candles",
    CANDLES,
    CandleSeries,
    (("market", str), ("interval_s", int)),
    ("open", "high", "low", "close", "volume_base", "taker_buy_base"),
    frozenset({"taker_buy_base"}),
    bars=True,
)
OPEN_INTEREST_CODEC = SeriesCodec(
    "open_interest", OPEN_INTEREST, OpenInterestSeries, (("interval_s", int),), ("oi_base", "oi_usd")
)
FUNDING_CODEC = SeriesCodec("funding", FUNDING, FundingSeries, (), ("rate_interval", "interval_hours"))
LONG_SHORT_CODEC = SeriesCodec(
    "long_short",
    LONG_SHORT,
    LongShortSeries,
    (("kind", lambda v: LongShortKind(str(v))), ("interval_s", int)),
    ("ratio",),
)
TAKER_VOLUME_CODEC = SeriesCodec(
    "taker_volume", TAKER_VOLUME, TakerVolumeSeries, (("interval_s", int),), ("buy_base", "sell_base"), bars=True
)
TAKER_RATIO_CODEC = SeriesCodec(
    "taker_ratio", TAKER_RATIO, TakerRatioSeries, (("interval_s", int),), ("buy_sell_ratio",)
)

SERIES_CODECS: tuple[SeriesCodec, ...] = (
    CANDLE_CODEC,
    OPEN_INTEREST_CODEC,
    FUNDING_CODEC,
    LONG_SHORT_CODEC,
    TAKER_VOLUME_CODEC,
    TAKER_RATIO_CODEC,
)
AGGREGATE_OPEN_INTEREST_CODEC = SeriesCodec(
    "aggregate_open_interest",
    AGGREGATE_OPEN_INTEREST,
    OpenInterestSeries,
    (("interval_s", int),),
    ("oi_base", "oi_usd"),
)
AGGREGATE_FUNDING_CODEC = SeriesCodec(
    "aggregate_funding", AGGREGATE_FUNDING, FundingSeries, (), ("rate_interval", "interval_hours")
)
AGGREGATE_CODECS: tuple[SeriesCodec, ...] = (AGGREGATE_OPEN_INTEREST_CODEC, AGGREGATE_FUNDING_CODEC)
"""All-exchange aggregates (``AssetData.aggregate_*``): same domain types as the per-venue series, their own tables,
so they are written by kind (``HistoryStore.write_aggregate``), never by type."""

CODEC_OF_TYPE: dict[type, SeriesCodec] = {c.cls: c for c in SERIES_CODECS}
CODEC_OF_KIND: dict[str, SeriesCodec] = {c.kind: c for c in (*SERIES_CODECS, *AGGREGATE_CODECS)}


def _nan(v: float | None) -> float:
    return np.nan if v is None else float(v)


def _opt_float(v: Any) -> float | None:
    return None if pd.isna(v) else float(v)


@dataclass(frozen=True, slots=True)
class DatedFutureCodec:
    """Dated-future observations: one row per (venue, asset, contract, observation time). ``expiry`` naive UTC;
    ``mark_price_usd``/``index_price_usd`` USD (index NaN when the venue sends none); ``oi_base`` coins or NaN."""

    kind: str = "dated_futures"
    table: Table = DATED_FUTURES

    def encode(self, futures: Sequence[DatedFuture], ts_recv: datetime | None) -> pd.DataFrame:
        n = len(futures)
        recv = [utc(ts_recv) if ts_recv is not None else f.source.fetched_at for f in futures]
        return pd.DataFrame(
            {
                "venue": [f.venue for f in futures],
                "asset": [f.asset for f in futures],
                "venue_symbol": [f.venue_symbol for f in futures],
                "ts_event": ts_col([f.source.as_of for f in futures]),
                "expiry": ts_col([f.expiry for f in futures]),
                "mark_price_usd": [float(f.mark_price_usd) for f in futures],
                "index_price_usd": [_nan(f.index_price_usd) for f in futures],
                "oi_base": [_nan(f.oi_base) for f in futures],
                "margin": [f.margin.value for f in futures],
                "ts_recv": ts_col(recv) if n else pd.Series([], dtype="datetime64[ms]"),
                "source": [f.source.name for f in futures],
                "dataset": [f.source.dataset for f in futures],
                "synthetic": [bool(f.source.synthetic) for f in futures],
            }
        )

    def decode(self, rows: pd.DataFrame) -> list[DatedFuture]:
        out = []
        for r in rows.itertuples(index=False):
            as_of = as_utc(r.ts_event)
            out.append(
                DatedFuture(
                    venue=str(r.venue),
                    asset=str(r.asset),
                    venue_symbol=str(r.venue_symbol),
                    expiry=as_utc(r.expiry),
                    mark_price_usd=float(r.mark_price_usd),
                    index_price_usd=_opt_float(r.index_price_usd),
                    oi_base=_opt_float(r.oi_base),
                    margin=Margin(str(r.margin)),
                    source=Source(
                        name=str(r.source),
                        dataset=str(r.dataset),
                        as_of=as_of,
                        fetched_at=as_of if pd.isna(r.ts_recv) else as_utc(r.ts_recv),
                        synthetic=bool(r.synthetic),
                    ),
                )
            )
        return out


DATED_FUTURE_CODEC = DatedFutureCodec()


@dataclass(frozen=True, slots=True)
class OptionTradesCodec:
    """Option trades (``OptionTrades``) ⇄ rows of ``option_trades`` (one per trade, keyed by currency and trade
    id, so a trade fetched again by an overlapping window is stored once), plus the batch's row in
    ``option_trade_batches`` (the span it covers completely: ``covered_from`` to its fetch time)."""

    table: Table = OPTION_TRADES
    batches: Table = OPTION_TRADE_BATCHES
    _values: tuple[str, ...] = (
        "expiry", "strike", "is_call", "amount_base", "price_coin", "aggressor", "iv", "index_price_usd",
        "is_block", "is_combo",
    )  # fmt: skip

    def encode(self, t: OptionTrades, ts_recv: datetime | None) -> pd.DataFrame:
        n = len(t)
        cols: dict[str, Any] = {
            "currency": [t.currency] * n,
            "trade_id": list(t.trade_id),
            "ts_event": ts_col(t.ts),
            "instrument": list(t.instrument),
        }
        for name in self._values:
            cols[name] = ts_col(getattr(t, name)) if name == "expiry" else getattr(t, name)
        return pd.DataFrame({**cols, **provenance(t.source, ts_recv, n)})

    def encode_batch(self, t: OptionTrades) -> pd.DataFrame | None:
        """The batch row (None when the record does not state from when it is complete)."""
        if t.covered_from is None:
            return None
        until = t.source.fetched_at
        return pd.DataFrame(
            {
                "currency": [t.currency],
                "ts_event": ts_col([until]),
                "covered_from": ts_col([t.covered_from]),
                "trades": np.array([len(t)], dtype=np.int32),
                **provenance(t.source, until, 1),
            }
        )

    def decode(
        self, rows: pd.DataFrame, currency: str, *, as_of: datetime, covered_from: datetime | None
    ) -> OptionTrades:
        """Rows (ordered by ts_event) → one record; its source is the latest batch's, as of ``as_of``."""
        src = rows_source(rows, as_of) if len(rows) else Source("store", "option_trades", as_of, as_of)
        return OptionTrades(
            currency,
            tuple(str(x) for x in rows["trade_id"]),
            tuple(str(x) for x in rows["instrument"]),
            dt64_ms(rows["ts_event"]),
            dt64_ms(rows["expiry"]),
            rows["strike"].to_numpy(dtype=float),
            rows["is_call"].to_numpy(dtype=bool),
            rows["amount_base"].to_numpy(dtype=float),
            rows["price_coin"].to_numpy(dtype=float),
            rows["aggressor"].to_numpy(dtype=np.int8),
            rows["iv"].to_numpy(dtype=float),
            rows["index_price_usd"].to_numpy(dtype=float),
            rows["is_block"].to_numpy(dtype=bool),
            rows["is_combo"].to_numpy(dtype=bool),
            source=src,
            covered_from=covered_from,
        )


OPTION_TRADES_CODEC = OptionTradesCodec()


def _nan_to_none(a: np.ndarray) -> np.ndarray | None:
    return None if np.isnan(a).all() else a


@dataclass(frozen=True, slots=True)
class OptionChainCodec:
    """One venue's option chain snapshot (``OptionChain``) ⇄ rows of ``option_rows``: one per instrument at the
    chain's ``source.as_of``, keyed by (venue, currency, instrument, ts_event). Units as the chain's (strikes and
    forwards USD, IV fractions, OI and volume coins, marks in coin); the chain's one ``index_price_usd`` is repeated
    on every row (NaN when absent), published greeks are NaN where absent."""

    kind: str = "option_rows"
    table: Table = OPTION_ROWS
    _values: tuple[str, ...] = (
        "strike", "is_call", "mark_iv", "oi_base", "volume_base", "underlying_price_usd", "mark_price_coin",
    )  # fmt: skip

    def encode(self, venue: str, c: OptionChain, ts_recv: datetime | None) -> pd.DataFrame:
        n = len(c)
        cols: dict[str, Any] = {
            "venue": repeated(venue, n),
            "currency": repeated(c.currency, n),
            "instrument": list(c.instrument),
            "ts_event": ts_col(np.full(n, np.datetime64(to_ms(c.source.as_of), "ms"), dtype="datetime64[ms]")),
            "expiry": ts_col(c.expiry),
        }
        cols.update({name: getattr(c, name) for name in self._values})
        cols["index_price_usd"] = np.full(n, np.nan if c.index_price_usd is None else float(c.index_price_usd))
        for name in ("delta_published", "gamma_published"):
            v = getattr(c, name)
            cols[name] = np.full(n, np.nan) if v is None else np.asarray(v, dtype=float)
        return pd.DataFrame({**cols, **provenance(c.source, ts_recv, n)})

    def decode(self, rows: pd.DataFrame, currency: str) -> OptionChain:
        """The rows of one venue's snapshot (one ``ts_event``) → its chain, as of that time."""
        at = as_utc(rows["ts_event"].iloc[0])
        index = rows["index_price_usd"].dropna()
        return OptionChain(
            currency=currency,
            instrument=tuple(str(x) for x in rows["instrument"]),
            expiry=dt64_ms(rows["expiry"]),
            strike=rows["strike"].to_numpy(dtype=float),
            is_call=rows["is_call"].to_numpy(dtype=bool),
            mark_iv=rows["mark_iv"].to_numpy(dtype=float),
            oi_base=rows["oi_base"].to_numpy(dtype=float),
            volume_base=rows["volume_base"].to_numpy(dtype=float),
            underlying_price_usd=rows["underlying_price_usd"].to_numpy(dtype=float),
            mark_price_coin=rows["mark_price_coin"].to_numpy(dtype=float),
            index_price_usd=float(index.iloc[0]) if len(index) else None,
            source=rows_source(rows, at),
            delta_published=_nan_to_none(rows["delta_published"].to_numpy(dtype=float)),
            gamma_published=_nan_to_none(rows["gamma_published"].to_numpy(dtype=float)),
        )


OPTION_CHAIN_CODEC = OptionChainCodec()


def contiguous_start(batches: Sequence[tuple[datetime, datetime]]) -> datetime | None:
    """Start of the unbroken span of ``(covered_from, covered_until)`` batches that ends with the latest one: walk
    back from the latest batch while the next older batch reaches the span's start (no hole). None without any."""
    if not batches:
        return None
    ordered = sorted(batches, key=lambda b: b[1], reverse=True)
    start = ordered[0][0]
    for lo, hi in ordered[1:]:
        if hi < start:
            break  # a hole: nothing older is known to be complete
        start = min(start, lo)
    return start
