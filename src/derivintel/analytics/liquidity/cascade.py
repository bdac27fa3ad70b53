"""Cascade exposure and a wave-by-wave liquidation cascade with square-root impact over a modelled liquidation map.

Simulator (direction ``down``; ``up`` mirrors it with asks and short levels). Distances ``x`` are fractions of the
start price ``P``; a map bin at price ``c`` sits at ``d = (P − c) / P`` (up: ``(c − P) / P``). For one parameter set
(``Y``, forced fraction ``f``, resilience ``r``; see ``impact.py``) and market activity (``σ_d``, ``V_d``):

1. The exogenous shock moves price to ``x_0 = s`` (``shock_fraction``); the shock itself is not counted as impact.
2. Wave ``k`` (k = 1, 2, …) forces ``Q_k = f · N(x_{k−2}, x_{k−1}]`` (``x_{−1} = 0``): the modelled notional of
   the bins crossed since the previous wave. The liquidity taken but not yet refilled is
   ``U_k = (1 − r) · U_{k−1} + Q_k`` (``U_0 = 0``) and the price reaches
   ``x_k = max(x_{k−1}, s + Y · σ_d · √(U_k / V_d))``.
3. Stop when a wave crosses no new bin (the impact no longer reaches further liquidations), at ``max_waves`` or at
   ``max_move_fraction``. The terminal price is the furthest point reached.

With ``r = 0`` the terminal distance is the least fixed point ``x ≥ s`` of ``g(x) = s + Y σ_d √(f N(0, x] / V_d)``,
which is non-decreasing in ``s``, ``Y`` and ``f``. The order book does not set the move; it is used to FLAG
extrapolations: a move past the snapshot's reach, forced notional above the visible depth within the move, and
``U/V_d`` beyond the range in which the square-root law was measured.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from derivintel.analytics.liquidity.book_depth import DepthCurve, DepthMap
from derivintel.analytics.liquidity.impact import (
    DEFAULT_IMPACT_RANGE,
    TESTED_Q_OVER_V_MAX,
    ImpactParams,
    MarketActivity,
    sqrt_impact_fraction,
)
from derivintel.analytics.liquidity.liquidation_map import MODEL_LABEL, LiquidationMap
from derivintel.core.result import Result

Direction = Literal["down", "up"]


@dataclass(frozen=True, slots=True)
class CascadeExposure:
    """Modelled liquidation notional near ``price_usd`` (USD): longs within ``d`` below, shorts within ``d`` above.

    ``asymmetry[d] = long_below_usd[d] / short_above_usd[d]`` (> 1: more long liquidations below than short above;
    None when nothing lies above).
    """

    price_usd: float
    long_below_usd: Mapping[float, float]
    short_above_usd: Mapping[float, float]
    asymmetry: Mapping[float, float | None]
    label: str = MODEL_LABEL


def cascade_exposure(
    liq_map: LiquidationMap, *, price_usd: float | None = None, bands: tuple[float, ...] = (0.01, 0.02, 0.05)
) -> Result[CascadeExposure]:
    """Long notional in bins centred within ``[P(1 − d), P)`` and short in ``(P, P(1 + d)]`` for each band ``d``.

    ``price_usd`` defaults to the map's reference price.
    """
    p = float(liq_map.reference_price_usd if price_usd is None else price_usd)
    params = {"price_usd": p, "bands": bands}
    if not (p > 0 and math.isfinite(p)):
        return Result.missing("no price", params=params)
    c = liq_map.bin_centers_usd
    long_below = {d: float(liq_map.long_notional_usd[(c < p) & (c >= p * (1 - d))].sum()) for d in bands}
    short_above = {d: float(liq_map.short_notional_usd[(c > p) & (c <= p * (1 + d))].sum()) for d in bands}
    asym = {d: (long_below[d] / short_above[d] if short_above[d] > 0 else None) for d in bands}
    reasons = [
        f"no modelled short liquidations within {d:g} above; asymmetry undefined" for d in bands if asym[d] is None
    ]
    return Result.of(CascadeExposure(p, long_below, short_above, asym), params=params, reasons=reasons)


@dataclass(frozen=True)
class CascadeParams:
    """``max_waves``: wave cap. ``max_move_fraction``: hard stop on the move. ``tested_q_over_v_max``: the largest
    ``U/V_d`` the square-root law is taken as measured for; beyond it a wave is flagged as an extrapolation."""

    max_waves: int = 50
    max_move_fraction: float = 0.5
    tested_q_over_v_max: float = TESTED_Q_OVER_V_MAX


@dataclass(frozen=True, eq=False)
class CascadePath:
    """One simulated cascade for one parameter set.

    ``price_path_usd``: start, after the shock, then after each wave. ``forced_notional_usd_per_wave``: forced
    orders per wave (USD, already × ``forced_fraction``). ``impact_fraction_per_wave``: ``Y σ_d √(U_k/V_d)`` after
    each wave. ``terminal_move_fraction``: signed ``terminal / start − 1`` (negative down). ``stopped_by``:
    ``no_new_level`` | ``max_waves`` | ``max_move``. ``flags``: every extrapolation, one sentence each.
    """

    direction: Direction
    params: ImpactParams
    start_price_usd: float
    shock_fraction: float
    price_path_usd: tuple[float, ...]
    forced_notional_usd_per_wave: tuple[float, ...]
    impact_fraction_per_wave: tuple[float, ...]
    total_forced_notional_usd: float
    terminal_price_usd: float
    terminal_move_fraction: float
    n_waves: int
    stopped_by: str
    flags: tuple[str, ...]

    @property
    def extrapolated(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True, eq=False)
class CascadeRange:
    """The cascade under the low / central / high parameter sets (``paths`` in that order) and what scaled it."""

    direction: Direction
    shock_fraction: float
    start_price_usd: float
    activity: MarketActivity
    paths: tuple[CascadePath, ...]
    assumptions: tuple[str, ...]

    @property
    def low(self) -> CascadePath:
        return self.paths[0]

    @property
    def central(self) -> CascadePath:
        return self.paths[len(self.paths) // 2]

    @property
    def high(self) -> CascadePath:
        return self.paths[-1]

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f"{p.params.label}: {f}" for p in self.paths for f in p.flags))

    @property
    def note(self) -> str:
        """The range in words: moves and the parameter sets behind them."""
        parts = [f"{p.params.label} {p.terminal_move_fraction:+.2%} ({p.params.describe()})" for p in self.paths]
        return (
            "range " + "; ".join(parts) + f"; σ_daily {self.activity.sigma_daily_frac:.2%}, "
            f"V_daily {self.activity.volume_daily_usd / 1e9:,.2f}B USD"
        )


def _crossed_notional(liq_map: LiquidationMap, price_usd: float, direction: Direction) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distances of the live bins on the side a ``direction`` move liquidates, and the cumulative notional."""
    c = liq_map.bin_centers_usd
    if direction == "down":
        d, notional = (price_usd - c) / price_usd, liq_map.long_notional_usd
    else:
        d, notional = (c - price_usd) / price_usd, liq_map.short_notional_usd
    live = (d > 0) & (notional > 0)
    order = np.argsort(d[live], kind="stable")
    return d[live][order], np.concatenate(([0.0], np.cumsum(notional[live][order])))


def _path(
    ds: np.ndarray,
    cum: np.ndarray,
    curve: DepthCurve,
    *,
    price_usd: float,
    shock: float,
    direction: Direction,
    activity: MarketActivity,
    impact: ImpactParams,
    params: CascadeParams,
) -> CascadePath:
    def crossed(a: float, b: float) -> float:  # modelled notional with a < d ≤ b
        return float(cum[np.searchsorted(ds, b, side="right")] - cum[np.searchsorted(ds, a, side="right")])

    sign = -1.0 if direction == "down" else 1.0
    f, r = impact.forced_fraction, impact.resilience
    x_prev, x, unrefilled = 0.0, shock, 0.0
    path = [price_usd, price_usd * (1 + sign * x)]
    waves: list[float] = []
    impacts: list[float] = []
    flags: list[str] = []
    stopped_by = "no_new_level"
    while True:
        q = f * crossed(x_prev, x)
        if q <= 0:
            break
        if len(waves) >= params.max_waves:
            stopped_by = "max_waves"
            break
        unrefilled = (1.0 - r) * unrefilled + q
        waves.append(q)
        imp = sqrt_impact_fraction(
            unrefilled,
            y=impact.y,
            sigma_daily_frac=activity.sigma_daily_frac,
            volume_daily_usd=activity.volume_daily_usd,
        )
        impacts.append(imp)
        ratio = unrefilled / activity.volume_daily_usd
        if ratio > params.tested_q_over_v_max:
            flags.append(
                f"wave {len(waves)}: forced flow {ratio:.1%} of daily volume, beyond the square-root law's measured "
                f"range (≤ {params.tested_q_over_v_max:.0%})"
            )
        x_prev, x = x, max(x, shock + imp)
        if x >= params.max_move_fraction:
            x = params.max_move_fraction
            path.append(price_usd * (1 + sign * x))
            stopped_by = "max_move"
            break
        path.append(price_usd * (1 + sign * x))
    if x > curve.reach_fraction:
        flags.append(
            f"move {x:.2%} reaches past the order-book snapshot ({curve.reach_fraction:.2%}): no observed depth"
        )
    visible = float(np.interp(min(x, curve.reach_fraction), curve.distance_fraction, curve.cumulative_usd))
    if waves and unrefilled > visible:
        flags.append(
            f"forced flow {unrefilled / 1e6:,.1f}M USD exceeds the visible {curve.side} depth within the move "
            f"({visible / 1e6:,.1f}M USD): the move relies on latent liquidity, as the square-root law assumes"
        )
    terminal = path[-1]
    return CascadePath(
        direction=direction,
        params=impact,
        start_price_usd=price_usd,
        shock_fraction=shock,
        price_path_usd=tuple(path),
        forced_notional_usd_per_wave=tuple(waves),
        impact_fraction_per_wave=tuple(impacts),
        total_forced_notional_usd=float(sum(waves)),
        terminal_price_usd=terminal,
        terminal_move_fraction=terminal / price_usd - 1.0,
        n_waves=len(waves),
        stopped_by=stopped_by,
        flags=tuple(dict.fromkeys(flags)),
    )


def simulate_cascade(
    liq_map: LiquidationMap,
    depth: DepthMap | DepthCurve,
    activity: MarketActivity,
    *,
    price_usd: float,
    shock_fraction: float,
    direction: Direction,
    param_sets: tuple[ImpactParams, ...] = DEFAULT_IMPACT_RANGE,
    params: CascadeParams | None = None,
) -> Result[CascadeRange]:
    """Simulate the cascade after a ``shock_fraction`` (e.g. 0.02) move ``direction`` under each of ``param_sets``
    (low, central, high). ``depth``: a ``DepthMap`` (bid curve for ``down``, ask curve for ``up``) or the absorbing
    side's ``DepthCurve``; it only flags extrapolations. ``activity``: σ_daily and V_daily (``market_activity``)."""
    params = params or CascadeParams()
    p = float(price_usd)
    par = {
        "price_usd": p,
        "shock_fraction": shock_fraction,
        "direction": direction,
        "param_sets": [ps.describe() for ps in param_sets],
        "max_waves": params.max_waves,
        "max_move_fraction": params.max_move_fraction,
        "tested_q_over_v_max": params.tested_q_over_v_max,
        "sigma_daily_frac": activity.sigma_daily_frac,
        "volume_daily_usd": activity.volume_daily_usd,
    }
    if direction not in ("down", "up"):
        return Result.missing(f"direction must be 'down' or 'up', got {direction!r}", params=par)
    if not (p > 0 and math.isfinite(p)) or not 0 < shock_fraction < 1:
        return Result.missing("need a positive price and 0 < shock_fraction < 1", params=par)
    if not (activity.sigma_daily_frac > 0 and activity.volume_daily_usd > 0) or not param_sets:
        return Result.missing("need a positive daily volatility and daily volume, and a parameter set", params=par)
    curve = depth if isinstance(depth, DepthCurve) else (depth.bid_curve if direction == "down" else depth.ask_curve)
    ds, cum = _crossed_notional(liq_map, p, direction)
    paths = tuple(
        _path(
            ds,
            cum,
            curve,
            price_usd=p,
            shock=float(shock_fraction),
            direction=direction,
            activity=activity,
            impact=ps,
            params=params,
        )
        for ps in param_sets
    )
    assumptions = (
        f"liquidation levels are the map's model ({MODEL_LABEL}); only a fraction of them is forced",
        "square-root impact ΔP/P = Y·σ_daily·√(Q/V_daily) (Tóth et al. 2011; Donier & Bonart 2015) with Y of order "
        "one from the literature: the recorded data do not identify Y, the forced fraction or the refill",
        f"σ_daily {activity.sigma_daily_frac:.2%} from {activity.sigma_bars} bars of {activity.sigma_interval_s} s; "
        f"V_daily {activity.volume_daily_usd / 1e9:,.2f}B USD of perp volume over 24 h ({', '.join(activity.venues)})",
        "the shock is exogenous and permanent; the book refills the stated share between waves",
    )
    value = CascadeRange(direction, float(shock_fraction), p, activity, paths, assumptions)
    flags = value.flags
    return Result.of(value, params=par, reasons=flags, partial=bool(flags))
