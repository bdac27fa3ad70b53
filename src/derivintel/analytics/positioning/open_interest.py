"""Open-interest totals and changes. Changes are measured on coin OI (``oi_base``): USD OI moves with price even
when no position opens or closes (DOMAIN.md §1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.series import OpenInterestSeries
from derivintel.domain.venue import VenueId


def index_at_or_before(ts: np.ndarray, when: datetime, *, tolerance: timedelta) -> int | None:
    """Index of the last sample with ``ts ≤ when``, provided it lies within ``tolerance`` of ``when``; else None.

    ``ts`` is a sorted ``datetime64[ms]`` array.
    """
    if len(ts) == 0:
        return None
    cutoff = to_datetime64(when).astype(np.int64)
    ts_ms = ts.astype("datetime64[ms]").astype(np.int64)
    i = int(np.searchsorted(ts_ms, cutoff, side="right")) - 1
    if i < 0:
        return None
    if cutoff - ts_ms[i] > tolerance / timedelta(milliseconds=1):
        return None
    return i


@dataclass(frozen=True, slots=True)
class OpenInterestTotal:
    """Single-sided OI summed over ``venues`` (those that reported it): coins and USD at each venue's mark."""

    total_oi_base: float
    total_oi_usd: float
    venues: tuple[VenueId, ...]


def total_open_interest(perps: Sequence[PerpMetrics]) -> Result[OpenInterestTotal]:
    """Sum single-sided OI over the venues that reported it; venues without OI are named in ``reasons``."""
    with_oi = [p for p in perps if p.oi_base is not None and np.isfinite(p.oi_base)]
    without = [p.venue for p in perps if p not in with_oi]
    if not with_oi:
        return Result.missing("no venue reported open interest")
    value = OpenInterestTotal(
        total_oi_base=float(sum(p.oi_base for p in with_oi)),  # type: ignore[misc]
        total_oi_usd=float(sum(p.oi_usd for p in with_oi)),  # type: ignore[misc]
        venues=tuple(p.venue for p in with_oi),
    )
    reasons = [f"no open interest from {', '.join(without)}"] if without else []
    return Result.of(value, sources=[p.source for p in with_oi], reasons=reasons, partial=bool(without))


@dataclass(frozen=True, slots=True)
class OpenInterestChange:
    """OI change over ``window_hours`` summed over ``venues`` (each with samples at both ends).

    ``change_fraction`` = Σ end_oi_base / Σ start_oi_base − 1 (coins); ``change_usd`` = Σ end_oi_usd − Σ start_oi_usd
    (includes the price effect); ``change_usd_fraction`` likewise on USD OI.
    """

    window_hours: float
    start_oi_base: float
    end_oi_base: float
    change_fraction: float
    start_oi_usd: float
    end_oi_usd: float
    change_usd: float
    change_usd_fraction: float
    venues: tuple[VenueId, ...]


def open_interest_change(
    histories: Sequence[OpenInterestSeries],
    *,
    as_of: datetime,
    window: timedelta,
    max_sample_lag: timedelta = timedelta(hours=2),
) -> Result[OpenInterestChange]:
    """Change of coin OI between ``as_of − window`` and ``as_of``, aggregated over venues covering both ends.

    At each end the last sample at or before the time is used (samples after ``as_of`` are ignored); it must lie
    within ``max(max_sample_lag, series.interval_s)`` of that time. One series per venue (the finest sampled).
    """
    start_at = as_of - window
    chosen: dict[VenueId, OpenInterestSeries] = {}
    for s in histories:
        if s.venue not in chosen or s.interval_s < chosen[s.venue].interval_s:
            chosen[s.venue] = s
    if not chosen:
        return Result.missing("no open-interest history")
    used: list[tuple[VenueId, int, int, OpenInterestSeries]] = []
    skipped: list[VenueId] = []
    for venue, s in chosen.items():
        tol = max(max_sample_lag, timedelta(seconds=s.interval_s))
        i_end = index_at_or_before(s.ts, as_of, tolerance=tol)
        i_start = index_at_or_before(s.ts, start_at, tolerance=tol)
        if i_end is None or i_start is None or i_end == i_start:
            skipped.append(venue)
            continue
        ok = np.isfinite([s.oi_base[i_start], s.oi_base[i_end], s.oi_usd[i_start], s.oi_usd[i_end]]).all()
        if not ok or s.oi_base[i_start] <= 0:
            skipped.append(venue)
            continue
        used.append((venue, i_start, i_end, s))
    hours = window / timedelta(hours=1)
    if not used:
        return Result.missing(
            f"no open-interest history covers both {hours:g} h ago and as_of (venues: {', '.join(skipped)})"
        )
    start_b = float(sum(s.oi_base[i] for _, i, _, s in used))
    end_b = float(sum(s.oi_base[j] for _, _, j, s in used))
    start_u = float(sum(s.oi_usd[i] for _, i, _, s in used))
    end_u = float(sum(s.oi_usd[j] for _, _, j, s in used))
    value = OpenInterestChange(
        window_hours=hours,
        start_oi_base=start_b,
        end_oi_base=end_b,
        change_fraction=end_b / start_b - 1.0,
        start_oi_usd=start_u,
        end_oi_usd=end_u,
        change_usd=end_u - start_u,
        change_usd_fraction=end_u / start_u - 1.0 if start_u > 0 else float("nan"),
        venues=tuple(v for v, *_ in used),
    )
    sources: list[Source] = [s.source for *_, s in used]
    reasons = [f"OI history does not cover the {hours:g} h window for {', '.join(skipped)}"] if skipped else []
    return Result.of(
        value,
        sources=sources,
        reasons=reasons,
        partial=bool(skipped),
        params={"window_hours": hours, "max_sample_lag_s": max_sample_lag.total_seconds()},
    )
