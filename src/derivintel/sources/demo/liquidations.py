"""Demo realised liquidations over the last 24 h on binance-usdm, bybit and okx.

Per hour and venue the count is Poisson with mean ``base × (1 + 3 max(0, −z) + max(0, z))`` (``z`` = the hour's
return surprise), the share of liquidated longs is ``1 / (1 + exp(1.5 z − 0.8))`` (≈ 0.7 on a flat hour, more on
down hours), sizes are log-normal with a heavy tail, and prices are the venue's path at the event time, a little
beyond it in the direction of the forced order.
"""

from __future__ import annotations

import numpy as np

from derivintel.core.timeutil import from_ms
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.sources.demo.candles import VenuePrices
from derivintel.sources.demo.flows import MarketFlows
from derivintel.sources.demo.profiles import ASSETS, demo_source, price_decimals
from derivintel.sources.demo.timeline import HOUR_MS, STEPS_PER_HOUR, Timeline

_STREAM_LIQ = 7
_BASE_PER_HOUR = {"binance-usdm": 12.0, "bybit": 8.0, "okx": 5.0}
_DATASET = {"binance-usdm": "forceOrder", "bybit": "allLiquidation", "okx": "liquidation-orders"}
WINDOW_HOURS = 24


def build_liquidations(
    timeline: Timeline, asset: str, asset_code: int, flows: MarketFlows, prices: dict[str, VenuePrices]
) -> tuple[LiquidationEvent, ...]:
    rng = timeline.rng(asset_code, _STREAM_LIQ)
    z = flows.z[-WINDOW_HOURS:]
    bar_open = timeline.bar_open_ms[-WINDOW_HOURS:]
    p_long = 1.0 / (1.0 + np.exp(1.5 * z - 0.8))
    median = ASSETS[asset].liq_size_median_base
    decimals = price_decimals(asset)
    events: list[tuple[int, LiquidationEvent]] = []
    for venue, base in _BASE_PER_HOUR.items():
        counts = rng.poisson(base * (1.0 + 3.0 * np.maximum(0.0, -z) + np.maximum(0.0, z)))
        hour = np.repeat(np.arange(WINDOW_HOURS), counts)
        offset_ms = rng.integers(0, HOUR_MS, len(hour))
        t_ms = bar_open[hour] + offset_ms
        is_long = rng.random(len(hour)) < p_long[hour]
        vp = prices[venue]
        # position on the venue's 10-minute grid, interpolated in log price
        step = (t_ms - timeline.bar_open_ms[vp.first_bar]) / (HOUR_MS / STEPS_PER_HOUR)
        log_px = np.interp(step, np.arange(len(vp.log_price)), vp.log_price)
        slip = rng.uniform(0.0, 0.0008, len(hour))
        price = np.exp(log_px) * np.where(is_long, 1.0 - slip, 1.0 + slip)
        size = np.maximum(np.round(median * np.exp(1.3 * rng.standard_normal(len(hour))), 3), 0.001)
        for t, long_, px, sz in zip(t_ms.tolist(), is_long.tolist(), price.tolist(), size.tolist(), strict=True):
            side = LiquidatedSide.LONG if long_ else LiquidatedSide.SHORT
            src = demo_source(f"{venue}/{_DATASET[venue]}", from_ms(t), timeline.as_of)
            events.append((t, LiquidationEvent(venue, asset, side, round(px, decimals), sz, src)))
    events.sort(key=lambda e: e[0])
    return tuple(e for _, e in events)
