"""Dated (delivery) futures: one observation per listed expiry, the input of the basis curve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from derivintel.core.provenance import Source
from derivintel.domain.venue import VenueId


class Margin(StrEnum):
    """How the contract is margined and settled: in the quote currency (USDT/USD) or in the coin (inverse)."""

    LINEAR = "linear"
    INVERSE = "inverse"


@dataclass(frozen=True, slots=True)
class DatedFuture:
    """One venue's dated future for one asset at ``source.as_of``.

    ``expiry`` is the delivery time (aware UTC). ``mark_price_usd`` is the venue's mark price in USD (USDT treated
    as USD, as for perps); ``index_price_usd`` the venue's spot index in USD when the payload carries one (None
    otherwise: the basis curve then uses the report's reference price and says so). ``oi_base`` is single-sided
    open interest in coins (None when the venue does not publish it with the price).
    """

    venue: VenueId
    asset: str
    venue_symbol: str
    expiry: datetime
    mark_price_usd: float
    index_price_usd: float | None
    oi_base: float | None
    margin: Margin
    source: Source

    def __post_init__(self) -> None:
        if self.expiry.tzinfo is None:
            raise ValueError(f"{self.venue_symbol}: expiry must be timezone-aware UTC")
        if not self.mark_price_usd > 0:
            raise ValueError(f"{self.venue_symbol}: mark price must be positive, got {self.mark_price_usd}")

    @property
    def oi_usd(self) -> float | None:
        """Single-sided OI in USD at the mark price."""
        return None if self.oi_base is None else self.oi_base * self.mark_price_usd

    @property
    def ts_event(self) -> datetime:
        return self.source.as_of

    @property
    def ts_recv(self) -> datetime:
        return self.source.fetched_at
