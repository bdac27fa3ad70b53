"""Demo ``PerpMetrics``: the current state of each venue's perp at the last full hour."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from derivintel.core.timeutil import HOUR_S, floor_to
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.sources.demo.candles import VenuePrices
from derivintel.sources.demo.price_path import PricePath
from derivintel.sources.demo.profiles import PERP_VENUES, VENUES, demo_source
from derivintel.sources.demo.timeline import Timeline

_DATASET = {
    "binance-usdm": "premiumIndex",
    "bybit": "tickers",
    "okx": "funding-rate",
    "hyperliquid": "metaAndAssetCtxs",
}


def build_perps(
    timeline: Timeline,
    asset: str,
    path: PricePath,
    prices: dict[str, VenuePrices],
    oi_base: dict[str, np.ndarray],
    rate_1h: dict[str, np.ndarray],
    volumes: dict[str, np.ndarray],
) -> tuple[PerpMetrics, ...]:
    """One ``PerpMetrics`` per venue. Mark = the venue's last perp close; index = the spot path; funding is the
    running (predicted) rate for the current interval = latest per-hour rate × interval hours; next funding = the
    next UTC multiple of the interval after ``as_of``; ``volume_24h_usd`` = Σ volume × close over the last 24 bars."""
    index = float(path.close_usd[-1])
    out = []
    for venue in PERP_VENUES:
        profile = VENUES[venue]
        interval = profile.funding_interval_hours
        close = prices[venue].close_usd
        out.append(
            PerpMetrics(
                venue=venue,
                asset=asset,
                venue_symbol=profile.symbol_template.format(asset=asset),
                mark_price_usd=float(close[-1]),
                index_price_usd=index,
                funding_rate_interval=float(rate_1h[venue][-1] * interval),
                funding_interval_hours=float(interval),
                funding_kind=FundingKind.PREDICTED,
                next_funding_time=floor_to(timeline.as_of, interval * HOUR_S) + timedelta(hours=interval),
                oi_base=float(oi_base[venue][-1]),
                volume_24h_usd=float(np.sum(volumes[venue][-24:] * close[-24:])),
                source=demo_source(f"{venue}/{_DATASET[venue]}", timeline.last_close, timeline.as_of),
            )
        )
    return tuple(out)
