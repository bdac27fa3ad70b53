"""Maintenance-margin declarations of venues, as data the liquidation analytics read (DOMAIN.md units).

A venue declares its margins in its own folder (``sources/<venue>/margins.py``); ``sources/margins.py`` gathers them
into one ``MarginBook`` keyed by (venue id, asset), which the analysis passes to the liquidation map. The analytics
never name a venue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from derivintel.domain.venue import VenueId


@dataclass(frozen=True, slots=True)
class VenueMargin:
    """Tier-1 maintenance margin of one venue's perp for one asset.

    ``venue`` is the provider id (``binance-usdm``, ``bybit``, ...); ``mmr`` a fraction of notional;
    ``max_leverage`` the venue's cap (None when not declared). These are TIER-1 APPROXIMATIONS: real venues raise
    the MMR with position size (risk tiers, see ``BracketTable``)."""

    venue: VenueId
    asset: str
    mmr: float
    max_leverage: float | None
    note: str


# (venue id, asset) → declaration.
MarginBook = Mapping[tuple[VenueId, str], VenueMargin]


def margin_book(*declarations: VenueMargin) -> dict[tuple[str, str], VenueMargin]:
    """Declarations keyed by (venue id, upper-case asset); a duplicate key is a programming error."""
    out: dict[tuple[str, str], VenueMargin] = {}
    for m in declarations:
        key = (m.venue, m.asset.upper())
        if key in out:
            raise ValueError(f"two margin declarations for {key}")
        out[key] = m
    return out


@dataclass(frozen=True, slots=True)
class MarginBracket:
    """One notional bracket of a venue's maintenance-margin table. ``floor_usd``/``cap_usd`` bound the position
    notional (USD), ``mmr`` is a fraction of notional, ``maint_amount_usd`` the maintenance amount ("cum", USD), and
    ``max_leverage`` the bracket's largest initial leverage."""

    floor_usd: float
    cap_usd: float
    mmr: float
    maint_amount_usd: float
    max_leverage: float


@dataclass(frozen=True, slots=True)
class BracketTable:
    """A venue's published bracket table for one symbol, with where it came from (``source``, ``recorded``)."""

    venue: VenueId
    symbol: str
    brackets: tuple[MarginBracket, ...]
    source: str
    recorded: str

    def bracket(self, notional_usd: float) -> MarginBracket:
        """The bracket holding a position of ``notional_usd`` (ValueError beyond the last cap or when ≤ 0)."""
        if not notional_usd > 0:
            raise ValueError("position notional must be positive")
        for b in self.brackets:
            if b.floor_usd <= notional_usd <= b.cap_usd:
                return b
        raise ValueError(f"{notional_usd:,.0f} USD is beyond {self.symbol}'s largest bracket")


def venue_family(venue: VenueId | str) -> str:
    """``binance-usdm`` → ``binance``; ``OKX_swap`` → ``okx``: the venue id without its market suffix."""
    return venue.strip().lower().replace("_", "-").split("-")[0]


def find_margin(book: MarginBook, venue: VenueId, asset: str) -> VenueMargin | None:
    """The declaration for ``venue`` and ``asset``: by exact venue id, else by venue family (a series recorded as
    ``binance`` or ``OKX_swap`` finds ``binance-usdm`` / ``okx``); None when the book has none."""
    asset = asset.upper()
    exact = book.get((venue, asset))
    if exact is not None:
        return exact
    family = venue_family(venue)
    for (v, a), m in book.items():
        if a == asset and venue_family(v) == family:
            return m
    return None
