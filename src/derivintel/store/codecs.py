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
    FUNDING,
    LONG_SHORT,
    OPEN_INTEREST,
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
