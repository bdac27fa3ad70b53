"""BTC–NASDAQ correlation: Pearson on daily log returns aligned to US trading days (DOMAIN.md §5).

Pure numpy (the report does not import pandas for this). A daily series is a ``DailySeries`` (UTC calendar dates
and values) or anything shaped like a pandas Series indexed by datetimes (``.index.values``, ``.to_numpy()``), so
callers holding pandas objects pass them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime, to_datetime64, utc
from derivintel.domain.macro import MacroSeries

DAY = np.timedelta64(1, "D")


@dataclass(frozen=True, slots=True)
class DailySeries:
    """Values per UTC calendar date: ``dates`` (``datetime64``, any order, repeats allowed: the last one counts)
    and ``values`` (floats, same length; units of the series)."""

    dates: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.dates)


def series_from_macro(series: MacroSeries) -> DailySeries:
    """A MacroSeries as values by UTC calendar date (``ts`` floored to the day)."""
    return DailySeries(np.asarray(series.ts).astype("datetime64[D]"), np.asarray(series.values, dtype=float))


def _dates_values(s: DailySeries | Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(s, DailySeries):
        return np.asarray(s.dates), np.asarray(s.values, dtype=float)
    index = s.index  # a pandas Series indexed by datetimes; a tz-aware index is taken in UTC
    if getattr(index, "tz", None) is not None:
        index = index.tz_convert(None)
    return np.asarray(index.to_numpy()), np.asarray(s.to_numpy(), dtype=float)


def daily_points(s: DailySeries | Any) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique ``datetime64[D]`` dates, values): per date the LAST value given, then dates whose value is not
    finite and positive dropped."""
    dates, values = _dates_values(s)
    days = dates.astype("datetime64[D]")
    uniq, first_in_reversed = np.unique(days[::-1], return_index=True)
    last = len(days) - 1 - first_in_reversed
    v = values[last]
    ok = np.isfinite(v) & (v > 0)
    return uniq[ok], v[ok]


def aligned_log_returns(a: DailySeries | Any, b: DailySeries | Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inner-join two daily price series on calendar date, then take log returns between consecutive common dates.

    A return spanning a holiday or weekend runs from the previous common date (e.g. Friday → Monday for both).
    Returns (end date of each return as ``datetime64[D]``, log returns of ``a``, log returns of ``b``).
    """
    da, va = daily_points(a)
    db, vb = daily_points(b)
    common, ia, ib = np.intersect1d(da, db, assume_unique=True, return_indices=True)
    return common[1:], np.diff(np.log(va[ia])), np.diff(np.log(vb[ib]))


@dataclass(frozen=True, slots=True)
class Correlation:
    """Pearson correlation of aligned daily log returns over (``end − window_days``, ``end``]; ``n_obs`` returns."""

    rho: float
    n_obs: int
    start: datetime
    end: datetime
    window_days: int


def log_return_correlation(
    btc_daily_close_usd: DailySeries | Any,
    other_close: DailySeries | Any,
    *,
    as_of: datetime,
    window_days: int = 30,
    min_obs: int = 15,
    max_staleness: timedelta = timedelta(days=4),
) -> Result[Correlation]:
    """Rolling-window Pearson correlation ending at the last common date known at ``as_of``.

    ``btc_daily_close_usd`` is keyed by the UTC date of each daily bar (its open); a close is known from the next
    midnight, so dates with ``date + 1 day > as_of`` are dropped. ``other_close`` must already be cut to ``as_of``
    (``MacroSeries.until``). The window counts calendar days; returns are between consecutive common dates.
    """
    as_of64 = to_datetime64(utc(as_of)).astype("datetime64[ms]")
    btc_dates, btc_values = daily_points(btc_daily_close_usd)
    known = (btc_dates + DAY).astype("datetime64[ms]") <= as_of64
    dates, a, b = aligned_log_returns(DailySeries(btc_dates[known], btc_values[known]), other_close)
    params = {"window_days": window_days, "min_obs": min_obs, "returns": "log, aligned on common dates"}
    if len(dates) == 0:
        return Result.missing("no common dates between BTC and the other series", params=params)
    end = dates[-1]
    if as_of64 - end.astype("datetime64[ms]") > np.timedelta64(max_staleness):
        return Result.missing(f"last common date {end} is stale at as_of", params=params)
    win = dates > end - np.timedelta64(window_days, "D")
    a, b = a[win], b[win]
    if len(a) < min_obs:
        return Result.missing(f"{len(a)} aligned returns in {window_days} d, need {min_obs}", params=params)
    if np.std(a) == 0 or np.std(b) == 0:
        return Result.missing("a return series has zero variance in the window", params=params)
    rho = float(np.corrcoef(a, b)[0, 1])
    value = Correlation(
        rho=rho,
        n_obs=len(a),
        start=dt64_to_datetime(dates[win][0]),
        end=dt64_to_datetime(end),
        window_days=window_days,
    )
    return Result.of(value, params=params)
