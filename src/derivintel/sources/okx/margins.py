"""OKX USDT swap maintenance margins (tier-1 declarations the liquidation map uses)."""

from derivintel.domain.margins import VenueMargin

MARGINS = (VenueMargin("okx", "BTC", 0.004, 100.0, "OKX BTC-USDT-SWAP tier-1 MMR 0.4 %"),)
