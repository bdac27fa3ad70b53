"""Derivatives positioning (report phase 1): OI, funding, long/short ratios, CVD and the price-vs-OI quadrant."""

from derivintel.analytics.positioning.positioning_analysis import (
    Positioning,
    PositioningParams,
    VenuePerpRow,
    analyze_positioning,
)
from derivintel.analytics.positioning.quadrant import Quadrant, QuadrantReading, classify_quadrant

__all__ = [
    "Positioning",
    "PositioningParams",
    "Quadrant",
    "QuadrantReading",
    "VenuePerpRow",
    "analyze_positioning",
    "classify_quadrant",
]
