"""Order book snapshot (aggregated L2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.provenance import Source
from derivintel.domain.venue import VenueId


@dataclass(frozen=True, eq=False)
class OrderBook:
    """L2 book of one venue: ``bids`` sorted by price descending, ``asks`` ascending.

    Each is an ``(n, 2)`` float64 array of ``[price_usd, size_base]`` (size in coins).
    """

    venue: VenueId
    asset: str
    bids: np.ndarray
    asks: np.ndarray
    source: Source

    def __post_init__(self) -> None:
        for name in ("bids", "asks"):
            arr = getattr(self, name)
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ValueError(f"OrderBook.{name} must be (n, 2), got {arr.shape}")
        if len(self.bids) > 1 and np.any(np.diff(self.bids[:, 0]) >= 0):
            raise ValueError("OrderBook.bids must be sorted by price descending")
        if len(self.asks) > 1 and np.any(np.diff(self.asks[:, 0]) <= 0):
            raise ValueError("OrderBook.asks must be sorted by price ascending")

    @property
    def mid_usd(self) -> float | None:
        """Mid price, or None for a one-sided book."""
        if len(self.bids) == 0 or len(self.asks) == 0:
            return None
        return float((self.bids[0, 0] + self.asks[0, 0]) / 2.0)
