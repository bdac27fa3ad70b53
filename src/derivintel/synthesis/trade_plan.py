"""Trade plan and risk sizing from levels: entry zones, stops, targets, reward/risk, position size.

Position size is expressed as notional as a fraction of equity: ``risk_fraction / stop_distance_fraction`` (risking
``risk_fraction`` of equity if the stop is hit, ignoring fees and slippage).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from derivintel.core.result import Result


@dataclass(frozen=True, slots=True)
class Level:
    """A named price level (USD) used for planning."""

    price_usd: float
    name: str


@dataclass(frozen=True, slots=True)
class SidePlan:
    """One side's plan. Prices in USD; ``notional_fraction_of_equity`` sized to risk ``risk_fraction``."""

    side: str
    entry_low_usd: float
    entry_high_usd: float
    entry_level: str
    stop_usd: float
    target1_usd: float
    target1_level: str
    target2_usd: float | None
    target2_level: str | None
    reward_risk: float
    stop_distance_fraction: float
    notional_fraction_of_equity: float


@dataclass(frozen=True, slots=True)
class TradePlan:
    long: SidePlan | None
    short: SidePlan | None
    preferred: str | None
    risk_fraction: float


def _dedupe(levels: Sequence[Level], tolerance: float) -> list[Level]:
    out: list[Level] = []
    for level in sorted(levels, key=lambda lv: lv.price_usd):
        if out and abs(level.price_usd / out[-1].price_usd - 1.0) <= tolerance:
            continue
        out.append(level)
    return out


def _side_plan(
    side: str,
    near: list[Level],
    far: list[Level],
    atr: float,
    risk_fraction: float,
    zone_atr: float,
    stop_atr: float,
) -> SidePlan | None:
    if not near or not far:
        return None
    entry = near[0]
    sign = 1.0 if side == "long" else -1.0
    # Long: zone from the support up; stop below it. Short: zone from the resistance down; stop above it.
    zone_edge = entry.price_usd + sign * zone_atr * atr
    entry_low, entry_high = sorted((entry.price_usd, zone_edge))
    entry_mid = (entry_low + entry_high) / 2.0
    stop = entry.price_usd - sign * stop_atr * atr
    targets = [lv for lv in far if sign * (lv.price_usd - entry_mid) > 0]
    if not targets:
        return None
    risk = abs(entry_mid - stop)
    stop_distance = risk / entry_mid
    return SidePlan(
        side=side,
        entry_low_usd=entry_low,
        entry_high_usd=entry_high,
        entry_level=entry.name,
        stop_usd=stop,
        target1_usd=targets[0].price_usd,
        target1_level=targets[0].name,
        target2_usd=targets[1].price_usd if len(targets) > 1 else None,
        target2_level=targets[1].name if len(targets) > 1 else None,
        reward_risk=abs(targets[0].price_usd - entry_mid) / risk,
        stop_distance_fraction=stop_distance,
        notional_fraction_of_equity=risk_fraction / stop_distance,
    )


def build_trade_plan(
    *,
    price_usd: float,
    atr_usd: float | None,
    supports: Sequence[Level],
    resistances: Sequence[Level],
    bias: str | None,
    risk_fraction: float = 0.01,
    zone_atr: float = 0.5,
    stop_atr: float = 2.0,
    merge_tolerance: float = 0.002,
    max_distance_fraction: float = 0.15,
) -> Result[TradePlan]:
    """Long: enter at the nearest support below price, stop ``stop_atr`` ATR beneath it, targets at the next
    resistances above. Short mirrors it. Levels further than ``max_distance_fraction`` are ignored."""
    params = {
        "risk_fraction": risk_fraction,
        "zone_atr": zone_atr,
        "stop_atr": stop_atr,
        "max_distance_fraction": max_distance_fraction,
    }
    if atr_usd is None or atr_usd <= 0:
        return Result.missing("ATR unavailable: cannot place stops", params=params)
    if not 0 < risk_fraction < 0.2:
        raise ValueError("risk_fraction must be in (0, 0.2)")
    band = [lv for lv in (*supports, *resistances) if abs(lv.price_usd / price_usd - 1.0) <= max_distance_fraction]
    below = sorted(
        _dedupe([lv for lv in band if lv.price_usd < price_usd], merge_tolerance), key=lambda lv: -lv.price_usd
    )
    above = sorted(
        _dedupe([lv for lv in band if lv.price_usd > price_usd], merge_tolerance), key=lambda lv: lv.price_usd
    )
    long_plan = _side_plan("long", below, above, atr_usd, risk_fraction, zone_atr, stop_atr)
    short_plan = _side_plan("short", above, below, atr_usd, risk_fraction, zone_atr, stop_atr)
    if long_plan is None and short_plan is None:
        return Result.missing("no levels on both sides of price within range", params=params)
    preferred = {"bullish": "long", "bearish": "short"}.get(bias or "")
    reasons = [] if long_plan and short_plan else ["only one side has levels on both sides of price"]
    return Result.of(
        TradePlan(long_plan, short_plan, preferred, risk_fraction),
        params=params,
        reasons=reasons,
        partial=bool(reasons),
    )
