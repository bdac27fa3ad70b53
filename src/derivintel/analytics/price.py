"""Reference price of an asset: the median of venue perp marks, else the last closed candle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.analytics.macro.correlation import DailySeries
from derivintel.core.result import Result
from derivintel.core.timeutil import DAY_S, dt64_to_datetime
from derivintel.domain.series import CandleSeries
from derivintel.domain.snapshot import AssetData


@dataclass(frozen=True, slots=True)
class PriceReference:
    """``price_usd`` and how it was obtained (``method``: ``median_mark`` or ``last_close``)."""

    price_usd: float
    method: str
    venues: tuple[str, ...]
    as_of: datetime


def reference_price(data: AssetData, *, as_of: datetime) -> Result[PriceReference]:
    """Median of the venues' mark prices (robust to one bad venue); without marks, the last closed perp or spot
    candle's close at ``as_of``."""
    marks = [p for p in data.perps if p.mark_price_usd > 0]
    if marks:
        price = float(np.median([p.mark_price_usd for p in marks]))
        return Result.of(
            PriceReference(price, "median_mark", tuple(p.venue for p in marks), max(p.source.as_of for p in marks)),
            sources=[p.source for p in marks],
        )
    for market in ("perp", "spot"):
        candles = data.candles_for(market=market)
        if candles is None:
            continue
        known = candles.until(as_of)
        if len(known):
            close_ts = dt64_to_datetime(known.ts[-1] + np.timedelta64(known.interval_s, "s"))
            return Result.of(
                PriceReference(float(known.close[-1]), "last_close", (known.venue,), close_ts),
                sources=[known.source],
                reasons=["no venue mark price: using the last closed candle"],
                partial=True,
            )
    return Result.missing("no mark price and no candles for this asset")


def daily_closes(candles: CandleSeries, *, until: datetime) -> DailySeries | None:
    """Last close (USD) of the bars closing in each UTC day ``(D, D + 1]``, keyed by ``D``, for the bars closed by
    ``until`` (pandas' ``resample("1D", label="left", closed="right").last()`` without the empty days); None when
    no bar has a close."""
    known = candles.until(until)
    close = np.asarray(known.close, dtype=float)
    close_ms = known.ts.astype("datetime64[ms]").astype(np.int64) + known.interval_s * 1000
    ok = ~np.isnan(close)
    if not ok.any():
        return None
    day_ms = DAY_S * 1000
    day = (close_ms[ok] - 1) // day_ms  # closed on the right: a close at midnight belongs to the day before
    last = np.flatnonzero(np.append(day[1:] != day[:-1], True))  # bars are sorted: the last bar of each day
    return DailySeries((day[last] * day_ms).astype("datetime64[ms]"), close[ok][last])
