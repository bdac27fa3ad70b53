"""Where stops and liquidations likely rest around market-structure reference levels, and which were swept.

Resting stops: buy stops (and short liquidations) just above highs that no bar has traded through since they formed
(equal highs, range high, swing high); sell stops (and long liquidations) just below untouched lows. A level traded
through since it formed no longer holds those stops: it goes in the ``swept`` list with the close time of the bar
that took it (a sweep is itself a signal) and whether that bar closed back inside (swept) or beyond (broken). A level
the live price is beyond while no closed bar has crossed it is swept now (``outcome`` None, the bar is open).

Levels come from the structure analytics (causal swings); each carries ``formed_ts``, when it became known. Levels
without one (range edges: the extreme of every bar since, by construction) are judged only against the price.
When a liquidation map is given, each resting level gets the MODELLED liquidation notional of the relevant side in
the bins whose centres lie within ``level × (1 ± window_fraction)``; without a map the size is None (never invented).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from derivintel.analytics.liquidity.liquidation_map import LiquidationMap
from derivintel.analytics.structure.levels import LevelStatus, level_status
from derivintel.analytics.structure.structure_analysis import StructureAnalysis
from derivintel.core.result import Result
from derivintel.core.timeutil import utc
from derivintel.domain.series import CandleSeries


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


# When several kinds sit at the same price, the most specific names the level (equal > range > swing).
_PRIORITY = {
    ReferenceKind.EQUAL_HIGHS: 0,
    ReferenceKind.EQUAL_LOWS: 0,
    ReferenceKind.RANGE_HIGH: 1,
    ReferenceKind.RANGE_LOW: 1,
    ReferenceKind.SWING_HIGH: 2,
    ReferenceKind.SWING_LOW: 2,
}


@dataclass(frozen=True, slots=True)
class ReferenceLevel:
    """A structure level at ``price_usd`` of a given ``kind``, known from ``formed_ts`` (None: judged on price)."""

    price_usd: float
    kind: ReferenceKind
    formed_ts: datetime | None = None


@dataclass(frozen=True, slots=True)
class StopCluster:
    """Resting stops implied by one untouched level.

    ``stop_side``: ``buy_stops`` above highs, ``sell_stops`` below lows. ``liquidation_side``: the map side counted
    (``short`` for highs, ``long`` for lows). ``distance_fraction`` = ``level / price − 1`` (signed: + above price).
    ``modelled_liquidation_usd``: map notional within the window, None when no map was given.
    """

    price_usd: float
    kind: ReferenceKind
    formed_ts: datetime | None
    stop_side: Literal["buy_stops", "sell_stops"]
    liquidation_side: Literal["long", "short"]
    window_low_usd: float
    window_high_usd: float
    distance_fraction: float
    modelled_liquidation_usd: float | None


@dataclass(frozen=True, slots=True)
class SweptLevel:
    """A level traded through since it formed: the ``stop_side`` stops that rested beyond it were taken.

    ``swept_ts``: close time of the first bar through it (``as_of`` when only the live price is beyond it).
    ``outcome``: ``SWEPT`` (that bar closed back inside), ``BROKEN`` (closed beyond), None (the bar is still open).
    ``distance_fraction`` = ``level / price − 1``.
    """

    price_usd: float
    kind: ReferenceKind
    formed_ts: datetime | None
    stop_side: Literal["buy_stops", "sell_stops"]
    swept_ts: datetime
    outcome: LevelStatus | None
    distance_fraction: float


@dataclass(frozen=True, slots=True)
class StopClusterMap:
    """Resting stops above and below ``price_usd`` (nearest first) and levels swept since formed (latest first)."""

    price_usd: float
    above: tuple[StopCluster, ...]
    below: tuple[StopCluster, ...]
    swept: tuple[SweptLevel, ...] = ()


def reference_levels(s: StructureAnalysis) -> list[ReferenceLevel]:
    """Range edges, equal highs/lows and every confirmed swing of the range lookback, each with when it formed."""
    levels = [ReferenceLevel(s.range_high_usd, "range_high"), ReferenceLevel(s.range_low_usd, "range_low")]
    for kind, group in (("equal_highs", s.equal_highs), ("equal_lows", s.equal_lows)):
        levels += [ReferenceLevel(e.price_usd, kind, max(m.confirmed_ts for m in e.members)) for e in group]
    levels += [ReferenceLevel(sw.price_usd, "swing_high", sw.confirmed_ts) for sw in s.swing_highs]
    levels += [ReferenceLevel(sw.price_usd, "swing_low", sw.confirmed_ts) for sw in s.swing_lows]
    return levels


def _dedupe(levels: Sequence[ReferenceLevel]) -> list[ReferenceLevel]:
    """One level per (price, high/low): the most specific kind, then the latest formed."""
    best: dict[tuple[float, bool], ReferenceLevel] = {}
    for lvl in levels:
        kind = ReferenceKind(lvl.kind)
        lvl = ReferenceLevel(float(lvl.price_usd), kind, lvl.formed_ts)
        key = (lvl.price_usd, kind.is_high)
        old = best.get(key)
        if old is None:
            best[key] = lvl
            continue
        rank = (_PRIORITY[kind], -(utc(lvl.formed_ts).timestamp() if lvl.formed_ts else math.inf))
        old_rank = (_PRIORITY[old.kind], -(utc(old.formed_ts).timestamp() if old.formed_ts else math.inf))
        if rank < old_rank:
            best[key] = lvl
    return list(best.values())


def stop_clusters(
    levels: Sequence[ReferenceLevel],
    *,
    price_usd: float,
    liq_map: LiquidationMap | None,
    candles: CandleSeries,
    as_of: datetime,
    window_fraction: float = 0.005,
) -> Result[StopClusterMap]:
    """Resting stop clusters at the untouched ``levels`` around ``price_usd`` and the levels swept since formed
    (judged on the bars of ``candles`` closed by ``as_of``); sizes from ``liq_map`` when given (USD), else None."""
    params = {"price_usd": price_usd, "window_fraction": window_fraction, "with_map": liq_map is not None}
    if not (price_usd > 0 and math.isfinite(price_usd)):
        return Result.missing("no price", params=params)
    if not levels:
        return Result.missing("no reference levels from the structure analytics", params=params)
    reasons = [] if liq_map is not None else ["no liquidation map: stop sizes unknown (None)"]
    resting: list[StopCluster] = []
    swept: list[SweptLevel] = []
    for lvl in _dedupe(levels):
        kind, high = lvl.kind, lvl.kind.is_high
        stop_side: Literal["buy_stops", "sell_stops"] = "buy_stops" if high else "sell_stops"
        distance = lvl.price_usd / price_usd - 1.0
        status, when = LevelStatus.INTACT, None
        if lvl.formed_ts is not None:
            status, when = level_status(
                candles, lvl.price_usd, side="high" if high else "low", since=lvl.formed_ts, as_of=as_of
            )
        if status is not LevelStatus.INTACT and when is not None:
            swept.append(SweptLevel(lvl.price_usd, kind, lvl.formed_ts, stop_side, when, status, distance))
            continue
        if (high and lvl.price_usd < price_usd) or (not high and lvl.price_usd > price_usd):
            swept.append(SweptLevel(lvl.price_usd, kind, lvl.formed_ts, stop_side, utc(as_of), None, distance))
            continue
        lo, hi = lvl.price_usd * (1.0 - window_fraction), lvl.price_usd * (1.0 + window_fraction)
        size: float | None = None
        if liq_map is not None:
            c = liq_map.bin_centers_usd
            bins = liq_map.short_notional_usd if high else liq_map.long_notional_usd
            size = float(bins[(c >= lo) & (c <= hi)].sum())
        resting.append(
            StopCluster(
                price_usd=lvl.price_usd,
                kind=kind,
                formed_ts=lvl.formed_ts,
                stop_side=stop_side,
                liquidation_side="short" if high else "long",
                window_low_usd=lo,
                window_high_usd=hi,
                distance_fraction=distance,
                modelled_liquidation_usd=size,
            )
        )
    above = tuple(sorted((s for s in resting if s.kind.is_high), key=lambda s: s.distance_fraction))
    below = tuple(sorted((s for s in resting if not s.kind.is_high), key=lambda s: -s.distance_fraction))
    swept.sort(key=lambda s: (s.swept_ts, s.price_usd), reverse=True)
    value = StopClusterMap(float(price_usd), above, below, tuple(swept))
    return Result.of(value, params=params, reasons=reasons, partial=liq_map is None)
