"""Small readings the venue parsers return where no domain type fits (instead of anonymous tuples).

Each field names its unit: ``oi_base`` coins (single-sided), ``*_usd`` USD (USDT treated as USD), ``*_frac``
fractions, times aware UTC (``as_of`` = the venue's event time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OpenInterestReading:
    """A symbol's current single-sided open interest: ``oi_base`` coins at ``as_of``."""

    oi_base: float
    as_of: datetime


@dataclass(frozen=True, slots=True)
class MarkReading:
    """A symbol's mark price in USD at ``as_of``."""

    mark_price_usd: float
    as_of: datetime


@dataclass(frozen=True, slots=True)
class DayStats:
    """One symbol's 24h figures in a bulk tickers answer: price change as a fraction (None when the venue gives no
    opening price) and traded volume in USD."""

    price_change_24h_frac: float | None
    volume_24h_usd: float


@dataclass(frozen=True, slots=True)
class FundingReading:
    """One symbol's running funding in a bulk answer: ``rate_interval`` fraction per ``interval_hours``, paid at
    ``next_funding_time``."""

    rate_interval: float
    interval_hours: float
    next_funding_time: datetime
