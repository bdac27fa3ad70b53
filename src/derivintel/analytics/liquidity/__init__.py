"""Liquidity: order-book depth, modelled liquidation levels, stop clusters and cascade simulation (phases 4, 6)."""

from derivintel.analytics.liquidity.book_depth import (
    BandDepth,
    DepthCurve,
    DepthMap,
    DepthWall,
    ThinZone,
    VenueDepth,
    book_depth,
)
from derivintel.analytics.liquidity.cascade import (
    CascadeExposure,
    CascadeParams,
    CascadePath,
    cascade_exposure,
    simulate_cascade,
)
from derivintel.analytics.liquidity.liquidation_map import (
    MODEL_LABEL,
    LiquidationCluster,
    LiquidationMap,
    LiquidationMapParams,
    VenueLiquidationContribution,
    build_liquidation_map,
)
from derivintel.analytics.liquidity.liquidation_price import (
    VENUE_MARGINS,
    VenueMargin,
    liquidation_price,
    venue_margin,
)
from derivintel.analytics.liquidity.stop_clusters import (
    ReferenceKind,
    ReferenceLevel,
    StopCluster,
    StopClusterMap,
    SweptLevel,
    stop_clusters,
)

__all__ = [
    "MODEL_LABEL",
    "VENUE_MARGINS",
    "BandDepth",
    "CascadeExposure",
    "CascadeParams",
    "CascadePath",
    "DepthCurve",
    "DepthMap",
    "DepthWall",
    "LiquidationCluster",
    "LiquidationMap",
    "LiquidationMapParams",
    "ReferenceKind",
    "ReferenceLevel",
    "StopCluster",
    "StopClusterMap",
    "SweptLevel",
    "ThinZone",
    "VenueDepth",
    "VenueLiquidationContribution",
    "VenueMargin",
    "book_depth",
    "build_liquidation_map",
    "cascade_exposure",
    "liquidation_price",
    "simulate_cascade",
    "stop_clusters",
    "venue_margin",
]
