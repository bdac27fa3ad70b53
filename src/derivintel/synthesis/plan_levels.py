"""The trade plan's candidate levels from the analytics, named, USD: one function for the live report and for the
plan's replay on history (``research.plan_track``), so both place entries, stops and targets by the same rules."""

from __future__ import annotations

from dataclasses import dataclass

from derivintel.analytics.liquidity.liquidation_map import LiquidationMap
from derivintel.analytics.liquidity.stop_clusters import StopClusterMap
from derivintel.analytics.options.chain_analysis import ChainAnalysis
from derivintel.analytics.structure import StructureAnalysis
from derivintel.synthesis.trade_plan import Level


@dataclass(frozen=True, slots=True)
class PlanLevels:
    """The trade plan's candidate levels, named, USD."""

    entries: list[Level]
    targets: list[Level]


def plan_levels(
    structure: StructureAnalysis | None,
    chain: ChainAnalysis | None,
    stops: StopClusterMap | None,
    liquidation_map: LiquidationMap | None,
) -> PlanLevels:
    """Entry and target levels for the trade plan, named, USD; an input that is None adds no level.

    Entries are support/resistance a side trades against: AVWAPs, value area (POC, VAH, VAL), options walls.
    Targets are liquidity in a side's direction: untouched highs/lows with resting stops (phase 4) and the nearest
    modelled liquidation clusters.
    """
    entries: list[Level] = []
    s = structure
    if s is not None:
        entries += [Level(v.vwap_usd, f"{name} AVWAP") for name, v in s.avwap.items()]
        if s.profile is not None:
            entries += [
                Level(s.profile.poc_usd, "POC"),
                Level(s.profile.vah_usd, "VAH"),
                Level(s.profile.val_usd, "VAL"),
            ]
    if chain is not None:
        if chain.all_expiries.call_wall_usd:
            entries.append(Level(chain.all_expiries.call_wall_usd, "call wall"))
        if chain.all_expiries.put_wall_usd:
            entries.append(Level(chain.all_expiries.put_wall_usd, "put wall"))
    targets: list[Level] = []
    if stops is not None:
        targets += [
            Level(c.price_usd, f"untouched {c.kind.value.replace('_', ' ')}") for c in (*stops.above, *stops.below)
        ]
    if liquidation_map is not None:
        for cluster, words in (
            (liquidation_map.nearest_long_cluster, "long"),
            (liquidation_map.nearest_short_cluster, "short"),
        ):
            if cluster is not None:
                targets.append(Level(cluster.price_usd, f"modelled {words}-liquidation cluster"))
    return PlanLevels(entries, targets)
