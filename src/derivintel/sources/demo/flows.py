"""Hourly market state derived from the price path: sentiment, perp premium, funding, activity, taker flow.

Per bar i (arrays of length ``n_hours``):

- ``z``: the bar's log return divided by its local hourly volatility (a signed surprise).
- ``sentiment``: ``tanh(r_72h / 0.05)`` from the trailing 72 h log return, in (−1, 1).
- ``premium``: perp mark over index, a fraction: ``0.0001 + 0.0012 × sentiment`` + AR(1) noise (sd ≈ 0.00012).
- ``funding_1h``: common per-hour funding fraction, Binance-style: 8 h average premium ``P``,
  ``F_8h = P + clamp(0.0001 − P, ±0.0005)``, ``funding_1h = F_8h / 8`` (so it sits at 0.01 %/8 h unless the
  premium is large, as on the venues).
- ``activity``: volume multiplier (≈ 1 on average): intraday/weekend seasonality × volatility regime × |z| × noise.
- ``perp_taker_buy_share``/``spot_taker_buy_share``: taker buy volume ÷ volume, ``0.5 + 0.15 tanh(z)`` ± noise
  (spot more muted), clipped to [0.25, 0.75]. Returns and aggressive flow go together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.recursive_filter import first_order_filter
from derivintel.sources.demo.price_path import PricePath
from derivintel.sources.demo.timeline import HOUR_MS, Timeline

_STREAM_FLOWS = 2


@dataclass(frozen=True, eq=False)
class MarketFlows:
    """Hourly state of one asset (see module docstring for definitions and units)."""

    z: np.ndarray
    sentiment: np.ndarray
    premium: np.ndarray
    funding_1h: np.ndarray
    activity: np.ndarray
    perp_taker_buy_share: np.ndarray
    spot_taker_buy_share: np.ndarray


def trailing_log_return(log_close: np.ndarray, hours: int) -> np.ndarray:
    """``log_close[i] − log_close[i − hours]`` (from the first bar for the first ``hours`` bars)."""
    lagged = np.concatenate([np.full(hours, log_close[0]), log_close[:-hours]])
    return log_close - lagged


def _rolling_mean(x: np.ndarray, window: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(1, len(x) + 1)
    start = np.maximum(idx - window, 0)
    return (c[idx] - c[start]) / (idx - start)


def simulate_flows(timeline: Timeline, path: PricePath, asset_code: int) -> MarketFlows:
    rng = timeline.rng(asset_code, _STREAM_FLOWS)
    n = timeline.n_hours
    sigma = path.sigma_1h
    z = path.log_return_1h / sigma
    log_close = np.log(path.close_usd)
    sentiment = np.tanh(trailing_log_return(log_close, 72) / 0.05)

    phi = 0.9
    noise = first_order_filter(rng.standard_normal(n), 0.00012 * np.sqrt(1 - phi**2), phi)
    premium = 0.0001 + 0.0012 * sentiment + noise
    p8 = _rolling_mean(premium, 8)
    funding_1h = (p8 + np.clip(0.0001 - p8, -0.0005, 0.0005)) / 8.0

    hour = (timeline.bar_open_ms // HOUR_MS) % 24
    weekday = (timeline.bar_open_ms // (24 * HOUR_MS) + 3) % 7  # 1970-01-01 was a Thursday (3)
    season = 1.0 + 0.35 * np.exp(-0.5 * ((hour - 14.5) / 2.5) ** 2) - 0.2 * np.exp(-0.5 * ((hour - 3) / 3.0) ** 2)
    season = season * np.where(weekday >= 5, 0.65, 1.0)
    regime = (sigma / np.median(sigma)) ** 0.8
    activity = season * regime * (0.7 + 0.3 * np.abs(z)) * np.exp(0.25 * rng.standard_normal(n) - 0.03)
    activity = activity / activity.mean()

    perp_share = np.clip(0.5 + 0.15 * np.tanh(z) + 0.02 * rng.standard_normal(n), 0.25, 0.75)
    spot_share = np.clip(0.5 + 0.10 * np.tanh(z) + 0.025 * rng.standard_normal(n), 0.25, 0.75)
    return MarketFlows(z, sentiment, premium, funding_1h, activity, perp_share, spot_share)
