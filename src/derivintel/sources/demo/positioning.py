"""Demo long/short ratios (hourly, 30 days) and OKX taker volume.

Account ratios lean against the move (retail buys dips): ``ln ratio = ln base − b × r_24h`` + slow AR noise;
Binance top-trader positions lean with the trend: ``ln ratio = ln 1.05 + 2 × r_72h`` + noise. ``r_h`` are trailing
spot log returns. Ratios are rounded to 4 decimals like the venues publish them.
"""

from __future__ import annotations

import numpy as np

from derivintel.core.recursive_filter import first_order_filter
from derivintel.core.timeutil import HOUR_S
from derivintel.domain.series import LongShortKind, LongShortSeries, TakerVolumeSeries
from derivintel.sources.demo.flows import MarketFlows, trailing_log_return
from derivintel.sources.demo.price_path import PricePath
from derivintel.sources.demo.profiles import demo_source
from derivintel.sources.demo.timeline import RECENT_DAYS, Timeline, ms_to_dt64

_STREAM_POSITIONING = 6

# (venue, kind, dataset, base ratio, coefficient, trailing hours)
_RATIOS = (
    ("binance-usdm", LongShortKind.GLOBAL_ACCOUNTS, "globalLongShortAccountRatio", 1.9, -1.5, 24),
    ("binance-usdm", LongShortKind.TOP_ACCOUNTS, "topLongShortAccountRatio", 1.35, -0.8, 24),
    ("binance-usdm", LongShortKind.TOP_POSITIONS, "topLongShortPositionRatio", 1.05, 2.0, 72),
    ("bybit", LongShortKind.GLOBAL_ACCOUNTS, "account-ratio", 1.75, -1.2, 24),
    ("okx", LongShortKind.GLOBAL_ACCOUNTS, "long-short-account-ratio", 1.4, -1.0, 24),
)


def build_long_short(timeline: Timeline, asset: str, asset_code: int, path: PricePath) -> tuple[LongShortSeries, ...]:
    rng = timeline.rng(asset_code, _STREAM_POSITIONING)
    m = RECENT_DAYS * 24
    log_close = np.log(path.close_usd)
    ts = ms_to_dt64(timeline.bar_close_ms[-m:])
    phi = 0.5 ** (1 / 36)
    out = []
    for venue, kind, dataset, base, coef, hours in _RATIOS:
        ret = trailing_log_return(log_close, hours)[-m:]
        noise = first_order_filter(rng.standard_normal(m), 0.06 * np.sqrt(1 - phi**2), phi)
        ratio = np.round(base * np.exp(coef * ret + noise), 4)
        out.append(
            LongShortSeries(
                venue=venue,
                asset=asset,
                kind=kind,
                interval_s=HOUR_S,
                ts=ts,
                ratio=ratio,
                source=demo_source(f"{venue}/{dataset}", timeline.last_close, timeline.as_of),
            )
        )
    return tuple(out)


def build_okx_taker_volume(
    timeline: Timeline, asset: str, asset_code: int, flows: MarketFlows, okx_volume_base: np.ndarray
) -> TakerVolumeSeries:
    """Hourly OKX taker buy/sell volume (coins) over the last 30 days; buy + sell = the OKX candle volume."""
    rng = timeline.rng(asset_code, _STREAM_POSITIONING + 10)
    m = RECENT_DAYS * 24
    share = np.clip(flows.perp_taker_buy_share[-m:] + 0.01 * rng.standard_normal(m), 0.2, 0.8)
    buy = okx_volume_base * share
    return TakerVolumeSeries(
        venue="okx",
        asset=asset,
        interval_s=HOUR_S,
        ts=ms_to_dt64(timeline.bar_open_ms[-m:]),
        buy_base=buy,
        sell_base=okx_volume_base - buy,
        source=demo_source("okx/taker-volume", timeline.last_close, timeline.as_of),
    )
