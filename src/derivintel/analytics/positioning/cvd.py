"""Cumulative volume delta (CVD) over a window, from candles with taker-buy volume or from taker-volume bars.

Bar delta in coins = ``2 × taker_buy_base − volume_base`` (candles) or ``buy_base − sell_base`` (taker volume);
USD delta = bar delta × bar close. The window ends at the last bar boundary at or before ``as_of`` (``as_of``
floored to the bar size, bars being aligned to the epoch as every venue's are) and starts ``window`` earlier, so a
24 h window on 4 h bars is six whole bars (at 04:55 it was 20 h of five bars when the window ended at ``as_of``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.series import CandleSeries, TakerVolumeSeries


@dataclass(frozen=True, slots=True)
class CVD:
    """Summed taker delta of ``venues`` over ``window_hours``: ``delta_base`` (coins), ``delta_usd`` (None when no
    price is known), ``n_bars`` bars used of ``expected_bars``; ``method`` is ``candles`` or ``taker_volume``."""

    market: str
    window_hours: float
    delta_base: float
    delta_usd: float | None
    n_bars: int
    expected_bars: int
    venues: tuple[str, ...]
    method: str


def _window_mask(ts: np.ndarray, interval_s: int, as_of: datetime, window: timedelta) -> np.ndarray:
    t = ts.astype("datetime64[ms]").astype(np.int64)
    step = interval_s * 1000
    end = to_datetime64(as_of).astype(np.int64) // step * step
    start = end - int(window.total_seconds() * 1000)
    return (t >= start) & (t + step <= end)


def _bar_deltas(
    ts: np.ndarray, interval_s: int, delta: np.ndarray, close: np.ndarray | None, as_of: datetime, window: timedelta
) -> tuple[float, float | None, int, int, int]:
    """(delta_base, delta_usd, used bars, bars in window with unknown delta, expected bars)."""
    m = _window_mask(ts, interval_s, as_of, window)
    d = delta[m]
    known = np.isfinite(d)
    expected = int(window.total_seconds() // interval_s)
    base = float(d[known].sum())
    usd = None if close is None else float((d[known] * close[m][known]).sum())
    return base, usd, int(known.sum()), int((~known).sum()), expected


def _finest_per_venue(series: Sequence, *, market: str | None) -> list:
    best: dict[str, object] = {}
    for s in series:
        if market is not None and s.market != market:
            continue
        if isinstance(s, CandleSeries) and not s.has_taker_flow:
            continue
        cur = best.get(s.venue)
        if cur is None or s.interval_s < cur.interval_s:  # type: ignore[attr-defined]
            best[s.venue] = s
    return list(best.values())


def cvd_from_candles(
    candles: Sequence[CandleSeries], *, market: str, as_of: datetime, window: timedelta
) -> Result[CVD]:
    """CVD of ``market`` (``perp`` or ``spot``) summed over venues whose candles carry taker-buy volume, using each
    venue's finest bar size. Partial when a venue's bars do not fill the window or some bars lack taker volume."""
    pool: list[CandleSeries] = _finest_per_venue(candles, market=market)
    hours = window / timedelta(hours=1)
    if not pool:
        return Result.missing(f"no {market} candles with taker-buy volume")
    total_b, total_u, n_used, n_exp = 0.0, 0.0, 0, 0
    venues: list[str] = []
    sources: list[Source] = []
    reasons: list[str] = []
    for c in pool:
        b, u, n, unknown, exp = _bar_deltas(c.ts, c.interval_s, c.delta_base, c.close, as_of, window)
        if n == 0:
            reasons.append(f"{c.venue} {market}: no closed bar with taker volume in the last {hours:g} h")
            continue
        if n < exp:
            reasons.append(
                f"{c.venue} {market}: {n} of {exp} bars in the last {hours:g} h ({unknown} lack taker volume)"
            )
        total_b += b
        total_u += u or 0.0
        n_used += n
        n_exp += exp
        venues.append(c.venue)
        sources.append(c.source)
    if not venues:
        return Result.missing(*reasons)
    value = CVD(market, hours, total_b, total_u, n_used, n_exp, tuple(venues), "candles")
    return Result.of(value, sources=sources, reasons=reasons, partial=bool(reasons), params={"window_hours": hours})


def cvd_from_taker_volume(
    series: TakerVolumeSeries,
    *,
    as_of: datetime,
    window: timedelta,
    price: CandleSeries | None = None,
    market: str = "unknown",
) -> Result[CVD]:
    """CVD from taker buy/sell volume bars (e.g. OKX rubik). USD needs ``price`` candles: each bar's delta is valued
    at the close of the candle whose open time equals the bar's; otherwise ``delta_usd`` is None.

    ``TakerVolumeSeries`` does not say whether it is spot or derivatives flow; pass ``market`` when known.
    """
    hours = window / timedelta(hours=1)
    delta = series.buy_base - series.sell_base
    close = None
    reasons: list[str] = []
    if price is not None:
        close = np.full(len(delta), np.nan)
        if len(price.ts):
            idx = np.searchsorted(price.ts, series.ts)
            idx_c = np.clip(idx, 0, len(price.ts) - 1)
            matched = (idx < len(price.ts)) & (price.ts[idx_c] == series.ts)
            close = np.where(matched, price.close[idx_c], np.nan)
    b, u, n, _unknown, exp = _bar_deltas(series.ts, series.interval_s, delta, close, as_of, window)
    if n == 0:
        return Result.missing(f"{series.venue}: no closed taker-volume bar in the last {hours:g} h")
    if n < exp:
        reasons.append(f"{series.venue}: {n} of {exp} taker-volume bars in the last {hours:g} h")
    if close is not None:
        m = _window_mask(series.ts, series.interval_s, as_of, window)
        if not np.isfinite(close[m][np.isfinite(delta[m])]).all():
            u = None
            reasons.append(f"{series.venue}: no candle close for some taker-volume bars; USD delta not computed")
    else:
        reasons.append(f"{series.venue}: no price candles; USD delta not computed")
    value = CVD(market, hours, b, u, n, exp, (series.venue,), "taker_volume")
    sources = [series.source] + ([price.source] if price is not None else [])
    return Result.of(value, sources=sources, reasons=reasons, partial=bool(reasons), params={"window_hours": hours})
