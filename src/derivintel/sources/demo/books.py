"""Demo L2 order books: ±3 % around the venue mark, ~200 aggregated levels a side.

Levels sit on a grid of about 0.01 % of price (a "nice" step: 5 USD for BTC near 70k, 0.2 USD for ETH near 3k);
about 200 of the ~300–450 grid levels a side carry size. Size per level grows with distance from mid, is
log-normal, has walls at round prices (×6–15 at multiples of the asset's wall step, more at 5× it) and one or two
thin zones per side (×0.08). The touch is one (binance) or a few price ticks wide around the mark.
"""

from __future__ import annotations

import math

import numpy as np

from derivintel.domain.orderbook import OrderBook
from derivintel.sources.demo.profiles import ASSETS, PERP_VENUES, VENUES, demo_source
from derivintel.sources.demo.timeline import Timeline

_STREAM_BOOKS = 8
BOOK_DEPTH_FRACTION = 0.03
LEVELS_PER_SIDE = 200
_DATASET = {"binance-usdm": "depth", "bybit": "orderbook", "okx": "books", "hyperliquid": "l2Book"}
_SPREAD_TICKS = {"binance-usdm": 1, "bybit": 1, "okx": 2, "hyperliquid": 5}


def nice_step(x: float) -> float:
    """Largest of 1, 2, 5 × 10^k not above ``x``."""
    p = 10.0 ** np.floor(np.log10(x))
    return float(max(m * p for m in (1.0, 2.0, 5.0) if m * p <= x * (1 + 1e-12)))


def _side(
    rng: np.random.Generator, touch: float, mid: float, agg: float, sign: int, asset: str, scale: float
) -> np.ndarray:
    """Levels of one side: ``sign`` −1 for bids (prices below touch), +1 for asks."""
    profile = ASSETS[asset]
    n_grid = int(BOOK_DEPTH_FRACTION * mid / agg)
    anchor = np.floor(touch / agg) * agg if sign < 0 else np.ceil(touch / agg) * agg
    grid = anchor + sign * agg * np.arange(1, n_grid + 1)
    is_wall = np.abs(grid / profile.wall_step_usd - np.round(grid / profile.wall_step_usd)) < 1e-9
    keep = rng.random(n_grid) < (LEVELS_PER_SIDE - 1) / n_grid
    prices = grid[keep | is_wall]
    dist = np.abs(prices / mid - 1.0)
    size = profile.book_level_base * scale * (0.4 + 1.6 * dist / BOOK_DEPTH_FRACTION)
    size *= np.exp(0.6 * rng.standard_normal(len(prices)) - 0.18)
    wall = np.abs(prices / profile.wall_step_usd - np.round(prices / profile.wall_step_usd)) < 1e-9
    big_wall = np.abs(prices / (5 * profile.wall_step_usd) - np.round(prices / (5 * profile.wall_step_usd))) < 1e-9
    size[wall] *= rng.uniform(6.0, 15.0, int(wall.sum()))
    size[big_wall] *= 2.0
    for _ in range(int(rng.integers(1, 3))):
        centre, half = rng.uniform(0.008, 0.025), rng.uniform(0.001, 0.002)
        size[np.abs(dist - centre) < half] *= 0.08
    touch_size = profile.book_level_base * scale * rng.uniform(0.5, 3.0)
    prices = np.concatenate([[touch], prices])
    size = np.maximum(np.round(np.concatenate([[touch_size], size]), 3), 0.001)
    return np.column_stack([prices, size])


def _tick(mark_usd: float) -> float:
    """Price tick: 0.1 above 10,000 USD, 0.01 from 100 USD, below that the power of 10 under 1/10,000 of the price
    (0.001 at 20 USD, 0.00001 at 0.17 USD), about the venues' own ticks."""
    if mark_usd > 10_000:
        return 0.1
    if mark_usd >= 100:
        return 0.01
    return float(10.0 ** math.floor(math.log10(mark_usd * 1e-4)))


def build_book(timeline: Timeline, asset: str, asset_code: int, venue: str, mark_usd: float) -> OrderBook:
    """One venue's book with its touch straddling ``mark_usd``."""
    rng = timeline.rng(asset_code, _STREAM_BOOKS * 100 + PERP_VENUES.index(venue))
    tick = _tick(mark_usd)
    decimals = max(2, -math.floor(math.log10(tick) + 1e-9))
    spread = _SPREAD_TICKS[venue] * tick
    best_bid = np.floor((mark_usd - spread / 2) / tick) * tick
    best_ask = best_bid + spread
    mid = (best_bid + best_ask) / 2
    agg = nice_step(mid * 1e-4)
    scale = VENUES[venue].book_depth_scale
    bids = _side(rng, round(best_bid, decimals), mid, agg, -1, asset, scale)
    asks = _side(rng, round(best_ask, decimals), mid, agg, +1, asset, scale)
    return OrderBook(
        venue=venue,
        asset=asset,
        bids=bids,
        asks=asks,
        source=demo_source(f"{venue}/{_DATASET[venue]}", timeline.last_close, timeline.as_of),
    )
