"""Price-vs-open-interest quadrant with a noise band (DOMAIN.md §2).

Both changes are relative (fractions) over the same window, so the label does not depend on the price or OI level.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Quadrant(StrEnum):
    """What a joint move of price and open interest suggests. ``FLAT*`` labels mean one or both moves are noise."""

    NEW_LONGS = "new_longs"  # price ↑, OI ↑
    SHORT_COVERING = "short_covering"  # price ↑, OI ↓
    NEW_SHORTS = "new_shorts"  # price ↓, OI ↑
    LONG_LIQUIDATION = "long_liquidation"  # price ↓, OI ↓ (deleveraging)
    FLAT = "flat"  # both inside the noise band
    PRICE_FLAT_OI_UP = "price_flat_oi_up"
    PRICE_FLAT_OI_DOWN = "price_flat_oi_down"
    PRICE_UP_OI_FLAT = "price_up_oi_flat"
    PRICE_DOWN_OI_FLAT = "price_down_oi_flat"


DEFAULT_OI_BAND = 0.005  # |ΔOI| < 0.5 % is flat
DEFAULT_PRICE_BAND = 0.0025  # |Δprice| < 0.25 % is flat


def _direction(change: float, band: float) -> int:
    """+1, −1, or 0 when ``|change| < band`` (the band edge itself counts as a move)."""
    if abs(change) < band:
        return 0
    return 1 if change > 0 else -1


_TABLE: dict[tuple[int, int], Quadrant] = {
    (1, 1): Quadrant.NEW_LONGS,
    (1, -1): Quadrant.SHORT_COVERING,
    (-1, 1): Quadrant.NEW_SHORTS,
    (-1, -1): Quadrant.LONG_LIQUIDATION,
    (0, 0): Quadrant.FLAT,
    (0, 1): Quadrant.PRICE_FLAT_OI_UP,
    (0, -1): Quadrant.PRICE_FLAT_OI_DOWN,
    (1, 0): Quadrant.PRICE_UP_OI_FLAT,
    (-1, 0): Quadrant.PRICE_DOWN_OI_FLAT,
}


def classify_quadrant(
    price_change: float,
    oi_change: float,
    *,
    oi_band: float = DEFAULT_OI_BAND,
    price_band: float = DEFAULT_PRICE_BAND,
) -> Quadrant:
    """Label a (price change, OI change) pair, both relative fractions over the same window.

    A change with absolute value strictly below its band is flat. Raises ``ValueError`` on NaN input or a
    negative band.
    """
    if price_change != price_change or oi_change != oi_change:
        raise ValueError("quadrant needs finite price and OI changes")
    if oi_band < 0 or price_band < 0:
        raise ValueError("noise bands must be non-negative")
    return _TABLE[(_direction(price_change, price_band), _direction(oi_change, oi_band))]


@dataclass(frozen=True, slots=True)
class QuadrantReading:
    """A quadrant label with the two changes (fractions) and the noise bands (fractions) it was judged by."""

    quadrant: Quadrant
    price_change_fraction: float
    oi_change_fraction: float
    price_band: float
    oi_band: float
    window_hours: float
