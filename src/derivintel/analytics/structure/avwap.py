"""Anchored VWAP (DOMAIN.md §4) from calendar anchors and named events, with ±1σ/±2σ bands.

``AVWAP = Σ TP·V / Σ V`` over the bars from the anchor, ``TP = (H + L + C) / 3`` in USD, ``V`` the bar volume in
coins. ``σ = sqrt(Σ TP²·V / Σ V − AVWAP²)``, computed in the algebraically equal centred form
``sqrt(Σ V·(TP − AVWAP)² / Σ V)`` to avoid cancellation. Point in time: a bar counts only when its open time is at or
after the anchor and it has fully closed at ``as_of`` (``ts + interval_s ≤ as_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from derivintel.core.result import Result
from derivintel.core.timeutil import from_ms, to_ms, utc
from derivintel.domain.series import CandleSeries
from derivintel.domain.venue import Market, VenueId

CALENDAR_PERIODS: tuple[str, ...] = ("week", "month", "quarter", "year")


def calendar_anchor(as_of: datetime, period: str) -> datetime:
    """Start (UTC) of the calendar ``period`` containing ``as_of``.

    ``week``: Monday 00:00; ``month``: the 1st 00:00; ``quarter``: Jan 1 / Apr 1 / Jul 1 / Oct 1 00:00;
    ``year``: Jan 1 00:00. Raises ``ValueError`` on an unknown period.
    """
    t = utc(as_of)
    day = datetime(t.year, t.month, t.day, tzinfo=UTC)
    if period == "week":
        return day - timedelta(days=t.weekday())
    if period == "month":
        return datetime(t.year, t.month, 1, tzinfo=UTC)
    if period == "quarter":
        return datetime(t.year, 3 * ((t.month - 1) // 3) + 1, 1, tzinfo=UTC)
    if period == "year":
        return datetime(t.year, 1, 1, tzinfo=UTC)
    raise ValueError(f"unknown calendar period {period!r}; expected one of {CALENDAR_PERIODS}")


@dataclass(frozen=True, slots=True)
class AnchoredVwap:
    """Anchored VWAP and its bands, all prices in USD.

    ``anchor`` is the anchor time (UTC) and ``anchor_name`` what it is (``week``, ``quarter``, ``cycle_high``,
    ``custom``…). ``slope_usd_per_bar`` is ``(AVWAP now − AVWAP slope_bars bars earlier) / slope_bars``, where the
    earlier value is the AVWAP through that bar; ``slope_bars`` is the span actually used (shorter than requested
    when fewer bars exist); both are None with a single bar. ``range_low_usd``/``range_high_usd`` are the min low and
    max high of the bars used. ``venue``, ``market`` and ``interval_s`` state whose candles and which bar size.
    """

    anchor_name: str
    anchor: datetime
    as_of: datetime
    venue: VenueId
    market: Market
    interval_s: int
    vwap_usd: float
    sigma_usd: float
    upper1_usd: float
    lower1_usd: float
    upper2_usd: float
    lower2_usd: float
    slope_usd_per_bar: float | None
    slope_bars: int | None
    bars_used: int
    volume_base: float
    range_low_usd: float
    range_high_usd: float
    first_bar_ts: datetime
    last_bar_ts: datetime

    @property
    def slope_fraction(self) -> float | None:
        """Relative AVWAP change over the slope span: ``slope_usd_per_bar × slope_bars / (AVWAP_then)``."""
        if self.slope_usd_per_bar is None or self.slope_bars is None:
            return None
        then = self.vwap_usd - self.slope_usd_per_bar * self.slope_bars
        return (self.vwap_usd - then) / then if then > 0 else None


def _known_slice(candles: CandleSeries, as_of: datetime) -> int:
    """Number of leading bars fully closed at ``as_of`` (bars are sorted, so the known set is a prefix)."""
    cutoff = to_ms(as_of) - candles.interval_s * 1000
    return int(np.searchsorted(candles.ts.astype(np.int64), cutoff, side="right"))


def anchored_vwap(
    candles: CandleSeries,
    anchor: datetime,
    as_of: datetime,
    *,
    anchor_name: str = "custom",
    slope_bars: int = 24,
) -> Result[AnchoredVwap]:
    """AVWAP of ``candles`` from ``anchor`` using only bars closed at ``as_of``.

    Missing (``insufficient_data``) when the candles start after the anchor (the sum would be truncated), when no
    bar has closed since the anchor, or when the volume since the anchor is zero.
    """
    if slope_bars < 1:
        raise ValueError("slope_bars must be ≥ 1")
    params = {
        "anchor_name": anchor_name,
        "anchor": utc(anchor).isoformat(),
        "as_of": utc(as_of).isoformat(),
        "slope_bars": slope_bars,
        "venue": candles.venue,
        "market": candles.market,
        "interval_s": candles.interval_s,
        "typical_price": "(high+low+close)/3",
    }
    n_known = _known_slice(candles, as_of)
    ts_ms = candles.ts[:n_known].astype(np.int64)
    anchor_ms = to_ms(anchor)
    if n_known == 0:
        return Result.missing(
            f"no {candles.venue} {candles.market} bar closed by {utc(as_of):%Y-%m-%d %H:%M}", params=params
        )
    if ts_ms[0] > anchor_ms:
        return Result.missing(
            f"{anchor_name} AVWAP: candles start at {from_ms(ts_ms[0]):%Y-%m-%d %H:%M}, after the anchor "
            f"{utc(anchor):%Y-%m-%d %H:%M} UTC",
            params=params,
        )
    start = int(np.searchsorted(ts_ms, anchor_ms, side="left"))
    if start >= n_known:
        return Result.missing(
            f"{anchor_name} AVWAP: no bar closed since the anchor {utc(anchor):%Y-%m-%d %H:%M} UTC", params=params
        )
    sl = slice(start, n_known)
    high, low, close = candles.high[sl], candles.low[sl], candles.close[sl]
    vol = candles.volume_base[sl]
    tp = (high + low + close) / 3.0
    cum_v = np.cumsum(vol)
    total_v = float(cum_v[-1])
    if not total_v > 0:
        return Result.missing(f"{anchor_name} AVWAP: zero volume since the anchor", params=params)
    cum_pv = np.cumsum(tp * vol)
    vwap = float(cum_pv[-1] / total_v)
    var = float(np.dot(vol, (tp - vwap) ** 2) / total_v)
    sigma = float(np.sqrt(max(var, 0.0)))
    n = len(tp)
    span = min(slope_bars, n - 1)
    slope: float | None = None
    if span >= 1:
        v_then = cum_v[n - 1 - span]
        if v_then > 0:
            slope = (vwap - float(cum_pv[n - 1 - span] / v_then)) / span
    value = AnchoredVwap(
        anchor_name=anchor_name,
        anchor=utc(anchor),
        as_of=utc(as_of),
        venue=candles.venue,
        market=candles.market,
        interval_s=candles.interval_s,
        vwap_usd=vwap,
        sigma_usd=sigma,
        upper1_usd=vwap + sigma,
        lower1_usd=vwap - sigma,
        upper2_usd=vwap + 2.0 * sigma,
        lower2_usd=vwap - 2.0 * sigma,
        slope_usd_per_bar=slope,
        slope_bars=span if slope is not None else None,
        bars_used=n,
        volume_base=total_v,
        range_low_usd=float(low.min()),
        range_high_usd=float(high.max()),
        first_bar_ts=from_ms(ts_ms[start]),
        last_bar_ts=from_ms(ts_ms[-1]),
    )
    return Result.of(value, sources=(candles.source,), params=params)


def calendar_vwap(candles: CandleSeries, period: str, as_of: datetime, *, slope_bars: int = 24) -> Result[AnchoredVwap]:
    """AVWAP anchored at the start of the calendar ``period`` (week/month/quarter/year) containing ``as_of``."""
    return anchored_vwap(candles, calendar_anchor(as_of, period), as_of, anchor_name=period, slope_bars=slope_bars)


def extreme_anchor(
    candles: CandleSeries, as_of: datetime, *, lookback_days: float, kind: str = "high"
) -> Result[datetime]:
    """Open time of the bar with the highest high (``kind="high"``) or lowest low (``"low"``) among bars closed at
    ``as_of`` whose open time lies within ``lookback_days`` before ``as_of``; ties go to the earliest bar.
    """
    if kind not in ("high", "low"):
        raise ValueError("kind must be 'high' or 'low'")
    params = {"lookback_days": lookback_days, "kind": kind}
    n_known = _known_slice(candles, as_of)
    ts_ms = candles.ts[:n_known].astype(np.int64)
    start = int(np.searchsorted(ts_ms, to_ms(as_of) - round(lookback_days * 86_400_000), side="left"))
    if start >= n_known:
        return Result.missing(f"no closed bar in the {lookback_days:g}-day lookback", params=params)
    if ts_ms[0] > to_ms(as_of) - round(lookback_days * 86_400_000):
        reason = (
            f"candles cover only since {from_ms(ts_ms[0]):%Y-%m-%d}, shorter than the {lookback_days:g}-day lookback"
        )
        partial = True
    else:
        reason, partial = "", False
    seg = candles.high[start:n_known] if kind == "high" else -candles.low[start:n_known]
    i = start + int(np.argmax(seg))
    return Result.of(
        from_ms(ts_ms[i]),
        sources=(candles.source,),
        params=params,
        reasons=(reason,) if partial else (),
        partial=partial,
    )


def event_vwap(
    candles: CandleSeries, as_of: datetime, *, lookback_days: float = 365.0, kind: str = "high", slope_bars: int = 24
) -> Result[AnchoredVwap]:
    """AVWAP anchored at the cycle high (``kind="high"``) or cycle low (``"low"``) of the lookback."""
    anchor = extreme_anchor(candles, as_of, lookback_days=lookback_days, kind=kind)
    if anchor.value is None:
        return Result.missing(*anchor.reasons, params=anchor.params)
    res = anchored_vwap(candles, anchor.value, as_of, anchor_name=f"cycle_{kind}", slope_bars=slope_bars)
    if res.value is None or not anchor.reasons:
        return res
    return Result.of(res.value, sources=res.sources, params=res.params, reasons=anchor.reasons, partial=True)
