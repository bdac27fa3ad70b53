"""Option chain, columnar: one row per instrument."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from derivintel.core.provenance import Source

_ROW_ARRAYS = (
    "expiry",
    "strike",
    "is_call",
    "mark_iv",
    "oi_base",
    "volume_base",
    "underlying_price_usd",
    "mark_price_coin",
)


@dataclass(frozen=True, eq=False)
class OptionChain:
    """A Deribit-style option chain for one currency.

    Per instrument (row): ``expiry`` (``datetime64[ms]``, 08:00 UTC on Deribit), ``strike`` (USD), ``is_call``,
    ``mark_iv`` (fraction, 0.55 not 55), ``oi_base`` (contracts = coins), ``volume_base`` (24h, coins),
    ``underlying_price_usd`` (the forward used for IV), ``mark_price_coin`` (price in coin; USD = × underlying).
    ``index_price_usd`` is the spot index. Optional published greeks (Deribit UI exports, tickers) are kept for
    cross-checks, NaN where absent.
    """

    currency: str
    instrument: tuple[str, ...]
    expiry: np.ndarray
    strike: np.ndarray
    is_call: np.ndarray
    mark_iv: np.ndarray
    oi_base: np.ndarray
    volume_base: np.ndarray
    underlying_price_usd: np.ndarray
    mark_price_coin: np.ndarray
    index_price_usd: float | None
    source: Source
    delta_published: np.ndarray | None = None
    gamma_published: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.instrument)
        for name in (*_ROW_ARRAYS, "delta_published", "gamma_published"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != n:
                raise ValueError(f"OptionChain.{name} has {len(arr)} rows, expected {n}")
        if self.expiry.dtype != np.dtype("datetime64[ms]"):
            raise TypeError(f"OptionChain.expiry must be datetime64[ms], got {self.expiry.dtype}")
        if self.is_call.dtype != np.bool_:
            raise TypeError("OptionChain.is_call must be a bool array")

    def __len__(self) -> int:
        return len(self.instrument)

    @property
    def expiries(self) -> np.ndarray:
        """Sorted unique expiries."""
        return np.unique(self.expiry)

    def select(self, mask: np.ndarray) -> OptionChain:
        """Rows where ``mask`` is true, as a new chain."""
        kwargs = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "instrument":
                value = tuple(np.asarray(value, dtype=object)[mask])
            elif isinstance(value, np.ndarray):
                value = value[mask]
            kwargs[f.name] = value
        return OptionChain(**kwargs)
