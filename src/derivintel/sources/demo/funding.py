"""Demo funding: per-venue per-hour rates from the common rate (flows) + a small venue offset and noise, settled
at each venue's interval over the last 90 days. ``rate_interval`` = Σ of the per-hour rates over the interval
that ends at the settlement time ``ts``."""

from __future__ import annotations

import numpy as np

from derivintel.core.timeutil import dt64_to_datetime
from derivintel.domain.series import FundingSeries
from derivintel.sources.demo.flows import MarketFlows
from derivintel.sources.demo.profiles import PERP_VENUES, VENUES, demo_source
from derivintel.sources.demo.timeline import FUNDING_DAYS, HOUR_MS, Timeline, ms_to_dt64

_STREAM_FUNDING = 5


def venue_funding_1h(timeline: Timeline, asset_code: int, flows: MarketFlows) -> dict[str, np.ndarray]:
    """Per venue, the per-hour funding fraction accrued over each hourly bar (whole history)."""
    rng = timeline.rng(asset_code, _STREAM_FUNDING)
    return {
        v: flows.funding_1h + VENUES[v].funding_offset_1h + 1.0e-6 * rng.standard_normal(timeline.n_hours)
        for v in PERP_VENUES
    }


def build_funding_series(timeline: Timeline, asset: str, rate_1h: dict[str, np.ndarray]) -> tuple[FundingSeries, ...]:
    """Settled funding per venue over the last 90 days; settlements at UTC hours divisible by the interval."""
    close_ms = timeline.bar_close_ms
    start = timeline.n_hours - FUNDING_DAYS * 24
    out = []
    for venue in PERP_VENUES:
        interval = VENUES[venue].funding_interval_hours
        cum = np.concatenate([[0.0], np.cumsum(rate_1h[venue])])
        idx = np.arange(max(start, interval - 1), timeline.n_hours)
        idx = idx[(close_ms[idx] // HOUR_MS) % interval == 0]
        rate_interval = cum[idx + 1] - cum[idx + 1 - interval]
        ts = ms_to_dt64(close_ms[idx])
        out.append(
            FundingSeries(
                venue=venue,
                asset=asset,
                ts=ts,
                rate_interval=rate_interval,
                interval_hours=np.full(len(idx), float(interval)),
                source=demo_source(f"{venue}/funding_history", dt64_to_datetime(ts[-1]), timeline.as_of),
            )
        )
    return tuple(out)
