"""Macro and market-wide series (VIX, NASDAQ, WTI, dollar index, stablecoin supply, BTC dominance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_datetime64

# Canonical series names and their units. Values are stored in these units.
MACRO_UNITS: dict[str, str] = {
    "vix": "index_points",
    "nasdaq": "index_points",
    "wti": "usd_per_barrel",
    "dxy": "index_points",
    "stablecoin_supply": "usd",
    "btc_dominance": "fraction",
    "eth_btc": "btc_per_eth",
    "dvol_btc": "fraction",  # Deribit DVOL: 30-day implied volatility index, as a fraction (55 → 0.55)
    "dvol_eth": "fraction",
    "exchange_netflow_btc": "btc",  # CryptoQuant (keyed): daily BTC exchange netflow, coins (+ = into exchanges)
    "stablecoin_exchange_netflow_usd": "usd",  # CryptoQuant (keyed): daily stablecoin exchange netflow
}


@dataclass(frozen=True, eq=False)
class MacroSeries:
    """A dated series: ``ts`` is the observation date (``datetime64[ms]``, UTC midnight for daily data),
    ``available_ts`` when the value became known (release; for FRED daily, next business day)."""

    name: str
    unit: str
    ts: np.ndarray
    values: np.ndarray
    source: Source
    available_ts: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.ts) != len(self.values):
            raise ValueError(f"MacroSeries {self.name}: ts and values differ in length")
        if self.ts.dtype != np.dtype("datetime64[ms]"):
            raise TypeError("MacroSeries.ts must be datetime64[ms]")

    def __len__(self) -> int:
        return len(self.ts)

    def until(self, as_of: datetime) -> MacroSeries:
        """Only the values known at ``as_of`` (by ``available_ts`` when given, else ``ts``)."""
        known = self.available_ts if self.available_ts is not None else self.ts
        mask = known.astype(np.int64) <= to_datetime64(as_of).astype(np.int64)
        return MacroSeries(
            self.name,
            self.unit,
            self.ts[mask],
            self.values[mask],
            self.source,
            None if self.available_ts is None else self.available_ts[mask],
        )
