"""Calibration attempt for the cascade's square-root impact on realised liquidations (pure: arrays in, fit out).

``liquidation_windows`` groups realised liquidations into fixed windows per side; each window gives the forced
notional ``Q`` (USD) and the price move seen in its fills, signed in the direction of the forced orders (long
liquidations sell: a fall is positive). ``fit_sqrt_impact`` fits ``move = k · σ_daily · √Q`` through the origin:
with ``ΔP/P = Y σ √(Q/V)``, ``k = Y / √V_daily``, so ``Y`` is identified only when the venue's daily volume ``V`` is
known; otherwise the fit gives ``V`` implied at ``Y = 1``. The log-log slope of |move| on ``Q`` (0.5 under the law)
comes with a normal-approximation interval. Residuals and N are part of the result: report them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from derivintel.core.result import Result

Z90 = 1.6448536269514722


@dataclass(frozen=True, slots=True)
class LiquidationWindows:
    """Per window and side with at least two fills: ``notional_usd`` (Q), ``move_frac`` (signed, + = in the
    direction of the forced orders), ``n_fills`` and ``start_s`` (window start, Unix seconds)."""

    start_s: np.ndarray
    notional_usd: np.ndarray
    move_frac: np.ndarray
    n_fills: np.ndarray


def liquidation_windows(
    time_s: np.ndarray,
    price_usd: np.ndarray,
    notional_usd: np.ndarray,
    flow_sign: np.ndarray,
    *,
    window_s: float = 300.0,
) -> LiquidationWindows:
    """Group fills by ``floor(time / window_s)`` and ``flow_sign`` (+1: forced buys, i.e. shorts liquidated; −1:
    forced sells). Move = ``sign × (last price / first price − 1)`` in time order; windows with one fill are dropped
    (no move can be seen)."""
    t = np.asarray(time_s, dtype=np.float64)
    p = np.asarray(price_usd, dtype=np.float64)
    q = np.asarray(notional_usd, dtype=np.float64)
    s = np.asarray(flow_sign, dtype=np.float64)
    order = np.lexsort((t, s, np.floor(t / window_s)))
    t, p, q, s = t[order], p[order], q[order], s[order]
    key = np.stack((np.floor(t / window_s), s), axis=1)
    starts = np.flatnonzero(np.concatenate(([True], (key[1:] != key[:-1]).any(axis=1))))
    ends = np.concatenate((starts[1:], [len(t)]))
    keep = ends - starts >= 2
    starts, ends = starts[keep], ends[keep]
    move = s[starts] * (p[ends - 1] / p[starts] - 1.0)
    notional = np.add.reduceat(q, starts) if len(starts) else np.zeros(0)
    if len(starts):
        # reduceat sums up to the next start in the FULL array; dropped one-fill windows in between must not count.
        cum = np.concatenate(([0.0], np.cumsum(q)))
        notional = cum[ends] - cum[starts]
    return LiquidationWindows(np.floor(t[starts] / window_s) * window_s, notional, move, ends - starts)


@dataclass(frozen=True, slots=True)
class SqrtFit:
    """``move = k · σ · √Q``: ``k`` (1/√USD), ``implied_volume_usd_at_y1 = 1/k²`` (None if k ≤ 0), ``r2`` through the
    origin, ``rms_residual_frac``; log-log slope of |move| on Q over the ``n_positive`` windows with a positive
    move, with its 90 % interval (normal approximation)."""

    n: int
    k: float
    implied_volume_usd_at_y1: float | None
    r2: float
    rms_residual_frac: float
    n_positive: int
    loglog_slope: float
    loglog_slope_low: float
    loglog_slope_high: float


def fit_sqrt_impact(
    move_frac: np.ndarray, notional_usd: np.ndarray, *, sigma_daily_frac: float, min_n: int = 10
) -> Result[SqrtFit]:
    """Least squares through the origin of ``move`` on ``z = σ √Q``; fewer than ``min_n`` windows (or fewer than
    three positive moves for the slope) is insufficient data."""
    m = np.asarray(move_frac, dtype=np.float64)
    q = np.asarray(notional_usd, dtype=np.float64)
    ok = np.isfinite(m) & np.isfinite(q) & (q > 0)
    m, q = m[ok], q[ok]
    params = {"sigma_daily_frac": sigma_daily_frac, "min_n": min_n}
    if len(m) < min_n or not sigma_daily_frac > 0:
        return Result.missing(f"{len(m)} windows (< {min_n}) or no volatility: nothing to fit", params=params)
    z = sigma_daily_frac * np.sqrt(q)
    k = float((m * z).sum() / (z * z).sum())
    res = m - k * z
    r2 = float(1.0 - (res * res).sum() / (m * m).sum()) if (m * m).sum() > 0 else math.nan
    pos = m > 0
    if pos.sum() < 3:
        return Result.missing("fewer than three windows moved in the direction of the forced orders", params=params)
    x, y = np.log(q[pos]), np.log(m[pos])
    xc = x - x.mean()
    slope = float((xc * (y - y.mean())).sum() / (xc * xc).sum())
    resid = y - y.mean() - slope * xc
    se = float(math.sqrt((resid * resid).sum() / max(len(x) - 2, 1) / (xc * xc).sum()))
    value = SqrtFit(
        n=len(m),
        k=k,
        implied_volume_usd_at_y1=1.0 / (k * k) if k > 0 else None,
        r2=r2,
        rms_residual_frac=float(np.sqrt((res * res).mean())),
        n_positive=int(pos.sum()),
        loglog_slope=slope,
        loglog_slope_low=slope - Z90 * se,
        loglog_slope_high=slope + Z90 * se,
    )
    return Result.of(value, params=params)
