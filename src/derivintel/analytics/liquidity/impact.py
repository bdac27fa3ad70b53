"""Square-root market impact: the parameters of the cascade model and the market activity it is scaled by.

The square-root law (Tóth et al. 2011, "Anomalous price impact and the critical nature of liquidity in financial
markets", PRX 1, 021006; on Bitcoin: Donier & Bonart 2015, arXiv 1412.4503) says a metaorder of ``Q`` USD moves the
price by about ``ΔP/P = Y · σ_daily · √(Q / V_daily)``: ``σ_daily`` the daily volatility (fraction), ``V_daily`` the
daily traded volume (USD), ``Y`` a dimensionless prefactor of order one. It is measured for ``Q/V`` up to roughly a
tenth of daily volume; larger ratios are an extrapolation and are flagged.

``market_activity`` measures ``σ_daily`` and ``V_daily`` from candles known at ``as_of`` (pure: no I/O).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.series import CandleSeries
from derivintel.domain.venue import VenueId

DAY_S = 86_400
TESTED_Q_OVER_V_MAX = 0.1  # order of magnitude up to which the square-root law is measured (Tóth et al. 2011)


@dataclass(frozen=True, slots=True)
class ImpactParams:
    """One parameter set of the cascade model.

    ``y``: square-root prefactor (dimensionless). ``forced_fraction``: share of the modelled liquidation notional
    crossed that reaches the market as forced orders (the map is relative intensity, not positions, so < 1).
    ``resilience``: share of the liquidity taken by earlier waves that the book has refilled before the next wave
    (0 = no refill, 1 = full refill).
    """

    label: str
    y: float
    forced_fraction: float
    resilience: float

    def __post_init__(self) -> None:
        if not self.y > 0:
            raise ValueError("y must be positive")
        if not 0 < self.forced_fraction <= 1:
            raise ValueError("forced_fraction must lie in (0, 1]")
        if not 0 <= self.resilience <= 1:
            raise ValueError("resilience must lie in [0, 1]")

    def describe(self) -> str:
        return f"Y {self.y:g}, forced {self.forced_fraction:.0%}, refill {self.resilience:.0%}"


# Low / central / high. Y: the literature's "order one" (Tóth et al. 2011; Donier & Bonart 2015), a factor two each
# way. forced_fraction and resilience: NOT identified by the recorded data (see docs/analytics/liquidity.md,
# "Calibration"); the range is an explicit assumption, ordered so that low ≤ central ≤ high.
DEFAULT_IMPACT_RANGE: tuple[ImpactParams, ImpactParams, ImpactParams] = (
    ImpactParams("low", y=0.5, forced_fraction=0.1, resilience=0.5),
    ImpactParams("central", y=1.0, forced_fraction=0.25, resilience=0.25),
    ImpactParams("high", y=2.0, forced_fraction=0.5, resilience=0.0),
)


@dataclass(frozen=True, slots=True)
class MarketActivity:
    """``sigma_daily_frac``: std of daily log returns (fraction) from ``sigma_bars`` bars of ``sigma_interval_s``.
    ``volume_daily_usd``: perp volume over the last 24 h summed over ``venues`` (USD, Σ volume_base × close)."""

    sigma_daily_frac: float
    volume_daily_usd: float
    sigma_bars: int
    sigma_interval_s: int
    venues: tuple[str, ...]


def sqrt_impact_fraction(q_usd: float, *, y: float, sigma_daily_frac: float, volume_daily_usd: float) -> float:
    """``Y · σ_daily · √(Q / V_daily)`` (fraction of price); 0 for ``Q ≤ 0``."""
    if q_usd <= 0:
        return 0.0
    return y * sigma_daily_frac * math.sqrt(q_usd / volume_daily_usd)


def _finest(candles: Sequence[CandleSeries]) -> dict[VenueId, CandleSeries]:
    out: dict[VenueId, CandleSeries] = {}
    for c in candles:
        if c.market == "perp" and len(c) and (c.venue not in out or c.interval_s < out[c.venue].interval_s):
            out[c.venue] = c
    return out


def market_activity(
    candles: Sequence[CandleSeries],
    *,
    as_of: datetime,
    sigma_candles: CandleSeries | None = None,
    sigma_days: int = 30,
    min_coverage_frac: float = 0.8,
) -> Result[MarketActivity]:
    """σ_daily from ``sigma_candles`` (default: the perp venue with the longest finest-interval history) and V_daily
    from every perp venue's finest candles over the 24 h before ``as_of``. Only bars closed by ``as_of`` are used.

    A venue whose bars cover less than ``min_coverage_frac`` of the 24 h is left out (said so); no venue at all or
    fewer than 10 returns is insufficient data (never a default volatility or volume).
    """
    params = {"sigma_days": sigma_days, "min_coverage_frac": min_coverage_frac}
    venues = {v: c.until(as_of) for v, c in _finest(candles).items()}
    reasons: list[str] = []
    cutoff = to_datetime64(as_of).astype(np.int64)
    day_start = cutoff - DAY_S * 1000
    volume = 0.0
    used: list[str] = []
    sources: list[Source] = []
    for venue, c in sorted(venues.items()):
        bar_ms = c.interval_s * 1000
        inside = c.ts.astype(np.int64) >= day_start
        covered = inside.sum() * bar_ms / (DAY_S * 1000)
        if covered < min_coverage_frac:
            reasons.append(f"{venue}: perp candles cover {covered:.0%} of the last 24 h; left out of V_daily")
            continue
        v = float(np.nansum(c.volume_base[inside] * c.close[inside]))
        if not v > 0:
            reasons.append(f"{venue}: no perp volume in the last 24 h; left out of V_daily")
            continue
        volume += v
        used.append(venue)
        sources.append(c.source)
    if not used:
        return Result.missing("no perp venue with 24 h of candles: daily volume unknown", params=params)
    ref = sigma_candles.until(as_of) if sigma_candles is not None else max(venues.values(), key=len)
    start = cutoff - timedelta(days=sigma_days).total_seconds() * 1000
    close = ref.close[(ref.ts.astype(np.int64) >= start) & np.isfinite(ref.close) & (ref.close > 0)]
    if len(close) < 11:
        return Result.missing(f"fewer than 10 returns in {ref.venue} candles: daily volatility unknown", params=params)
    r = np.diff(np.log(close))
    sigma = float(np.std(r, ddof=1) * math.sqrt(DAY_S / ref.interval_s))
    sources.append(ref.source)
    value = MarketActivity(sigma, volume, len(r), int(ref.interval_s), tuple(used))
    return Result.of(value, sources=sources, params=params, reasons=reasons, partial=bool(reasons))
