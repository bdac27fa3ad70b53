"""Demo candles: binance-spot (the index path) and binance-usdm perp for the whole history, other venues' perps for
the last 30 days. Perp price = spot × (1 + premium); other venues = binance perp × exp(tiny venue noise)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.timeutil import HOUR_S
from derivintel.domain.series import CandleSeries
from derivintel.sources.demo.flows import MarketFlows
from derivintel.sources.demo.price_path import PricePath
from derivintel.sources.demo.profiles import ASSETS, VENUES, demo_source
from derivintel.sources.demo.timeline import RECENT_DAYS, STEPS_PER_HOUR, Timeline, ms_to_dt64

_STREAM_VENUE_NOISE = 3
_VENUE_OFFSET = {"binance-usdm": 0.0, "bybit": 0.00002, "okx": -0.00003, "hyperliquid": 0.00005}
_VENUE_NOISE_SD = 0.00002


@dataclass(frozen=True, eq=False)
class VenuePrices:
    """Perp prices of one venue on the 10-minute grid over bars ``first_bar`` … end (``log_price`` as in
    ``PricePath``: 6 points per bar plus the first open)."""

    venue: str
    first_bar: int
    log_price: np.ndarray

    @property
    def close_usd(self) -> np.ndarray:
        return np.exp(self.log_price[STEPS_PER_HOUR::STEPS_PER_HOUR])


def perp_log_price(path: PricePath, flows: MarketFlows) -> np.ndarray:
    """binance-usdm perp log price: spot + log(1 + premium of the bar)."""
    prem = np.log1p(flows.premium)
    return path.log_price + np.concatenate([prem[:1], np.repeat(prem, STEPS_PER_HOUR)])


def venue_prices(timeline: Timeline, asset_code: int, perp_lp: np.ndarray) -> dict[str, VenuePrices]:
    """binance-usdm over the whole history; other venues over the last 30 days with tiny noise and offsets."""
    rng = timeline.rng(asset_code, _STREAM_VENUE_NOISE)
    first = timeline.n_hours - RECENT_DAYS * 24
    out = {"binance-usdm": VenuePrices("binance-usdm", 0, perp_lp)}
    recent = perp_lp[first * STEPS_PER_HOUR :]
    for venue in ("bybit", "okx", "hyperliquid"):
        noise = _VENUE_OFFSET[venue] + _VENUE_NOISE_SD * rng.standard_normal(len(recent))
        out[venue] = VenuePrices(venue, first, recent + noise)
    return out


def _ohlc(log_price: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    price = np.exp(log_price)
    open_ = price[:-1:STEPS_PER_HOUR]
    points = price[1:].reshape(-1, STEPS_PER_HOUR)
    high = np.maximum(open_, points.max(axis=1))
    low = np.minimum(open_, points.min(axis=1))
    return open_, high, low, points[:, -1]


def _series(
    timeline: Timeline,
    asset: str,
    venue: str,
    market: str,
    log_price: np.ndarray,
    first_bar: int,
    volume: np.ndarray,
    taker_buy: np.ndarray | None,
    dataset: str,
) -> CandleSeries:
    open_, high, low, close = _ohlc(log_price)
    return CandleSeries(
        venue=venue,
        asset=asset,
        market=market,
        interval_s=HOUR_S,
        ts=ms_to_dt64(timeline.bar_open_ms[first_bar:]),
        open=open_,
        high=high,
        low=low,
        close=close,
        volume_base=volume,
        taker_buy_base=taker_buy,
        source=demo_source(f"{venue}/{dataset}", timeline.last_close, timeline.as_of),
    )


def venue_volume(timeline: Timeline, asset: str, asset_code: int, flows: MarketFlows) -> dict[str, np.ndarray]:
    """Hourly perp volume in coins per venue (binance-usdm: whole history; others: last 30 days)."""
    rng = timeline.rng(asset_code, _STREAM_VENUE_NOISE + 10)
    base = ASSETS[asset].perp_volume_1h_base * flows.activity
    first = timeline.n_hours - RECENT_DAYS * 24
    out = {"binance-usdm": base.copy()}
    for venue in ("bybit", "okx", "hyperliquid"):
        noise = np.exp(0.12 * rng.standard_normal(timeline.n_hours - first) - 0.0072)
        out[venue] = base[first:] * VENUES[venue].volume_share * noise
    return out


def build_candles(
    timeline: Timeline,
    asset: str,
    path: PricePath,
    flows: MarketFlows,
    prices: dict[str, VenuePrices],
    volumes: dict[str, np.ndarray],
) -> tuple[CandleSeries, ...]:
    """binance-usdm perp and binance-spot (both with taker buy volume), then bybit/okx/hyperliquid perps.

    bybit/okx/hyperliquid klines carry no taker split on the venues, so ``taker_buy_base`` is None for them
    (okx taker volume is its own ``TakerVolumeSeries``).
    """
    perp_vol = volumes["binance-usdm"]
    spot_vol = ASSETS[asset].spot_volume_1h_base * flows.activity
    series = [
        _series(
            timeline,
            asset,
            "binance-usdm",
            "perp",
            prices["binance-usdm"].log_price,
            0,
            perp_vol,
            perp_vol * flows.perp_taker_buy_share,
            "klines_1h",
        ),
        _series(
            timeline,
            asset,
            "binance-spot",
            "spot",
            path.log_price,
            0,
            spot_vol,
            spot_vol * flows.spot_taker_buy_share,
            "klines_1h",
        ),
    ]
    for venue in ("bybit", "okx", "hyperliquid"):
        vp = prices[venue]
        series.append(
            _series(timeline, asset, venue, "perp", vp.log_price, vp.first_bar, volumes[venue], None, "candles_1h")
        )
    return tuple(series)
