"""Columnar histories: candles, open interest, funding, long/short ratios, taker volume and taker volume ratio.

Every series holds ``ts`` as a sorted ``datetime64[ms]`` array (UTC, naive) and float64 value arrays of equal
length. For bar series ``ts`` is the bar's OPEN time and ``interval_s`` its length; a bar is known only from
``ts + interval_s`` on (point-in-time rule).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.venue import Market, VenueId

if TYPE_CHECKING:
    import pandas as pd


def _check_columns(obj: object, names: tuple[str, ...]) -> None:
    ts = obj.ts  # type: ignore[attr-defined]
    if ts.dtype != np.dtype("datetime64[ms]"):
        raise TypeError(f"{type(obj).__name__}.ts must be datetime64[ms], got {ts.dtype}")
    n = len(ts)
    for name in names:
        arr = getattr(obj, name)
        if arr is None:
            continue
        if len(arr) != n:
            raise ValueError(f"{type(obj).__name__}.{name} has {len(arr)} rows, ts has {n}")
    if n > 1 and np.any(np.diff(ts.astype(np.int64)) <= 0):
        raise ValueError(f"{type(obj).__name__}.ts must be strictly increasing")


class _SeriesMixin:
    """Shared helpers: length, DataFrame view, and point-in-time cut."""

    ts: np.ndarray
    _value_columns: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.ts)

    def to_frame(self) -> pd.DataFrame:
        """DataFrame with a UTC ``DatetimeIndex`` named ``ts`` and one column per value array (pandas is imported
        here, not with the module: the report path does not need it)."""
        import pandas as pd

        data = {name: getattr(self, name) for name in self._value_columns if getattr(self, name) is not None}
        index = pd.DatetimeIndex(self.ts, name="ts").tz_localize("UTC")
        return pd.DataFrame(data, index=index)

    def known_mask(self, as_of: datetime) -> np.ndarray:
        """Rows known at ``as_of``: for bars, those whose close time is ≤ ``as_of``; for points, ts ≤ ``as_of``."""
        interval_ms = int(getattr(self, "interval_s", 0)) * 1000
        cutoff = to_datetime64(as_of).astype(np.int64)
        return self.ts.astype(np.int64) + interval_ms <= cutoff

    def until(self, as_of: datetime):  # -> same type
        """A copy holding only the rows known at ``as_of``."""
        mask = self.known_mask(as_of)
        kwargs = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            kwargs[f.name] = value[mask] if isinstance(value, np.ndarray) and len(value) == len(mask) else value
        return type(self)(**kwargs)


@dataclass(frozen=True, eq=False)
class CandleSeries(_SeriesMixin):
    """OHLCV bars. Prices in USD (quote), ``volume_base`` in coins, ``taker_buy_base`` in coins (NaN if unknown)."""

    venue: VenueId
    asset: str
    market: Market
    interval_s: int
    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume_base: np.ndarray
    taker_buy_base: np.ndarray | None
    source: Source

    _value_columns = ("open", "high", "low", "close", "volume_base", "taker_buy_base")

    def __post_init__(self) -> None:
        _check_columns(self, self._value_columns)

    @property
    def has_taker_flow(self) -> bool:
        return self.taker_buy_base is not None and bool(np.isfinite(self.taker_buy_base).any())

    @property
    def delta_base(self) -> np.ndarray:
        """Per-bar taker delta in coins: ``2 × taker_buy − volume`` (NaN where taker buy is unknown)."""
        if self.taker_buy_base is None:
            return np.full(len(self), np.nan)
        return 2.0 * self.taker_buy_base - self.volume_base


@dataclass(frozen=True, eq=False)
class OpenInterestSeries(_SeriesMixin):
    """Single-sided OI history: ``oi_base`` in coins, ``oi_usd`` in USD. Point series (``interval_s`` = sampling)."""

    venue: VenueId
    asset: str
    interval_s: int
    ts: np.ndarray
    oi_base: np.ndarray
    oi_usd: np.ndarray
    source: Source

    _value_columns = ("oi_base", "oi_usd")

    def __post_init__(self) -> None:
        _check_columns(self, self._value_columns)

    def known_mask(self, as_of: datetime) -> np.ndarray:
        cutoff = to_datetime64(as_of).astype(np.int64)
        return self.ts.astype(np.int64) <= cutoff


@dataclass(frozen=True, eq=False)
class FundingSeries(_SeriesMixin):
    """Funding history: ``rate_interval`` fraction per ``interval_hours`` at settlement time ``ts``."""

    venue: VenueId
    asset: str
    ts: np.ndarray
    rate_interval: np.ndarray
    interval_hours: np.ndarray
    source: Source

    _value_columns = ("rate_interval", "interval_hours")

    def __post_init__(self) -> None:
        _check_columns(self, self._value_columns)

    @property
    def rate_1h(self) -> np.ndarray:
        """Per-hour funding fractions."""
        return self.rate_interval / self.interval_hours


class LongShortKind(StrEnum):
    """What a long/short ratio counts. Only ``TOP_POSITIONS`` is notional-weighted."""

    GLOBAL_ACCOUNTS = "global_accounts"
    TOP_ACCOUNTS = "top_accounts"
    TOP_POSITIONS = "top_positions"


@dataclass(frozen=True, eq=False)
class LongShortSeries(_SeriesMixin):
    """Long/short ratio history (longs ÷ shorts) of one ``kind`` at one venue."""

    venue: VenueId
    asset: str
    kind: LongShortKind
    interval_s: int
    ts: np.ndarray
    ratio: np.ndarray
    source: Source

    _value_columns = ("ratio",)

    def __post_init__(self) -> None:
        _check_columns(self, self._value_columns)

    def known_mask(self, as_of: datetime) -> np.ndarray:
        cutoff = to_datetime64(as_of).astype(np.int64)
        return self.ts.astype(np.int64) <= cutoff

    @property
    def long_share(self) -> np.ndarray:
        """Fraction long: ``ratio / (1 + ratio)``."""
        return self.ratio / (1.0 + self.ratio)


@dataclass(frozen=True, eq=False)
class TakerVolumeSeries(_SeriesMixin):
    """Taker buy and sell volume per bar, in coins."""

    venue: VenueId
    asset: str
    interval_s: int
    ts: np.ndarray
    buy_base: np.ndarray
    sell_base: np.ndarray
    source: Source

    _value_columns = ("buy_base", "sell_base")

    def __post_init__(self) -> None:
        _check_columns(self, self._value_columns)


@dataclass(frozen=True, eq=False)
class TakerRatioSeries(_SeriesMixin):
    """Taker buy ÷ taker sell volume per period, as a ratio only (Binance's metrics dump publishes the ratio,
    ``sum_taker_long_short_vol_ratio``, without the volumes). Aggressor flow, not positions: never a long/short
    ratio. ``ts`` is the sample time (point series, ``interval_s`` = sampling)."""

    venue: VenueId
    asset: str
    interval_s: int
    ts: np.ndarray
    buy_sell_ratio: np.ndarray
    source: Source

    _value_columns = ("buy_sell_ratio",)

    def __post_init__(self) -> None:
        _check_columns(self, self._value_columns)

    def known_mask(self, as_of: datetime) -> np.ndarray:
        cutoff = to_datetime64(as_of).astype(np.int64)
        return self.ts.astype(np.int64) <= cutoff
