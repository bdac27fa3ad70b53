"""Causal swing highs and lows (DOMAIN.md §4: centred windows leak the future).

A swing high at bar ``i`` needs ``k`` bars on each side: ``high[i] > max(high[i−k..i−1])`` and
``high[i] ≥ max(high[i+1..i+k])`` (strict on the left so a flat top counts once, at its first bar). It becomes known
only when bar ``i+k`` has closed, so each swing carries ``confirmed_ts = ts[i+k] + interval_s`` and, as of any time,
only swings confirmed by then exist. Swing lows mirror this on ``low``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from derivintel.core.result import Result
from derivintel.core.timeutil import from_ms, to_ms, utc
from derivintel.domain.series import CandleSeries


@dataclass(frozen=True, slots=True)
class Swing:
    """A confirmed swing: ``ts`` is the swing bar's open time, ``confirmed_ts`` the close time of the bar ``k`` bars
    later (when the swing became known), ``price_usd`` the swing bar's high (swing high) or low (swing low)."""

    ts: datetime
    confirmed_ts: datetime
    price_usd: float


@dataclass(frozen=True, slots=True)
class SwingPoints:
    """Swing highs and lows confirmed by ``as_of``, oldest first; ``k`` bars each side, bar size ``interval_s``."""

    highs: tuple[Swing, ...]
    lows: tuple[Swing, ...]
    k: int
    interval_s: int
    as_of: datetime


def swing_indices(high: np.ndarray, low: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Bar indices of swing highs and lows whose ``k`` right-hand bars all exist in the arrays given.

    Pass only bars known at the time of interest: the last ``k`` bars can never be swings yet.
    """
    if k < 1:
        raise ValueError("k must be ≥ 1")
    n = len(high)
    if n < 2 * k + 1:
        empty = np.array([], dtype=np.int64)
        return empty, empty
    hmax = sliding_window_view(high, k).max(axis=1)  # hmax[j] = max(high[j .. j+k−1])
    lmin = sliding_window_view(low, k).min(axis=1)
    idx = np.arange(k, n - k)
    left_h, right_h = hmax[idx - k], hmax[idx + 1]
    left_l, right_l = lmin[idx - k], lmin[idx + 1]
    is_high = (high[idx] > left_h) & (high[idx] >= right_h)
    is_low = (low[idx] < left_l) & (low[idx] <= right_l)
    return idx[is_high], idx[is_low]


def swing_points(
    candles: CandleSeries, *, as_of: datetime, k: int = 5, since: datetime | None = None
) -> Result[SwingPoints]:
    """Swings of ``candles`` confirmed by ``as_of`` (bars closed by then), optionally only those with ``ts ≥ since``.

    Missing when fewer than ``2k + 1`` bars have closed.
    """
    params = {
        "k": k,
        "since": utc(since).isoformat() if since else None,
        "interval_s": candles.interval_s,
        "rule": "high[i] > max(high[i-k:i]) and high[i] >= max(high[i+1:i+k+1]); lows mirrored",
    }
    ts_ms = candles.ts.astype(np.int64)
    interval_ms = candles.interval_s * 1000
    n = int(np.searchsorted(ts_ms, to_ms(as_of) - interval_ms, side="right"))
    if n < 2 * k + 1:
        return Result.missing(f"{n} closed bars; swings with k={k} need at least {2 * k + 1}", params=params)
    hi_idx, lo_idx = swing_indices(candles.high[:n], candles.low[:n], k)
    since_ms = to_ms(since) if since is not None else None

    def build(idx: np.ndarray, prices: np.ndarray) -> tuple[Swing, ...]:
        if since_ms is not None:
            idx = idx[ts_ms[idx] >= since_ms]
        return tuple(
            Swing(ts=from_ms(ts_ms[i]), confirmed_ts=from_ms(ts_ms[i + k] + interval_ms), price_usd=float(prices[i]))
            for i in idx
        )

    value = SwingPoints(
        highs=build(hi_idx, candles.high),
        lows=build(lo_idx, candles.low),
        k=k,
        interval_s=candles.interval_s,
        as_of=utc(as_of),
    )
    return Result.of(value, sources=(candles.source,), params=params)
