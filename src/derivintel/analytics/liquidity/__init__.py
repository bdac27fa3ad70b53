"""Liquidity: order-book depth, modelled liquidation levels, stop clusters and cascade model (phases 4, 6)."""

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
    CascadeRange,
    cascade_exposure,
    simulate_cascade,
)
from derivintel.analytics.liquidity.impact import (
    DEFAULT_IMPACT_RANGE,
    ImpactParams,
    MarketActivity,
    market_activity,
    sqrt_impact_fraction,
)
from derivintel.analytics.liquidity.liquidation_map import (
    MODEL_LABEL,
    LiquidationCluster,
    LiquidationMap,
    LiquidationMapParams,
    VenueLiquidationContribution,
    build_liquidation_map,
)
from derivintel.analytics.liquidity.liquidation_price import liquidation_price
from derivintel.analytics.liquidity.stop_clusters import (
    ReferenceKind,
    ReferenceLevel,
    StopCluster,
    StopClusterMap,
    SweptLevel,
    stop_clusters,
)

__all__ = [
    "DEFAULT_IMPACT_RANGE",
    "MODEL_LABEL",
    "BandDepth",
    "CascadeExposure",
    "CascadeParams",
    "CascadePath",
    "CascadeRange",
    "DepthCurve",
    "DepthMap",
    "DepthWall",
    "ImpactParams",
    "LiquidationCluster",
    "LiquidationMap",
    "LiquidationMapParams",
    "MarketActivity",
    "ReferenceKind",
    "ReferenceLevel",
    "StopCluster",
    "StopClusterMap",
    "SweptLevel",
    "ThinZone",
    "VenueDepth",
    "VenueLiquidationContribution",
    "book_depth",
    "build_liquidation_map",
    "cascade_exposure",
    "liquidation_price",
    "market_activity",
    "simulate_cascade",
    "sqrt_impact_fraction",
    "stop_clusters",
]
