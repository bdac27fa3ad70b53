"""Price levels: trading range over a lookback, ATR, and equal highs/lows with their sweep status (DOMAIN.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np

from derivintel.analytics.structure.swings import Swing
from derivintel.core.recursive_filter import first_order_filter
from derivintel.core.result import Result
from derivintel.core.timeutil import from_ms, to_ms, utc
from derivintel.domain.series import CandleSeries


def _n_known(candles: CandleSeries, as_of: datetime) -> int:
    return int(np.searchsorted(candles.ts.astype(np.int64), to_ms(as_of) - candles.interval_s * 1000, side="right"))


def true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """``max(H − L, |H − C_prev|, |L − C_prev|)`` in USD; the first bar has no previous close, so ``H − L``."""
    tr = high - low
    if len(tr) > 1:
        prev = close[:-1]
        tr[1:] = np.maximum.reduce([tr[1:], np.abs(high[1:] - prev), np.abs(low[1:] - prev)])
    return tr


def wilder_atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14) -> float | None:
    """Wilder's ATR at the last bar, USD: seed = mean of the first ``period`` true ranges, then
    ``ATR_t = ATR_{t−1} + (TR_t − ATR_{t−1}) / period``. None with fewer than ``period`` bars."""
    tr = true_range(np.asarray(high, float), np.asarray(low, float), np.asarray(close, float))
    if len(tr) < period:
        return None
    seed = float(tr[:period].mean())
    rest = tr[period:]
    if len(rest) == 0:
        return seed
    a = 1.0 / period
    return float(first_order_filter(rest, a, 1.0 - a, seed)[-1])


def atr(candles: CandleSeries, *, as_of: datetime, period: int = 14) -> Result[float]:
    """Wilder ATR(``period``) in USD over all bars closed at ``as_of``."""
    n = _n_known(candles, as_of)
    params = {"period": period, "method": "Wilder", "interval_s": candles.interval_s}
    value = wilder_atr(candles.high[:n], candles.low[:n], candles.close[:n], period)
    if value is None:
        return Result.missing(f"{n} closed bars; ATR({period}) needs {period}", params=params)
    return Result.of(value, sources=(candles.source,), params=params)


@dataclass(frozen=True, slots=True)
class PriceRange:
    """Highest high and lowest low (USD) of the bars opened within ``lookback_days`` before ``as_of`` and closed by
    then, with the open times of those bars. ``position_fraction`` = ``(last close − low) / (high − low)`` in [0, 1]."""

    high_usd: float
    low_usd: float
    high_ts: datetime
    low_ts: datetime
    last_close_usd: float
    position_fraction: float
    lookback_days: float
    bars_used: int


def price_range(candles: CandleSeries, *, as_of: datetime, lookback_days: float = 90.0) -> Result[PriceRange]:
    """Range high/low over ``lookback_days``; partial when the candles start inside the lookback."""
    params = {"lookback_days": lookback_days, "interval_s": candles.interval_s}
    ts_ms = candles.ts.astype(np.int64)
    n = _n_known(candles, as_of)
    start_ms = to_ms(as_of) - round(lookback_days * 86_400_000)
    i0 = int(np.searchsorted(ts_ms, start_ms, side="left"))
    if n <= i0:
        return Result.missing(f"no bar closed in the {lookback_days:g}-day range lookback", params=params)
    high, low = candles.high[i0:n], candles.low[i0:n]
    ih, il = int(np.argmax(high)), int(np.argmin(low))
    hi, lo, last = float(high[ih]), float(low[il]), float(candles.close[n - 1])
    position = (last - lo) / (hi - lo) if hi > lo else 0.5
    value = PriceRange(
        high_usd=hi,
        low_usd=lo,
        high_ts=from_ms(ts_ms[i0 + ih]),
        low_ts=from_ms(ts_ms[i0 + il]),
        last_close_usd=last,
        position_fraction=float(position),
        lookback_days=lookback_days,
        bars_used=n - i0,
    )
    reasons: list[str] = []
    if ts_ms[0] > start_ms:
        reasons.append(
            f"candles start at {from_ms(ts_ms[0]):%Y-%m-%d %H:%M}, inside the {lookback_days:g}-day lookback"
        )
    if hi <= lo:
        reasons.append("flat range (high = low): position set to the middle, 0.5")
    return Result.of(value, sources=(candles.source,), params=params, reasons=reasons, partial=bool(reasons))


class LevelStatus(StrEnum):
    """State of an equal-highs/lows level at ``as_of``."""

    INTACT = "intact"  # no bar has traded through it since the last member was confirmed
    SWEPT = "swept"  # a bar traded through it and closed back on the original side
    BROKEN = "broken"  # the first bar to trade through it closed beyond it


@dataclass(frozen=True, slots=True)
class EqualLevel:
    """Two or more confirmed swings within the tolerance. ``price_usd`` is the extreme member (max high for equal
    highs, min low for equal lows): the level liquidity rests beyond. ``members`` oldest first. ``swept_ts`` /
    ``broken_ts`` are the close time of the bar that swept / broke it (None otherwise)."""

    price_usd: float
    members: tuple[Swing, ...]
    status: LevelStatus
    swept_ts: datetime | None
    broken_ts: datetime | None = None


def equal_levels(
    candles: CandleSeries,
    swings: tuple[Swing, ...],
    *,
    as_of: datetime,
    tolerance_usd: float,
    side: str,
) -> tuple[EqualLevel, ...]:
    """Group ``swings`` (all highs or all lows, confirmed by ``as_of``) into equal levels and judge each.

    Grouping: sort by price and start a new group whenever a swing lies more than ``tolerance_usd`` from the
    group's first (lowest) price, so a group spans at most the tolerance. Each group is then split in time order
    wherever a bar between two consecutive members traded beyond the pair's extreme (an earlier top that price has
    already exceeded is not resting liquidity); runs of ≥ 2 members are levels. The status
    looks at bars closed by ``as_of`` that open at or after the last member's confirmation: the first bar whose high
    exceeds the level (low below it, for lows) sweeps it if it closes back at or inside the level, else breaks it.
    Levels are returned by price (descending for highs, ascending for lows).
    """
    if side not in ("high", "low"):
        raise ValueError("side must be 'high' or 'low'")
    cut = to_ms(as_of)
    known = [s for s in swings if to_ms(s.confirmed_ts) <= cut]
    if len(known) < 2:
        return ()
    known.sort(key=lambda s: (s.price_usd, s.ts))
    groups: list[list[Swing]] = [[known[0]]]
    for s in known[1:]:
        if s.price_usd - groups[-1][0].price_usd <= tolerance_usd:
            groups[-1].append(s)
        else:
            groups.append([s])
    ts_ms = candles.ts.astype(np.int64)
    runs: list[list[Swing]] = []
    for g in groups:
        if len(g) < 2:
            continue
        g_sorted = sorted(g, key=lambda s: s.ts)
        bar = np.searchsorted(ts_ms, [to_ms(s.ts) for s in g_sorted], side="left")
        run = [g_sorted[0]]
        for m in range(1, len(g_sorted)):
            between = slice(int(bar[m - 1]) + 1, int(bar[m]))
            if side == "high":
                extreme = max(s.price_usd for s in (*run, g_sorted[m]))
                crossed = bool((candles.high[between] > extreme).any())
            else:
                extreme = min(s.price_usd for s in (*run, g_sorted[m]))
                crossed = bool((candles.low[between] < extreme).any())
            if crossed:
                runs.append(run)
                run = [g_sorted[m]]
            else:
                run.append(g_sorted[m])
        runs.append(run)
    levels: list[EqualLevel] = []
    for g in runs:
        if len(g) < 2:
            continue
        members = tuple(g)
        level = max(s.price_usd for s in g) if side == "high" else min(s.price_usd for s in g)
        status, when = level_status(
            candles, level, side=side, since=from_ms(max(to_ms(s.confirmed_ts) for s in g)), as_of=as_of
        )
        swept = when if status is LevelStatus.SWEPT else None
        broken = when if status is LevelStatus.BROKEN else None
        levels.append(EqualLevel(price_usd=level, members=members, status=status, swept_ts=swept, broken_ts=broken))
    levels.sort(key=lambda lv: lv.price_usd, reverse=(side == "high"))
    return tuple(levels)


def equal_levels_result(
    candles: CandleSeries,
    swings: tuple[Swing, ...],
    *,
    as_of: datetime,
    side: str,
    tolerance_atr: float = 0.1,
    atr_period: int = 14,
) -> Result[tuple[EqualLevel, ...]]:
    """``equal_levels`` with the tolerance ``tolerance_atr × ATR(atr_period)`` of ``candles`` at ``as_of``."""
    a = atr(candles, as_of=as_of, period=atr_period)
    params = {"side": side, "tolerance_atr": tolerance_atr, "atr_period": atr_period, "as_of": utc(as_of).isoformat()}
    if a.value is None:
        return Result.missing(*a.reasons, params=params)
    params["tolerance_usd"] = tolerance_atr * a.value
    levels = equal_levels(candles, swings, as_of=as_of, tolerance_usd=tolerance_atr * a.value, side=side)
    return Result.of(levels, sources=(candles.source,), params=params)


def level_status(
    candles: CandleSeries, level_usd: float, *, side: str, since: datetime, as_of: datetime
) -> tuple[LevelStatus, datetime | None]:
    """Has a bar opened at or after ``since`` and closed by ``as_of`` traded through ``level_usd`` (USD)?

    ``side="high"``: the first bar whose high exceeds the level (``"low"``: low below it) sweeps it when it closes
    back at or inside the level, else breaks it. Returns the status and that bar's close time (None when intact).
    """
    if side not in ("high", "low"):
        raise ValueError("side must be 'high' or 'low'")
    ts_ms = candles.ts.astype(np.int64)
    start, n = int(np.searchsorted(ts_ms, to_ms(since), side="left")), _n_known(candles, as_of)
    if start >= n:
        return LevelStatus.INTACT, None
    through = candles.high[start:n] > level_usd if side == "high" else candles.low[start:n] < level_usd
    if not through.any():
        return LevelStatus.INTACT, None
    j = start + int(np.argmax(through))
    close = float(candles.close[j])
    back = close <= level_usd if side == "high" else close >= level_usd
    when = from_ms(ts_ms[j] + candles.interval_s * 1000)
    return (LevelStatus.SWEPT if back else LevelStatus.BROKEN), when
