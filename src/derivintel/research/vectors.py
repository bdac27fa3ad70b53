"""Vectorised as-of readings on a decision grid (times in epoch ms), shared by ``features`` and ``bias_inputs``: each
mirrors one of the report's scalar functions (funding z-score, OI change, price change, quadrant)."""

from __future__ import annotations

import numpy as np

from derivintel.analytics.positioning.quadrant import classify_quadrant
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries

HOUR_MS = 3_600_000
DAY_MS = 86_400_000


def epoch_ms(a: np.ndarray) -> np.ndarray:
    """Milliseconds since the epoch (int64) of a datetime64 array."""
    return a.astype("datetime64[ms]").astype(np.int64)


def asof_index(sample_ms: np.ndarray, at_ms: np.ndarray, tolerance_ms: float) -> np.ndarray:
    """Per ``at``: index of the last sample ≤ at, or −1 when none lies within ``tolerance_ms``."""
    i = np.searchsorted(sample_ms, at_ms, side="right") - 1
    ok = i >= 0
    ok[ok] = (at_ms[ok] - sample_ms[i[ok]]) <= tolerance_ms
    return np.where(ok, i, -1)


def funding_zscore_vector(
    funding: FundingSeries, at_ms: np.ndarray, *, lookback_ms: int = 30 * DAY_MS, min_obs: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """(last settled per-hour rate, z-score vs settlements in (at − lookback, at]) per decision time; NaN when fewer
    than ``min_obs`` settlements or zero spread. Sample std (ddof=1)."""
    ts = epoch_ms(funding.ts)
    r = funding.rate_1h.astype(float)
    fin = np.isfinite(r)
    ts, r = ts[fin], r[fin]
    cs = np.concatenate([[0.0], np.cumsum(r)])
    cs2 = np.concatenate([[0.0], np.cumsum(r * r)])
    end = np.searchsorted(ts, at_ms, side="right")
    start = np.searchsorted(ts, at_ms - lookback_ms, side="right")
    n = end - start
    cur = np.where(end > 0, r[np.maximum(end - 1, 0)], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (cs[end] - cs[start]) / n
        var = (cs2[end] - cs2[start] - n * mean * mean) / (n - 1)
        sd = np.sqrt(np.maximum(var, 0.0))
        z = (cur - mean) / sd
    spread_ok = sd > 1e-12 * np.maximum(np.abs(mean), 1e-12)
    z = np.where((n >= min_obs) & spread_ok & (n >= 2), z, np.nan)
    cur = np.where(n >= 1, cur, np.nan)
    return cur, z


def oi_change_vector(
    oi: OpenInterestSeries, at_ms: np.ndarray, *, window_ms: int = 24 * HOUR_MS, max_lag_ms: int = 2 * HOUR_MS
) -> np.ndarray:
    """Coin-OI change (fraction) between the samples at or before ``at − window`` and ``at``; NaN when either end
    has no sample within max(max_lag, sampling interval) or both ends are the same sample."""
    ts = epoch_ms(oi.ts)
    tol = max(max_lag_ms, oi.interval_s * 1000)
    j = asof_index(ts, at_ms, tol)
    i = asof_index(ts, at_ms - window_ms, tol)
    ok = (i >= 0) & (j >= 0) & (i != j)
    out = np.full(len(at_ms), np.nan)
    start = oi.oi_base[i[ok]]
    out[ok] = np.where(start > 0, oi.oi_base[j[ok]] / start - 1.0, np.nan)
    return out


def price_change_vector(candles: CandleSeries, at_ms: np.ndarray, *, window_ms: int = 24 * HOUR_MS) -> np.ndarray:
    """Close-to-close change over ``window`` using bar close times, tolerance max(2 h, bar length)."""
    close_ms = epoch_ms(candles.ts) + candles.interval_s * 1000
    tol = max(2 * HOUR_MS, candles.interval_s * 1000)
    j = asof_index(close_ms, at_ms, tol)
    i = asof_index(close_ms, at_ms - window_ms, tol)
    ok = (i >= 0) & (j >= 0) & (i != j)
    out = np.full(len(at_ms), np.nan)
    out[ok] = candles.close[j[ok]] / candles.close[i[ok]] - 1.0
    return out


def quadrant_labels(price_change: np.ndarray, oi_change: np.ndarray) -> np.ndarray:
    """``classify_quadrant`` per row (object array of labels; None where either change is unknown)."""
    out = np.full(len(price_change), None, dtype=object)
    for k in np.flatnonzero(np.isfinite(price_change) & np.isfinite(oi_change)):
        out[k] = classify_quadrant(float(price_change[k]), float(oi_change[k])).value
    return out
