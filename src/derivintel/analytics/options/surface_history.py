"""The surface's key points of one chain (what the history store keeps per stored chain) and readings against
their own stored history: the 30d 25Δ risk reversal now against one week ago, and the 30d variance risk premium's
percentile in its history. Pure: the history comes in as arrays (read by the app from the store).

Key points (fractions of IV): ``rr25_<T>d``, ``bf25_<T>d`` and ``atm_iv_<T>d`` (the surface's 50Δ IV) at the
surface's constant maturities ``T`` = 7/30/60/90/180 days, and ``vrp_30d`` = the chain's 30d constant-maturity ATM IV
minus 30-day close-to-close realised volatility (the same figure as the report's ``options.vrp_30d``).

Rules, stated in the report: "one week ago" is the stored point nearest to ``as_of − 7 d`` within ±``WEEK_AGO_
TOLERANCE``; the VRP percentile is the share of stored values at or below today's, over stored values strictly
before ``as_of`` in the last ``PERCENTILE_LOOKBACK``, given at least ``MIN_PERCENTILE_POINTS`` of them spanning at
least ``MIN_PERCENTILE_DAYS``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.analytics.options.chain_analysis import ChainAnalysis, analyze_chain
from derivintel.analytics.options.surface import TENORS_DAYS, SmileInput, VolSurface, build_surface
from derivintel.analytics.realised_vol import realised_vol
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import DAY_S, HOUR_S, to_datetime64, utc
from derivintel.domain.snapshot import AssetData

WEEK_AGO = timedelta(days=7)
WEEK_AGO_TOLERANCE = timedelta(hours=12)
PERCENTILE_LOOKBACK = timedelta(days=365)
MIN_PERCENTILE_POINTS = 30
MIN_PERCENTILE_DAYS = 14.0


def surface_of(analysis: ChainAnalysis, sources: Sequence[Source]) -> Result[VolSurface]:
    """The volatility surface of an analyzed chain (each expiry's smile)."""
    return build_surface(
        [SmileInput(e.days_to_expiry, e.forward_usd, e.smile_strikes_usd, e.smile_iv) for e in analysis.expiries],
        sources=sources,
    )


def key_points(surface: VolSurface | None, atm_iv_30d: float | None, rv_30d: float | None) -> dict[str, float | None]:
    """The key points of one chain (module doc); None where the surface or the inputs do not give one."""
    out: dict[str, float | None] = {}
    for t in TENORS_DAYS:
        tag = f"{t:g}d"
        out[f"rr25_{tag}"] = surface.rr25(t) if surface else None
        out[f"bf25_{tag}"] = surface.bf25(t) if surface else None
        out[f"atm_iv_{tag}"] = surface.at(t, 0.50) if surface else None
    out["vrp_30d"] = atm_iv_30d - rv_30d if atm_iv_30d is not None and rv_30d is not None else None
    return out


def asset_key_points(data: AssetData) -> dict[str, float | None]:
    """The key points of ``data``'s option chain at the chain's own time (what the store keeps per chain); the
    VRP from the asset's hourly perp candles closed by then. Empty without a chain or when it does not analyze."""
    chain = data.options
    if chain is None:
        return {}
    as_of = chain.source.as_of
    analysis = analyze_chain(chain, as_of=as_of)
    if analysis.value is None:
        return {}
    surface = surface_of(analysis.value, analysis.sources).value
    hourly = data.candles_for(market="perp", interval_s=HOUR_S)
    rv = realised_vol(hourly, as_of=as_of, window=timedelta(days=30)).value if hourly is not None else None
    return key_points(surface, analysis.value.all_expiries.atm_iv_30d, rv.close_to_close if rv else None)


@dataclass(frozen=True, eq=False)
class PointHistory:
    """Stored values of one key point: ``ts`` (``datetime64[ms]``, chain time) and ``values`` (fractions)."""

    point: str
    ts: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, slots=True)
class WeekAgo:
    """A key point now and one week ago: values (fractions), the change, and when the old one was taken."""

    now: float
    then: float
    change: float
    then_at: datetime


def week_ago(history: PointHistory, now: float | None, *, as_of: datetime) -> Result[WeekAgo]:
    """``now`` against the stored point nearest to ``as_of − 7 d`` (module doc)."""
    params = {"ago_days": WEEK_AGO / timedelta(days=1), "tolerance_hours": WEEK_AGO_TOLERANCE / timedelta(hours=1)}
    if now is None:
        return Result.missing(f"no current {history.point}", params=params)
    target = to_datetime64(utc(as_of) - WEEK_AGO)
    if len(history.ts) == 0:
        return Result.missing(f"no stored {history.point} history", params=params)
    gap = np.abs((history.ts - target).astype(np.int64))
    i = int(np.argmin(gap))
    if gap[i] > WEEK_AGO_TOLERANCE.total_seconds() * 1000:
        return Result.missing(
            f"no stored {history.point} within {params['tolerance_hours']:g} h of one week ago "
            f"({len(history.ts)} stored points)",
            params=params,
        )
    then = float(history.values[i])
    at = utc(history.ts[i].astype("datetime64[ms]").astype(datetime))
    return Result.of(WeekAgo(now, then, now - then, at), params=params)


@dataclass(frozen=True, slots=True)
class Percentile:
    """Share of stored values at or below today's (``rank``, fraction), over ``n`` stored values spanning
    ``span_days``."""

    rank: float
    n: int
    span_days: float


def percentile(history: PointHistory, now: float | None, *, as_of: datetime) -> Result[Percentile]:
    """Today's value ranked in its stored history (module doc)."""
    params = {
        "lookback_days": PERCENTILE_LOOKBACK / timedelta(days=1),
        "min_points": MIN_PERCENTILE_POINTS,
        "min_days": MIN_PERCENTILE_DAYS,
    }
    if now is None:
        return Result.missing(f"no current {history.point}", params=params)
    end = to_datetime64(utc(as_of))
    keep = (history.ts < end) & (history.ts >= end - np.timedelta64(int(PERCENTILE_LOOKBACK.total_seconds()), "s"))
    keep &= np.isfinite(history.values)
    ts, values = history.ts[keep], history.values[keep]
    span = float((ts.max() - ts.min()).astype(np.int64)) / 1000 / DAY_S if len(ts) else 0.0
    if len(values) < MIN_PERCENTILE_POINTS or span < MIN_PERCENTILE_DAYS:
        return Result.missing(
            f"{len(values)} stored {history.point} values over {span:.1f} d: needs at least "
            f"{MIN_PERCENTILE_POINTS} over {MIN_PERCENTILE_DAYS:g} d",
            params=params,
        )
    return Result.of(Percentile(float((values <= now).mean()), len(values), span), params=params)


@dataclass(frozen=True, eq=False)
class SurfaceHistory:
    """Stored key-point histories the report reads (given by the app, which reads the store)."""

    points: Mapping[str, PointHistory]
    source: Source | None = None

    def get(self, point: str) -> PointHistory:
        return self.points.get(point) or PointHistory(point, np.array([], "datetime64[ms]"), np.array([]))
