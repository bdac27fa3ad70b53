"""Observations of a perp listed in bundles of units (``1000PEPEUSDT``, Hyperliquid ``kPEPE``) restated per coin.

A venue that lists ``1000PEPE`` quotes the price of 1000 PEPE and counts sizes in units of 1000 PEPE. With the
bundle size ``m`` (``Listing.unit_multiplier``): prices ÷ m, sizes and volumes in coins × m; USD amounts, funding
rates and long/short ratios are unchanged; the asset becomes the coin's name. Pure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.series import CandleSeries, OpenInterestSeries, TakerVolumeSeries


def _book_side(levels: np.ndarray, m: float) -> np.ndarray:
    return np.column_stack([levels[:, 0] / m, levels[:, 1] * m]) if len(levels) else levels


def per_coin(obs: Any, asset: str, m: float) -> Any:
    """``obs`` (one parsed observation of a bundle listing) restated per coin of ``asset``; ``m`` units per bundle.

    Types without prices or sizes (funding, long/short ratios) only get the asset's name."""
    if m <= 0:
        raise ValueError(f"bundle size must be positive, got {m}")
    if isinstance(obs, PerpMetrics):
        return replace(
            obs,
            asset=asset,
            mark_price_usd=obs.mark_price_usd / m,
            index_price_usd=None if obs.index_price_usd is None else obs.index_price_usd / m,
            oi_base=None if obs.oi_base is None else obs.oi_base * m,
        )
    if isinstance(obs, CandleSeries):
        return replace(
            obs,
            asset=asset,
            open=obs.open / m,
            high=obs.high / m,
            low=obs.low / m,
            close=obs.close / m,
            volume_base=obs.volume_base * m,
            taker_buy_base=None if obs.taker_buy_base is None else obs.taker_buy_base * m,
        )
    if isinstance(obs, OpenInterestSeries):
        return replace(obs, asset=asset, oi_base=obs.oi_base * m)
    if isinstance(obs, TakerVolumeSeries):
        return replace(obs, asset=asset, buy_base=obs.buy_base * m, sell_base=obs.sell_base * m)
    if isinstance(obs, OrderBook):
        return replace(obs, asset=asset, bids=_book_side(obs.bids, m), asks=_book_side(obs.asks, m))
    if hasattr(obs, "asset"):
        return replace(obs, asset=asset)
    return obs
