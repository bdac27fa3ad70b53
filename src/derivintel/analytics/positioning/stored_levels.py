"""Positioning levels from series when no venue snapshot is at hand (``report --asof`` on imported history).

A live report reads current OI and funding from each venue's perp snapshot. A point-in-time report on a store that
holds OI samples (e.g. Binance's 5-minute metrics) and funding settlements but no perp snapshot at ``as_of`` uses
the latest of those instead, saying so:

- OI total: per venue (its finest-sampled series), the last sample at or before ``as_of`` within
  ``max(max_sample_lag, sampling interval)``; coins and USD as the venue reported them at that sample.
- funding: per venue, the last *settled* rate at or before ``as_of`` within one funding interval plus
  ``max_sample_lag``, normalised per hour (``rate_interval / interval_hours``); OI-weighted with that venue's OI
  sample in USD, as the live aggregate weights the current rates. A settled rate is the previous period's, not the
  running (predicted) rate a perp snapshot shows; the reasons say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from derivintel.analytics.positioning.funding import FundingAggregate, oi_weighted_rate
from derivintel.analytics.positioning.open_interest import OpenInterestTotal, index_at_or_before
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime
from derivintel.core.units import funding_apr
from derivintel.domain.series import FundingSeries, OpenInterestSeries
from derivintel.domain.venue import VenueId

OI_LEVEL_NOTE = "no perp snapshot: OI = latest stored sample per venue"
FUNDING_LEVEL_NOTE = "no perp snapshot: funding = last settled rate per venue (the previous period's, not predicted)"


def _finest(histories: Sequence[OpenInterestSeries]) -> dict[VenueId, OpenInterestSeries]:
    chosen: dict[VenueId, OpenInterestSeries] = {}
    for s in histories:
        if s.venue not in chosen or s.interval_s < chosen[s.venue].interval_s:
            chosen[s.venue] = s
    return chosen


def latest_oi_samples(
    histories: Sequence[OpenInterestSeries], *, as_of: datetime, max_sample_lag: timedelta
) -> dict[VenueId, tuple[float, float, Source]]:
    """Per venue: (OI in coins, OI in USD, source stamped at the sample) of its last sample known at ``as_of``."""
    out: dict[VenueId, tuple[float, float, Source]] = {}
    for venue, s in _finest(histories).items():
        i = index_at_or_before(s.ts, as_of, tolerance=max(max_sample_lag, timedelta(seconds=s.interval_s)))
        if i is None or not (np.isfinite(s.oi_base[i]) and np.isfinite(s.oi_usd[i])):
            continue
        out[venue] = (float(s.oi_base[i]), float(s.oi_usd[i]), replace(s.source, as_of=dt64_to_datetime(s.ts[i])))
    return out


def oi_total_from_samples(
    histories: Sequence[OpenInterestSeries], *, as_of: datetime, max_sample_lag: timedelta
) -> Result[OpenInterestTotal]:
    """OI summed over the venues with a recent stored sample (partial: it is not a snapshot)."""
    samples = latest_oi_samples(histories, as_of=as_of, max_sample_lag=max_sample_lag)
    if not samples:
        return Result.missing("no perp snapshot and no OI sample within the lag before as_of")
    value = OpenInterestTotal(
        total_oi_base=float(sum(b for b, _, _ in samples.values())),
        total_oi_usd=float(sum(u for _, u, _ in samples.values())),
        venues=tuple(samples),
    )
    when = ", ".join(f"{v} at {src.as_of:%Y-%m-%d %H:%M}" for v, (_, _, src) in samples.items())
    return Result.of(
        value, sources=[src for *_, src in samples.values()], reasons=[f"{OI_LEVEL_NOTE} ({when})"], partial=True
    )


def settled_funding_aggregate(
    funding: Sequence[FundingSeries],
    oi_usd_by_venue: dict[VenueId, float],
    *,
    as_of: datetime,
    max_sample_lag: timedelta,
) -> Result[FundingAggregate]:
    """OI-weighted and mean funding per hour from each venue's last settlement (partial: settled, not current)."""
    rates: dict[VenueId, tuple[float, Source]] = {}
    for s in funding:
        if s.venue in rates or len(s) == 0:
            continue
        hours = float(s.interval_hours[-1]) if len(s.interval_hours) else 8.0
        i = index_at_or_before(s.ts, as_of, tolerance=timedelta(hours=hours) + max_sample_lag)
        if i is None:
            continue
        r1h = float(s.rate_interval[i] / s.interval_hours[i])
        if np.isfinite(r1h):
            rates[s.venue] = (r1h, replace(s.source, as_of=dt64_to_datetime(s.ts[i])))
    if not rates:
        return Result.missing("no perp snapshot and no funding settlement within one interval before as_of")
    weighted = [v for v in rates if oi_usd_by_venue.get(v, 0.0) > 0]
    w1h = (
        oi_weighted_rate([rates[v][0] for v in weighted], [oi_usd_by_venue[v] for v in weighted]) if weighted else None
    )
    reasons = [FUNDING_LEVEL_NOTE]
    unweighted = [v for v in rates if v not in weighted]
    if unweighted:
        reasons.append(f"no OI sample to weight funding of {', '.join(unweighted)}")
    value = FundingAggregate(
        weighted_1h=w1h,
        weighted_apr=None if w1h is None else funding_apr(w1h),
        mean_1h=float(np.mean([r for r, _ in rates.values()])),
        weighted_venues=tuple(weighted),
        rate_venues=tuple(rates),
    )
    return Result.of(value, sources=[src for _, src in rates.values()], reasons=reasons, partial=True)
