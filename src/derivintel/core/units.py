"""Unit conversions. Rates are fractions (0.0001, not 0.01 %), intervals in hours."""

from __future__ import annotations

HOURS_PER_YEAR = 8760.0


def funding_per_hour(rate_per_interval: float, interval_hours: float) -> float:
    """Normalise a funding rate paid every ``interval_hours`` to a per-hour fraction.

    ``r_1h = r_interval / interval_hours``. Raises ``ValueError`` on a non-positive interval.
    """
    if interval_hours <= 0:
        raise ValueError(f"funding interval must be positive, got {interval_hours} h")
    return rate_per_interval / interval_hours


def funding_apr(rate_1h: float) -> float:
    """Simple annualisation of a per-hour funding fraction: ``r_1h × 8760``."""
    return rate_1h * HOURS_PER_YEAR


def long_share_from_ratio(long_short_ratio: float) -> float:
    """Long share (fraction of accounts or positions long) from a long/short ratio: ``r / (1 + r)``."""
    if long_short_ratio < 0:
        raise ValueError("long/short ratio cannot be negative")
    return long_short_ratio / (1.0 + long_short_ratio)
