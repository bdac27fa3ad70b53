"""Where stops and liquidations likely rest around market-structure reference levels.

Buy-stops (and short liquidations) sit just above highs (equal highs, range high, swing high); sell-stops (and long
liquidations) just below lows. The levels come from the structure analytics (causal swings). When a liquidation map
is given, each level gets the MODELLED liquidation notional of the relevant side in the bins whose centres lie within
``level × (1 ± window_fraction)``; without a map the size is None (never invented).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from derivintel.analytics.liquidity.liquidation_map import LiquidationMap
from derivintel.core.result import Result


class ReferenceKind(StrEnum):
    """Kind of structure level."""

    EQUAL_HIGHS = "equal_highs"
    EQUAL_LOWS = "equal_lows"
    RANGE_HIGH = "range_high"
    RANGE_LOW = "range_low"
    SWING_HIGH = "swing_high"
    SWING_LOW = "swing_low"

    @property
    def is_high(self) -> bool:
        return self in (ReferenceKind.EQUAL_HIGHS, ReferenceKind.RANGE_HIGH, ReferenceKind.SWING_HIGH)


@dataclass(frozen=True, slots=True)
class ReferenceLevel:
    """A structure level at ``price_usd`` of a given ``kind``."""

    price_usd: float
    kind: ReferenceKind


@dataclass(frozen=True, slots=True)
class StopCluster:
    """Resting stops implied by one level.

    ``stop_side``: ``buy_stops`` above highs, ``sell_stops`` below lows. ``liquidation_side``: the map side counted
    (``short`` for highs, ``long`` for lows). ``distance_fraction`` = ``level / price − 1`` (signed: + above price).
    ``modelled_liquidation_usd``: map notional within the window, None when no map was given.
    """

    price_usd: float
    kind: ReferenceKind
    stop_side: Literal["buy_stops", "sell_stops"]
    liquidation_side: Literal["long", "short"]
    window_low_usd: float
    window_high_usd: float
    distance_fraction: float
    modelled_liquidation_usd: float | None


@dataclass(frozen=True, slots=True)
class StopClusterMap:
    """Stop clusters above and below ``price_usd``, nearest first."""

    price_usd: float
    above: tuple[StopCluster, ...]
    below: tuple[StopCluster, ...]


def stop_clusters(
    levels: Sequence[ReferenceLevel],
    *,
    price_usd: float,
    liq_map: LiquidationMap | None,
    window_fraction: float = 0.005,
) -> Result[StopClusterMap]:
    """Stop clusters at ``levels`` around ``price_usd``; sizes from ``liq_map`` when given (USD), else None."""
    params = {"price_usd": price_usd, "window_fraction": window_fraction, "with_map": liq_map is not None}
    if not (price_usd > 0 and math.isfinite(price_usd)):
        return Result.missing("no price", params=params)
    if not levels:
        return Result.missing("no reference levels from the structure analytics", params=params)
    reasons = [] if liq_map is not None else ["no liquidation map: stop sizes unknown (None)"]
    out: list[StopCluster] = []
    for lvl in levels:
        kind = ReferenceKind(lvl.kind)
        lo, hi = lvl.price_usd * (1.0 - window_fraction), lvl.price_usd * (1.0 + window_fraction)
        size: float | None = None
        if liq_map is not None:
            c = liq_map.bin_centers_usd
            bins = liq_map.short_notional_usd if kind.is_high else liq_map.long_notional_usd
            size = float(bins[(c >= lo) & (c <= hi)].sum())
        out.append(
            StopCluster(
                price_usd=float(lvl.price_usd),
                kind=kind,
                stop_side="buy_stops" if kind.is_high else "sell_stops",
                liquidation_side="short" if kind.is_high else "long",
                window_low_usd=lo,
                window_high_usd=hi,
                distance_fraction=lvl.price_usd / price_usd - 1.0,
                modelled_liquidation_usd=size,
            )
        )
    above = tuple(sorted((s for s in out if s.price_usd > price_usd), key=lambda s: s.distance_fraction))
    below = tuple(sorted((s for s in out if s.price_usd <= price_usd), key=lambda s: -s.distance_fraction))
    value = StopClusterMap(float(price_usd), above, below)
    return Result.of(value, params=params, reasons=reasons, partial=liq_map is None)
