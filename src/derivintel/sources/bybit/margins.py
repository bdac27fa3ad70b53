"""Bybit linear perp maintenance margins (tier-1 declarations the liquidation map uses)."""

from derivintel.domain.margins import VenueMargin

MARGINS = (VenueMargin("bybit", "BTC", 0.005, 100.0, "Bybit linear BTCUSDT tier-1 MMR 0.5 %"),)
