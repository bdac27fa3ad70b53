"""Funding: per-venue table, OI-weighted aggregate and the z-score of a rate against its recent history.

All rates are fractions per hour (``r_1h = r_interval / interval_hours``) so venues paying every 1, 4 or 8 hours
compare directly; APR is simple (``r_1h × 8760``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime, to_datetime64
from derivintel.core.units import funding_apr
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.series import FundingSeries
from derivintel.domain.venue import VenueId


def oi_weighted_rate(rates_1h: Sequence[float], oi_usd: Sequence[float]) -> float:
    """``Σ r_1h·OI_usd / Σ OI_usd`` (fraction per hour). Raises ``ValueError`` when lengths differ, a weight is
    negative or non-finite, or the weights sum to zero."""
    r = np.asarray(rates_1h, dtype=float)
    w = np.asarray(oi_usd, dtype=float)
    if r.shape != w.shape or r.ndim != 1 or len(r) == 0:
        raise ValueError("rates and OI weights must be equal-length non-empty 1-d sequences")
    if not (np.isfinite(r).all() and np.isfinite(w).all()) or (w < 0).any():
        raise ValueError("rates and weights must be finite, weights non-negative")
    total = w.sum()
    if total <= 0:
        raise ValueError("OI weights sum to zero")
    return float(np.dot(r, w) / total)


@dataclass(frozen=True, slots=True)
class FundingAggregate:
    """Aggregate funding (fractions per hour): OI-weighted over ``weighted_venues`` (rate and OI both known),
    unweighted mean over ``rate_venues`` (rate known); ``weighted_apr`` = ``weighted_1h × 8760``."""

    weighted_1h: float | None
    weighted_apr: float | None
    mean_1h: float
    weighted_venues: tuple[VenueId, ...]
    rate_venues: tuple[VenueId, ...]


def aggregate_funding(perps: Sequence[PerpMetrics]) -> Result[FundingAggregate]:
    """OI-weighted and plain mean funding per hour across venues. Partial when some venue lacks rate or OI."""
    with_rate = [p for p in perps if p.funding_rate_1h is not None and np.isfinite(p.funding_rate_1h)]
    if not with_rate:
        return Result.missing("no venue reported a funding rate")
    weighted = [p for p in with_rate if p.oi_usd is not None and np.isfinite(p.oi_usd) and p.oi_usd > 0]
    reasons: list[str] = []
    no_rate = [p.venue for p in perps if p not in with_rate]
    if no_rate:
        reasons.append(f"no funding rate from {', '.join(no_rate)}")
    no_oi = [p.venue for p in with_rate if p not in weighted]
    if no_oi:
        reasons.append(f"no open interest to weight funding of {', '.join(no_oi)}")
    w1h = (
        oi_weighted_rate([p.funding_rate_1h for p in weighted], [p.oi_usd for p in weighted])  # type: ignore[misc]
        if weighted
        else None
    )
    value = FundingAggregate(
        weighted_1h=w1h,
        weighted_apr=None if w1h is None else funding_apr(w1h),
        mean_1h=float(np.mean([p.funding_rate_1h for p in with_rate])),
        weighted_venues=tuple(p.venue for p in weighted),
        rate_venues=tuple(p.venue for p in with_rate),
    )
    return Result.of(value, sources=[p.source for p in with_rate], reasons=reasons, partial=bool(reasons))


def zscore_and_percentile(current: float, history: np.ndarray) -> tuple[float | None, float]:
    """z = (current − mean) / sample std (ddof=1) of ``history``; percentile = share of history ≤ current.

    z is None when the history has zero spread (or fewer than 2 points).
    """
    h = np.asarray(history, dtype=float)
    pct = float(np.mean(h <= current))
    if len(h) < 2:
        return None, pct
    sd = float(np.std(h, ddof=1))
    if sd == 0.0:
        return None, pct
    return float((current - h.mean()) / sd), pct


@dataclass(frozen=True, slots=True)
class FundingZScore:
    """Where ``current_1h`` (fraction per hour) sits in the per-hour settled rates of ``venue`` over
    (``window_start``, ``window_end``]: ``zscore`` (sample std), ``percentile`` (share ≤ current, 0..1)."""

    venue: VenueId
    current_1h: float
    current_is_settled: bool
    mean_1h: float
    std_1h: float
    zscore: float | None
    percentile: float
    n_obs: int
    window_start: datetime
    window_end: datetime


def funding_zscore(
    history: FundingSeries,
    *,
    as_of: datetime,
    current_1h: float | None = None,
    lookback: timedelta = timedelta(days=30),
    min_obs: int = 10,
) -> Result[FundingZScore]:
    """z-score and percentile of a per-hour funding rate against ``history`` settled in (as_of − lookback, as_of].

    ``current_1h`` defaults to the last settled per-hour rate in the window (which is then part of the window).
    Settlements after ``as_of`` are ignored.
    """
    cut = history.until(as_of)
    lo = to_datetime64(as_of - lookback).astype(np.int64)
    mask = cut.ts.astype(np.int64) > lo
    rates = cut.rate_1h[mask]
    rates = rates[np.isfinite(rates)]
    params = {"lookback_days": lookback / timedelta(days=1), "min_obs": min_obs, "std_ddof": 1}
    if len(rates) < min_obs:
        return Result.missing(
            f"{history.venue}: {len(rates)} funding settlements in the last {lookback.days} d, need {min_obs}",
            params=params,
        )
    settled = current_1h is None
    current = float(rates[-1]) if current_1h is None else float(current_1h)
    z, pct = zscore_and_percentile(current, rates)
    value = FundingZScore(
        venue=history.venue,
        current_1h=current,
        current_is_settled=settled,
        mean_1h=float(rates.mean()),
        std_1h=float(np.std(rates, ddof=1)),
        zscore=z,
        percentile=pct,
        n_obs=len(rates),
        window_start=dt64_to_datetime(np.datetime64(int(lo), "ms")),
        window_end=as_of,
    )
    reasons = [f"{history.venue}: funding history has zero spread; z-score undefined"] if z is None else []
    return Result.of(value, sources=[history.source], params=params, reasons=reasons, partial=z is None)
