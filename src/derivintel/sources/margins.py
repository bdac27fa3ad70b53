"""Every venue's maintenance-margin declarations in one book (venue id, asset) → ``VenueMargin``.

Pure data gathered from ``sources/<venue>/margins.py`` (no I/O, no heavy imports: the demo path reads it). A venue
without a declaration gets the liquidation map's default MMR, said so in the map's reasons.
"""

from __future__ import annotations

from derivintel.domain.margins import MarginBook, margin_book
from derivintel.sources.binance import margins as binance
from derivintel.sources.bybit import margins as bybit
from derivintel.sources.hyperliquid import margins as hyperliquid
from derivintel.sources.okx import margins as okx

VENUE_MARGINS: MarginBook = margin_book(*binance.MARGINS, *bybit.MARGINS, *okx.MARGINS, *hyperliquid.MARGINS)
