"""Cascade exposure and a wave-by-wave liquidation cascade simulator over a modelled liquidation map.

Simulator (direction ``down``; ``up`` mirrors it with asks and short levels). Distances ``x`` are fractions of the
start price ``P``; a map bin at price ``c`` sits at ``d = (P − c) / P`` (up: ``(c − P) / P``).

1. The exogenous shock moves price to ``x_0 = shock_fraction``; it is assumed to have used the book up to ``x_0``.
2. Wave ``k`` forces the modelled notional of the bins with ``x_{k−1} < d ≤ x_k`` (``x_{−1} = 0``) into market
   orders against the opposite side of the book. The book is not replenished: cumulative consumed depth
   ``Y_k = D(x_0) + Σ forced`` and the price reaches ``x_{k+1} = D⁻¹(Y_k)``, where ``D(x)`` is the cumulative
   depth (USD) within ``x`` of ``P``.
3. Stop when a wave crosses no new bin, at ``max_waves``, or at ``max_move_fraction``.

Beyond the snapshot's reach ``D`` is extrapolated linearly at ``extrapolation_usd_per_pct`` USD per 1 % of price
(default: the snapshot's own average depth per percent); the output says when it was used (``extrapolated``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from derivintel.analytics.liquidity.book_depth import DepthCurve, DepthMap
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
    """``max_waves``: wave cap. ``extrapolation_usd_per_pct``: assumed depth (USD per 1 % of price) beyond the
    snapshot (None = the snapshot's own average). ``max_move_fraction``: hard stop on the move.
    ``forced_fraction``: share of modelled notional assumed to hit the book as market orders (1.0 = all)."""

    max_waves: int = 20
    extrapolation_usd_per_pct: float | None = None
    max_move_fraction: float = 0.5
    forced_fraction: float = 1.0


@dataclass(frozen=True, eq=False)
class CascadePath:
    """One simulated cascade.

    ``price_path_usd``: start, after the shock, then after each wave. ``forced_notional_usd_per_wave``: modelled
    liquidation notional forced in each wave (USD). ``terminal_move_fraction`` = ``|terminal / start − 1|``.
    ``stopped_by``: ``no_new_level`` | ``max_waves`` | ``max_move``. ``extrapolated``: depth beyond the snapshot was
    assumed (see ``assumptions``).
    """

    direction: Direction
    start_price_usd: float
    shock_fraction: float
    price_path_usd: tuple[float, ...]
    forced_notional_usd_per_wave: tuple[float, ...]
    total_forced_notional_usd: float
    terminal_price_usd: float
    terminal_move_fraction: float
    n_waves: int
    extrapolated: bool
    stopped_by: str
    assumptions: tuple[str, ...]


def _inverse_depth(curve: DepthCurve, target_usd: float, rate_usd_per_fraction: float) -> float:
    """Smallest distance ``x`` with ``D(x) ≥ target`` (linear within curve segments, extrapolated beyond)."""
    cum, dist = curve.cumulative_usd, curve.distance_fraction
    if target_usd <= 0:
        return 0.0
    if target_usd <= cum[-1]:
        i = int(np.searchsorted(cum, target_usd, side="left"))
        lo_c, hi_c = cum[i - 1], cum[i]
        return float(dist[i - 1] + (target_usd - lo_c) / (hi_c - lo_c) * (dist[i] - dist[i - 1]))
    if rate_usd_per_fraction <= 0:
        return math.inf
    return float(dist[-1] + (target_usd - cum[-1]) / rate_usd_per_fraction)


def _depth_at(curve: DepthCurve, x: float, rate_usd_per_fraction: float) -> float:
    if x <= curve.reach_fraction:
        return float(np.interp(x, curve.distance_fraction, curve.cumulative_usd))
    return curve.total_usd + (x - curve.reach_fraction) * rate_usd_per_fraction


def simulate_cascade(
    liq_map: LiquidationMap,
    depth: DepthMap | DepthCurve,
    *,
    price_usd: float,
    shock_fraction: float,
    direction: Direction,
    params: CascadeParams | None = None,
) -> Result[CascadePath]:
    """Simulate a liquidation cascade after an initial shock of ``shock_fraction`` (e.g. 0.01) ``direction``.

    ``depth``: a ``DepthMap`` (its bid curve is used for ``down``, ask curve for ``up``) or a single ``DepthCurve``
    of the side that absorbs the forced orders. ``price_usd`` is the start price.
    """
    params = params or CascadeParams()
    p = float(price_usd)
    par = {
        "price_usd": p,
        "shock_fraction": shock_fraction,
        "direction": direction,
        "max_waves": params.max_waves,
        "extrapolation_usd_per_pct": params.extrapolation_usd_per_pct,
        "max_move_fraction": params.max_move_fraction,
        "forced_fraction": params.forced_fraction,
    }
    if direction not in ("down", "up"):
        return Result.missing(f"direction must be 'down' or 'up', got {direction!r}", params=par)
    if not (p > 0 and math.isfinite(p)) or not 0 < shock_fraction < 1:
        return Result.missing("need a positive price and 0 < shock_fraction < 1", params=par)
    curve = depth if isinstance(depth, DepthCurve) else (depth.bid_curve if direction == "down" else depth.ask_curve)
    if params.extrapolation_usd_per_pct is not None:
        rate = params.extrapolation_usd_per_pct * 100.0
        rate_text = f"{params.extrapolation_usd_per_pct:,.0f} USD per 1 % (parameter)"
    elif curve.reach_fraction > 0 and curve.total_usd > 0:
        rate = curve.total_usd / curve.reach_fraction
        rate_text = f"{rate / 100.0:,.0f} USD per 1 % (the snapshot's own average depth)"
    else:
        return Result.missing(f"no book depth on the {curve.side} side and no extrapolation assumption", params=par)

    c = liq_map.bin_centers_usd
    if direction == "down":
        d, notional = (p - c) / p, liq_map.long_notional_usd
    else:
        d, notional = (c - p) / p, liq_map.short_notional_usd
    live = (d > 0) & (notional > 0)
    d_sorted_idx = np.argsort(d[live], kind="stable")
    ds = d[live][d_sorted_idx]
    cum = np.concatenate(([0.0], np.cumsum(notional[live][d_sorted_idx] * params.forced_fraction)))

    def crossed(a: float, b: float) -> float:  # notional with a < d ≤ b
        return float(cum[np.searchsorted(ds, b, side="right")] - cum[np.searchsorted(ds, a, side="right")])

    sign = -1.0 if direction == "down" else 1.0
    x_prev, x = 0.0, float(shock_fraction)
    used = _depth_at(curve, x, rate)
    path = [p, p * (1 + sign * x)]
    waves: list[float] = []
    extrapolated = x > curve.reach_fraction
    stopped_by = "no_new_level"
    while True:
        forced = crossed(x_prev, x)
        if forced <= 0:
            break
        if len(waves) >= params.max_waves:
            stopped_by = "max_waves"
            break
        waves.append(forced)
        used += forced
        x_prev, x = x, _inverse_depth(curve, used, rate)
        if x > curve.reach_fraction:
            extrapolated = True
        if x >= params.max_move_fraction:
            x = params.max_move_fraction
            path.append(p * (1 + sign * x))
            stopped_by = "max_move"
            break
        path.append(p * (1 + sign * x))
    assumptions = [
        f"liquidation levels are the map's model ({MODEL_LABEL})",
        f"{params.forced_fraction:.0%} of crossed modelled notional becomes market orders",
        "the book is not replenished during the cascade; the shock used the book up to its own distance",
        f"beyond the snapshot reach ({curve.reach_fraction:.4f} of price) depth is assumed at {rate_text}",
    ]
    terminal = path[-1]
    value = CascadePath(
        direction=direction,
        start_price_usd=p,
        shock_fraction=float(shock_fraction),
        price_path_usd=tuple(path),
        forced_notional_usd_per_wave=tuple(waves),
        total_forced_notional_usd=float(sum(waves)),
        terminal_price_usd=terminal,
        terminal_move_fraction=abs(terminal / p - 1.0),
        n_waves=len(waves),
        extrapolated=extrapolated,
        stopped_by=stopped_by,
        assumptions=tuple(assumptions),
    )
    reasons = ["depth beyond the order-book snapshot was extrapolated"] if extrapolated else []
    return Result.of(value, params=par, reasons=reasons, partial=extrapolated)
