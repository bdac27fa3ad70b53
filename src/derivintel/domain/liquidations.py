"""Realised liquidation events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from derivintel.core.provenance import Source
from derivintel.domain.venue import VenueId


class LiquidatedSide(StrEnum):
    """Which side was liquidated. Binance ``o.S = SELL`` means a LONG was liquidated."""

    LONG = "long"
    SHORT = "short"


@dataclass(frozen=True, slots=True)
class LiquidationEvent:
    """One forced order: ``price_usd``, ``size_base`` in coins, time in ``source.as_of``.

    ``ordinal`` tells apart identical entries (same time, side, price, size) inside ONE venue message: 0 for the
    first, 1 for the second… A message replayed after a reconnect gets the same ordinals, so it deduplicates."""

    venue: VenueId
    asset: str
    side: LiquidatedSide
    price_usd: float
    size_base: float
    source: Source
    ordinal: int = 0

    @property
    def notional_usd(self) -> float:
        return self.price_usd * self.size_base
