"""Current per-venue perpetual metrics (one observation per venue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from derivintel.core.provenance import Source
from derivintel.core.units import funding_apr, funding_per_hour
from derivintel.domain.venue import VenueId


class FundingKind(StrEnum):
    """Whether a funding rate is the running/predicted rate or a settled one."""

    PREDICTED = "predicted"  # running rate for the current interval (Binance lastFundingRate, HL funding)
    SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class PerpMetrics:
    """One venue's perpetual for one asset at ``source.as_of``.

    Prices in USD (USDT treated as USD and said so in limitations). ``funding_rate_interval`` is the fraction paid
    per ``funding_interval_hours`` as the venue publishes it; use ``funding_rate_1h`` for comparisons.
    ``oi_base`` is single-sided open interest in coins; ``oi_usd = oi_base × mark``.
    """

    venue: VenueId
    asset: str
    venue_symbol: str
    mark_price_usd: float
    index_price_usd: float | None
    funding_rate_interval: float | None
    funding_interval_hours: float
    funding_kind: FundingKind
    next_funding_time: datetime | None
    oi_base: float | None
    volume_24h_usd: float | None
    source: Source

    @property
    def oi_usd(self) -> float | None:
        """Single-sided OI in USD at the mark price."""
        return None if self.oi_base is None else self.oi_base * self.mark_price_usd

    @property
    def funding_rate_1h(self) -> float | None:
        """Funding normalised to a per-hour fraction."""
        if self.funding_rate_interval is None:
            return None
        return funding_per_hour(self.funding_rate_interval, self.funding_interval_hours)

    @property
    def funding_apr(self) -> float | None:
        """Simple annualised funding fraction (``r_1h × 8760``)."""
        r = self.funding_rate_1h
        return None if r is None else funding_apr(r)

    @property
    def basis_fraction(self) -> float | None:
        """Mark premium over index as a fraction (``mark / index − 1``)."""
        if not self.index_price_usd:
            return None
        return self.mark_price_usd / self.index_price_usd - 1.0

    @property
    def ts_event(self) -> datetime:
        return self.source.as_of

    @property
    def ts_recv(self) -> datetime:
        return self.source.fetched_at
