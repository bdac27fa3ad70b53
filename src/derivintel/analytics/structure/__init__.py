"""Market-structure analytics (report phase 2): anchored VWAP, volume profile, swings, levels, phase."""

from derivintel.analytics.structure.avwap import (
    CALENDAR_PERIODS,
    AnchoredVwap,
    anchored_vwap,
    calendar_anchor,
    calendar_vwap,
    event_vwap,
    extreme_anchor,
)
from derivintel.analytics.structure.levels import (
    EqualLevel,
    LevelStatus,
    PriceRange,
    atr,
    equal_levels,
    equal_levels_result,
    price_range,
    true_range,
    wilder_atr,
)
from derivintel.analytics.structure.phase import EVIDENCE_NAMES, Evidence, Phase, PhaseCall, PhaseParams, classify_phase
from derivintel.analytics.structure.structure_analysis import (
    AVWAP_KEYS,
    StructureAnalysis,
    StructureParams,
    analyze_structure,
)
from derivintel.analytics.structure.swings import Swing, SwingPoints, swing_indices, swing_points
from derivintel.analytics.structure.volume_profile import (
    VolumeProfile,
    distribute_volume,
    point_of_control,
    value_area,
    volume_nodes,
    volume_profile,
)

__all__ = [
    "AVWAP_KEYS",
    "CALENDAR_PERIODS",
    "EVIDENCE_NAMES",
    "AnchoredVwap",
    "EqualLevel",
    "Evidence",
    "LevelStatus",
    "Phase",
    "PhaseCall",
    "PhaseParams",
    "PriceRange",
    "StructureAnalysis",
    "StructureParams",
    "Swing",
    "SwingPoints",
    "VolumeProfile",
    "analyze_structure",
    "anchored_vwap",
    "atr",
    "calendar_anchor",
    "calendar_vwap",
    "classify_phase",
    "distribute_volume",
    "equal_levels",
    "equal_levels_result",
    "event_vwap",
    "extreme_anchor",
    "point_of_control",
    "price_range",
    "swing_indices",
    "swing_points",
    "true_range",
    "value_area",
    "volume_nodes",
    "volume_profile",
    "wilder_atr",
]
