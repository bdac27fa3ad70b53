"""Realised volatility from candles, and the variance risk premium against implied volatility.

Over the closed bars of the last ``window`` before ``as_of`` (bars aligned to the bar grid, as for CVD), annualised
on a 365-day year (crypto trades every day) with ``bars_per_year = 365 × 86,400 / interval_s``:

- close-to-close: ``σ = √(mean(r²) · bars_per_year)`` with ``r = ln(C_t / C_{t−1})``, zero-mean (the convention of
  realised-variance estimators and of variance swaps; a drift estimate over 30 days is noise);
- Parkinson (1980): ``σ = √(mean(ln(H/L)²) / (4 ln 2) · bars_per_year)``, from each bar's range; about five times as
  efficient as close-to-close for a driftless diffusion and biased low when prices jump between bars.

``vrp = IV_ATM − σ_close_to_close`` in volatility points (fractions: 0.05 = 5 vol points) for the same tenor.
Positive: options price more movement than the market has realised (the usual state: option sellers are paid a
premium). It compares a forward-looking 30-day IV with the backward-looking 30 days, as every published VRP does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.core.result import Result
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.series import CandleSeries

YEAR_S = 365.0 * 86_400.0
MIN_BARS = 20


@dataclass(frozen=True, slots=True)
class RealisedVol:
    """Annualised realised volatility (fractions) over ``window_days`` from ``n_bars`` bars of ``interval_s``."""

    window_days: float
    close_to_close: float
    parkinson: float | None
    n_bars: int
    interval_s: int
    venue: str


def realised_vol(candles: CandleSeries, *, as_of: datetime, window: timedelta) -> Result[RealisedVol]:
    """Close-to-close and Parkinson realised volatility over ``window`` of closed bars (module doc)."""
    step = candles.interval_s * 1000
    end = int(to_datetime64(as_of).astype(np.int64)) // step * step
    start = end - int(window.total_seconds() * 1000)
    t = candles.ts.astype("datetime64[ms]").astype(np.int64)
    # one bar before the window gives the first return's base
    m = (t >= start - step) & (t + step <= end)
    close, high, low = candles.close[m], candles.high[m], candles.low[m]
    params = {"window_days": window / timedelta(days=1), "interval_s": candles.interval_s}
    ok = np.isfinite(close) & (close > 0)
    if ok.sum() < MIN_BARS + 1:
        return Result.missing(
            f"{int(ok.sum())} closed {candles.interval_s // 60}-minute bars in the window; need {MIN_BARS + 1}",
            params=params,
        )
    c = close[ok]
    r = np.diff(np.log(c))
    per_year = YEAR_S / candles.interval_s
    cc = math.sqrt(float(np.mean(r * r)) * per_year)
    h, lo = high[ok][1:], low[ok][1:]  # the bars inside the window
    good = np.isfinite(h) & np.isfinite(lo) & (lo > 0) & (h >= lo)
    reasons = []
    if good.sum() >= MIN_BARS:
        hl = np.log(h[good] / lo[good])
        park = math.sqrt(float(np.mean(hl * hl)) / (4.0 * math.log(2.0)) * per_year)
    else:
        park = None
        reasons.append("too few bars with a high and low for the Parkinson estimate")
    expected = int(window.total_seconds() // candles.interval_s)
    if r.size < expected:
        reasons.append(f"{r.size} of {expected} bars in the window")
    value = RealisedVol(window / timedelta(days=1), cc, park, int(r.size), candles.interval_s, candles.venue)
    return Result.of(value, sources=[candles.source], params=params, reasons=reasons, partial=bool(reasons))
