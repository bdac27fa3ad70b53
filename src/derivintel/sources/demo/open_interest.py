"""Demo open interest: hourly single-sided OI per venue for the last 30 days, in coins and USD.

Total OI follows ``x_t = (1 − κ) x_{t−1} + u_t`` in logs (κ = 0.01 per hour) with
``u_t = 0.4 r_t + 0.0015 |z_t| − 0.004 max(0, −z_t − 1.5) − 0.0012 + ε`` (``r`` hourly log return, ``z`` its
surprise): positions build with rallies and with activity, longs are flushed by sharp drops. The last 36 h are bent to
a 4–7 % decline (price down, OI down: long liquidation) and the level is scaled to the asset's total. Each venue holds
its share × a slow venue-specific wobble. ``oi_usd = oi_base × the venue's perp close`` at the same time.
"""

from __future__ import annotations

import numpy as np

from derivintel.core.recursive_filter import first_order_filter
from derivintel.core.timeutil import HOUR_S
from derivintel.domain.series import OpenInterestSeries
from derivintel.sources.demo.candles import VenuePrices
from derivintel.sources.demo.flows import MarketFlows
from derivintel.sources.demo.price_path import SELLOFF_HOURS, PricePath
from derivintel.sources.demo.profiles import ASSETS, PERP_VENUES, VENUES, demo_source
from derivintel.sources.demo.timeline import RECENT_DAYS, Timeline, ms_to_dt64

_STREAM_OI = 4
_WARMUP_HOURS = 240


def simulate_oi_base(
    timeline: Timeline, asset: str, asset_code: int, path: PricePath, flows: MarketFlows
) -> dict[str, np.ndarray]:
    """Per venue, OI in coins at the close of each of the last 30 days' hourly bars."""
    rng = timeline.rng(asset_code, _STREAM_OI)
    m = RECENT_DAYS * 24
    window = slice(timeline.n_hours - m - _WARMUP_HOURS, timeline.n_hours)
    r = path.log_return_1h[window]
    z = flows.z[window]
    u = 0.4 * r + 0.0015 * np.abs(z) - 0.004 * np.maximum(0.0, -z - 1.5) - 0.0012 + 0.0015 * rng.standard_normal(len(r))
    x = first_order_filter(u, 1.0, 0.99)[-m:]
    k = SELLOFF_HOURS
    target = float(rng.uniform(-0.07, -0.04))
    x[-k:] += (target - (x[-1] - x[-1 - k])) * (np.arange(1, k + 1) / k)
    total = float(rng.uniform(*ASSETS[asset].oi_total_range_base)) * np.exp(x - x[-1])
    out: dict[str, np.ndarray] = {}
    phi = 0.5 ** (1 / 48)
    for venue in PERP_VENUES:
        wobble = first_order_filter(rng.standard_normal(m), 0.015 * np.sqrt(1 - phi**2), phi)
        out[venue] = VENUES[venue].oi_share * total * np.exp(wobble - wobble[-1])
    return out


def build_oi_series(
    timeline: Timeline, asset: str, oi_base: dict[str, np.ndarray], prices: dict[str, VenuePrices]
) -> tuple[OpenInterestSeries, ...]:
    """One hourly ``OpenInterestSeries`` per venue; ``ts`` are bar close times (the last one ≤ as_of)."""
    m = RECENT_DAYS * 24
    ts = ms_to_dt64(timeline.bar_close_ms[-m:])
    out = []
    for venue in PERP_VENUES:
        close = prices[venue].close_usd[-m:]
        out.append(
            OpenInterestSeries(
                venue=venue,
                asset=asset,
                interval_s=HOUR_S,
                ts=ts,
                oi_base=oi_base[venue],
                oi_usd=oi_base[venue] * close,
                source=demo_source(f"{venue}/open_interest_hist_1h", timeline.last_close, timeline.as_of),
            )
        )
    return tuple(out)
