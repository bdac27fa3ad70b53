"""Reference price of an asset: the median of venue perp marks, else the last closed candle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime
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
