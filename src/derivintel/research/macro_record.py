"""Measured record of the macro regime call: is BTC's next week better after "risk on" than after "risk off"?

The live rule (:func:`analyze_macro`, every factor voting past its threshold) is replayed weekly, at 00:00 UTC,
over ``lookback`` before ``as_of − horizon``, with only what was known then: each macro series cut at its
availability time (``MacroSeries.until``) and the BTC daily closes of the days before the call (no partial day).
The outcome is BTC's log return over the next ``horizon`` from the daily closes. Weekly calls with a 7-day horizon do
not overlap, so the percentile bootstrap of the difference (risk on − risk off mean return, resampled within each
regime) is of independent draws. The base is the mean over every call. Factors the store does not cover at a call
time are missing for that call, as they would have been live; the record says how many calls had each regime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from derivintel.analytics.macro import analyze_macro
from derivintel.analytics.macro.correlation import DailySeries
from derivintel.analytics.price import daily_closes
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import DAY_S, utc
from derivintel.domain.macro import MacroSeries
from derivintel.research.mean_difference import bootstrap_mean_difference

if TYPE_CHECKING:
    from derivintel.store import HistoryStore

MIN_PER_REGIME = 5


@dataclass(frozen=True, slots=True)
class MacroRecord:
    """Forward BTC log returns over ``horizon_days`` after weekly calls: N and mean per regime, the share of calls
    whose sign matched the regime (risk on: up, risk off: down), the base over every call, and the difference
    risk on − risk off with its ``ci_level`` interval (None when a regime has fewer than ``MIN_PER_REGIME``)."""

    horizon_days: float
    n_risk_on: int
    n_risk_off: int
    n_neutral: int
    mean_return_risk_on: float | None
    mean_return_risk_off: float | None
    base_mean_return: float
    hit_rate: float | None
    base_up_share: float
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    ci_level: float
    first_call: str
    last_call: str


def _close_on_or_before(dates_ms: np.ndarray, closes: np.ndarray, t_ms: int) -> float:
    i = int(np.searchsorted(dates_ms, t_ms, side="right")) - 1
    return float(closes[i]) if i >= 0 else float("nan")


def macro_regime_record(
    macro: Mapping[str, MacroSeries],
    btc_daily: DailySeries,
    *,
    as_of: datetime,
    lookback: timedelta = timedelta(days=3 * 365),
    horizon: timedelta = timedelta(days=7),
    n_boot: int = 4000,
    ci_level: float = 0.9,
    seed: int = 0,
    price_source: Source | None = None,
) -> Result[MacroRecord]:
    """The weekly macro-regime calls' record at ``as_of`` (module doc). ``btc_daily``: closes keyed by the UTC day
    they close (value = last close of that day), from ``price_source`` (cited with the macro series)."""
    as_of = utc(as_of)
    params = {"lookback_days": lookback.days, "horizon_days": horizon.days, "step_days": 7, "seed": seed}
    day_ms = DAY_S * 1000
    order = np.argsort(btc_daily.dates)
    dates = np.asarray(btc_daily.dates, dtype="datetime64[D]")[order].astype("datetime64[ms]").astype(np.int64)
    closes = np.asarray(btc_daily.values, dtype=float)[order]
    # a day's close is known at the end of that day
    known_at = dates + day_ms
    last = (int(as_of.timestamp() * 1000) - int(horizon.total_seconds() * 1000)) // day_ms * day_ms
    first = int(as_of.timestamp() * 1000) - int(lookback.total_seconds() * 1000)
    calls: list[tuple[int, str, float]] = []
    for t in range(last, first, -7 * day_ms):
        c0 = _close_on_or_before(known_at, closes, t)
        c1 = _close_on_or_before(known_at, closes, t + int(horizon.total_seconds() * 1000))
        if not (np.isfinite(c0) and np.isfinite(c1)):
            continue
        seen = known_at <= t
        daily = DailySeries(dates[seen].astype("datetime64[ms]"), closes[seen])
        when = datetime.fromtimestamp(t / 1000, tz=as_of.tzinfo)
        regime = analyze_macro(macro, daily, as_of=when).value
        if regime is None:
            continue
        calls.append((t, regime.regime.value, float(np.log(c1 / c0))))
    if not calls:
        return Result.missing(
            "no measured record: no week with macro inputs and BTC closes a week later", params=params
        )
    regimes = np.array([c[1] for c in calls])
    rets = np.array([c[2] for c in calls])
    on, off = rets[regimes == "risk_on"], rets[regimes == "risk_off"]
    hits = np.concatenate([on > 0, off < 0])
    diff = lo = hi = None
    reasons = []
    if on.size >= MIN_PER_REGIME and off.size >= MIN_PER_REGIME:
        diff, lo, hi = bootstrap_mean_difference(on, off, n_boot=n_boot, ci_level=ci_level, seed=seed)
    else:
        reasons.append(
            f"fewer than {MIN_PER_REGIME} calls in a regime (risk on {on.size}, risk off {off.size}): no difference"
        )
    iso = lambda ms: str(np.datetime64(int(ms), "ms"))[:10]  # noqa: E731
    record = MacroRecord(
        horizon_days=horizon.total_seconds() / DAY_S,
        n_risk_on=int(on.size),
        n_risk_off=int(off.size),
        n_neutral=int((regimes == "neutral").sum()),
        mean_return_risk_on=float(on.mean()) if on.size else None,
        mean_return_risk_off=float(off.mean()) if off.size else None,
        base_mean_return=float(rets.mean()),
        hit_rate=float(hits.mean()) if hits.size else None,
        base_up_share=float((rets > 0).mean()),
        difference=diff,
        ci_low=lo,
        ci_high=hi,
        ci_level=ci_level,
        first_call=iso(min(c[0] for c in calls)),
        last_call=iso(max(c[0] for c in calls)),
    )
    sources = [s.source for s in macro.values()] + ([price_source] if price_source is not None else [])
    return Result.of(record, sources=sources, params=params, reasons=reasons, partial=bool(reasons))


def macro_regime_record_at(store: HistoryStore, asset: str, as_of: datetime) -> Result[MacroRecord]:
    """The record known at ``as_of`` from a history store: every stored macro series as available by ``as_of`` and
    the BTC daily closes of the finest stored BTC candles (spot, else perp) closed by ``as_of``. The record is of
    BTC's return whatever ``asset`` is (the macro regime is a BTC-market call); bounded by ``lookback`` (3 years)."""
    as_of = utc(as_of)
    macro = {n: s for n in store.macro_names() if (s := store.macro_series(n, available_by=as_of)) is not None}
    if not macro:
        return Result.missing("no measured record: no stored macro series")
    since = as_of - timedelta(days=3 * 365 + 30)
    candles = store.candle_series("BTC", until=as_of, since=since)
    pool = [c for c in candles if c.market == "spot"] or [c for c in candles if c.market == "perp"]
    if not pool:
        return Result.missing("no measured record: no stored BTC candles")
    candles_used = min(pool, key=lambda c: (c.interval_s, -len(c)))
    daily = daily_closes(candles_used, until=as_of)
    if daily is None:
        return Result.missing("no measured record: no BTC close")
    return macro_regime_record(macro, daily, as_of=as_of, price_source=candles_used.source)
