"""Hyperliquid maintenance margins: MMR = 1 / (2 × maxLeverage) of the asset (Hyperliquid's margining docs)."""

from derivintel.domain.margins import VenueMargin

MARGINS = (
    VenueMargin(
        "hyperliquid", "BTC", 1.0 / (2.0 * 40.0), 40.0, "Hyperliquid MMR = 1/(2 x maxLeverage), maxLeverage 40"
    ),
    VenueMargin(
        "hyperliquid", "ETH", 1.0 / (2.0 * 25.0), 25.0, "Hyperliquid MMR = 1/(2 x maxLeverage), maxLeverage 25"
    ),
)
