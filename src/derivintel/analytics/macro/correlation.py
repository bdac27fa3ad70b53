"""BTC–NASDAQ correlation: Pearson on daily log returns aligned to US trading days (DOMAIN.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from derivintel.core.result import Result
from derivintel.core.timeutil import utc
from derivintel.domain.macro import MacroSeries


def series_from_macro(series: MacroSeries) -> pd.Series:
    """A MacroSeries as a float Series indexed by UTC-naive calendar date (``ts`` floored to the day)."""
    idx = pd.DatetimeIndex(series.ts).normalize()
    return pd.Series(np.asarray(series.values, dtype=float), index=idx, name=series.name)


def _daily_index(s: pd.Series) -> pd.Series:
    idx = pd.DatetimeIndex(s.index)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    out = pd.Series(np.asarray(s.to_numpy(), dtype=float), index=idx.normalize())
    out = out[~out.index.duplicated(keep="last")].sort_index()
    return out[np.isfinite(out.to_numpy()) & (out.to_numpy() > 0)]


def aligned_log_returns(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """Inner-join two daily price series on calendar date, then take log returns between consecutive common dates.

    A return spanning a holiday or weekend runs from the previous common date (e.g. Friday → Monday for both).
    Columns ``a`` and ``b``; index = the return's end date.
    """
    joined = pd.concat({"a": _daily_index(a), "b": _daily_index(b)}, axis=1, join="inner").sort_index()
    return np.log(joined).diff().dropna()


@dataclass(frozen=True, slots=True)
class Correlation:
    """Pearson correlation of aligned daily log returns over (``end − window_days``, ``end``]; ``n_obs`` returns."""

    rho: float
    n_obs: int
    start: datetime
    end: datetime
    window_days: int


def log_return_correlation(
    btc_daily_close_usd: pd.Series,
    other_close: pd.Series,
    *,
    as_of: datetime,
    window_days: int = 30,
    min_obs: int = 15,
    max_staleness: timedelta = timedelta(days=4),
) -> Result[Correlation]:
    """Rolling-window Pearson correlation ending at the last common date known at ``as_of``.

    ``btc_daily_close_usd`` is indexed by the UTC date of each daily bar (its open); a close is known from the next
    midnight, so dates with ``date + 1 day > as_of`` are dropped. ``other_close`` must already be cut to ``as_of``
    (``MacroSeries.until``). The window counts calendar days; returns are between consecutive common dates.
    """
    as_of_naive = pd.Timestamp(utc(as_of)).tz_convert("UTC").tz_localize(None)
    btc = _daily_index(btc_daily_close_usd)
    btc = btc[btc.index + pd.Timedelta(days=1) <= as_of_naive]
    rets = aligned_log_returns(btc, other_close)
    params = {"window_days": window_days, "min_obs": min_obs, "returns": "log, aligned on common dates"}
    if rets.empty:
        return Result.missing("no common dates between BTC and the other series", params=params)
    end = rets.index[-1]
    if as_of_naive - end > pd.Timedelta(max_staleness):
        return Result.missing(f"last common date {end.date()} is stale at as_of", params=params)
    win = rets[rets.index > end - pd.Timedelta(days=window_days)]
    if len(win) < min_obs:
        return Result.missing(f"{len(win)} aligned returns in {window_days} d, need {min_obs}", params=params)
    a, b = win["a"].to_numpy(), win["b"].to_numpy()
    if np.std(a) == 0 or np.std(b) == 0:
        return Result.missing("a return series has zero variance in the window", params=params)
    rho = float(np.corrcoef(a, b)[0, 1])
    value = Correlation(
        rho=rho,
        n_obs=len(win),
        start=win.index[0].tz_localize("UTC").to_pydatetime(),
        end=end.tz_localize("UTC").to_pydatetime(),
        window_days=window_days,
    )
    return Result.of(value, params=params)
