"""Phase 2 of the report: market structure of one candle series at ``as_of`` (AVWAPs, profile, range, swings,
equal highs/lows, ATR and the phase call). Pure: bars not closed at ``as_of`` are never read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

import numpy as np

from derivintel.analytics.structure.avwap import CALENDAR_PERIODS, AnchoredVwap, calendar_vwap, event_vwap
from derivintel.analytics.structure.levels import EqualLevel, atr, equal_levels, price_range
from derivintel.analytics.structure.phase import PhaseCall, PhaseParams, classify_phase
from derivintel.analytics.structure.swings import Swing, swing_points
from derivintel.analytics.structure.volume_profile import VolumeProfile, volume_profile
from derivintel.core.result import Result, Status
from derivintel.core.timeutil import from_ms, to_ms, utc
from derivintel.domain.series import CandleSeries
from derivintel.domain.venue import Market, VenueId

AVWAP_KEYS: tuple[str, ...] = (*CALENDAR_PERIODS, "cycle_high", "cycle_low")


@dataclass(frozen=True, slots=True)
class StructureParams:
    """Parameters. Bar counts are in bars of the series given (24 bars = 1 day at 1h, 4 days at 4h)."""

    swing_k: int = 5  # bars each side of a swing; confirmation lag
    range_lookback_days: float = 90.0  # range high/low, and the swings/equal levels reported
    cycle_lookback_days: float = 365.0  # cycle high/low anchors
    profile_window_days: float = 30.0
    profile_bins: int = 100
    value_area_fraction: float = 0.70
    profile_smoothing_bins: int = 5
    max_nodes: int = 5
    atr_period: int = 14
    equal_tolerance_atr: float = 0.1
    avwap_slope_bars: int = 24
    phase_anchor: str = "quarter"  # which AVWAP the phase call reads (a key of AVWAP_KEYS)
    phase: PhaseParams = field(default_factory=PhaseParams)


@dataclass(frozen=True, slots=True)
class StructureAnalysis:
    """Market structure at ``as_of`` from ``venue``/``market`` candles of ``interval_s`` seconds. Prices in USD.

    ``avwap`` maps week/month/quarter/year/cycle_high/cycle_low to its AVWAP (an anchor that could not be computed
    is absent and named in the result's reasons). ``range_*`` cover ``range_lookback_days``; ``swing_*`` and
    ``equal_*`` are the confirmed swings opened within that lookback and the levels built from them.
    ``equal_tolerance_usd = equal_tolerance_atr × atr_usd``. ``price_change_7d_fraction`` compares the last close
    with the close 7 days earlier (None when the series is shorter).
    """

    as_of: datetime
    venue: VenueId
    market: Market
    interval_s: int
    last_bar_ts: datetime
    last_close_usd: float
    avwap: Mapping[str, AnchoredVwap]
    profile: VolumeProfile | None
    range_high_usd: float
    range_low_usd: float
    range_position_fraction: float
    swing_highs: tuple[Swing, ...]
    swing_lows: tuple[Swing, ...]
    equal_highs: tuple[EqualLevel, ...]
    equal_lows: tuple[EqualLevel, ...]
    atr_usd: float
    equal_tolerance_usd: float
    price_change_7d_fraction: float | None
    phase: PhaseCall | None


def _price_change(candles: CandleSeries, n: int, days: float) -> float | None:
    close_ms = candles.ts[:n].astype(np.int64) + candles.interval_s * 1000
    j = int(np.searchsorted(close_ms, close_ms[-1] - round(days * 86_400_000), side="right")) - 1
    if j < 0:
        return None
    return float(candles.close[n - 1] / candles.close[j] - 1.0)


def analyze_structure(
    candles: CandleSeries,
    *,
    as_of: datetime,
    oi_change_7d_fraction: float | None = None,
    funding_1h: float | None = None,
    perp_cvd_7d_base: float | None = None,
    spot_cvd_7d_base: float | None = None,
    params: StructureParams = StructureParams(),
) -> Result[StructureAnalysis]:
    """Market structure of ``candles`` as known at ``as_of`` (see ``StructureAnalysis``).

    Optional inputs feed the phase call: ``oi_change_7d_fraction`` (on ``oi_base``), ``funding_1h`` (fraction per
    hour), 7-day perp and spot CVD in coins. Each one missing is named in the reasons and makes the status partial.
    Missing (insufficient data) when fewer than ``max(2·swing_k + 1, atr_period)`` bars have closed or none lies in
    the range lookback; partial (with the reason) when the last closed bar is more than one bar older than ``as_of``.
    """
    p = params
    as_of = utc(as_of)
    run_params: dict[str, object] = {
        **asdict(p),
        "venue": candles.venue,
        "market": candles.market,
        "interval_s": candles.interval_s,
        "as_of": as_of.isoformat(),
    }
    ts_ms = candles.ts.astype(np.int64)
    n = int(np.searchsorted(ts_ms, to_ms(as_of) - candles.interval_s * 1000, side="right"))
    need = max(2 * p.swing_k + 1, p.atr_period)
    if n < need:
        return Result.missing(
            f"{n} {candles.venue} {candles.market} bars closed by {as_of:%Y-%m-%d %H:%M}; "
            f"structure needs at least {need}",
            params=run_params,
        )
    reasons: list[str] = []
    last_close_ms = int(ts_ms[n - 1]) + candles.interval_s * 1000
    stale = to_ms(as_of) - last_close_ms > candles.interval_s * 1000
    if stale:
        reasons.append(
            f"candles stale: last closed bar ended {from_ms(last_close_ms):%Y-%m-%d %H:%M}, "
            f"more than one bar before {as_of:%Y-%m-%d %H:%M}"
        )

    avwaps: dict[str, AnchoredVwap] = {}
    for period in CALENDAR_PERIODS:
        r = calendar_vwap(candles, period, as_of, slope_bars=p.avwap_slope_bars)
        if r.value is None:
            reasons.extend(r.reasons)
        else:
            avwaps[period] = r.value
    cycle_partial: dict[str, bool] = {}
    for kind in ("high", "low"):
        r = event_vwap(candles, as_of, lookback_days=p.cycle_lookback_days, kind=kind, slope_bars=p.avwap_slope_bars)
        if r.value is None or r.reasons:
            reasons.extend(f"cycle_{kind} AVWAP: {x}" for x in r.reasons)
        if r.value is not None:
            avwaps[f"cycle_{kind}"] = r.value
            cycle_partial[f"cycle_{kind}"] = r.status is Status.PARTIAL

    prof = volume_profile(
        candles,
        as_of=as_of,
        window_days=p.profile_window_days,
        n_bins=p.profile_bins,
        value_area_fraction=p.value_area_fraction,
        smoothing_bins=p.profile_smoothing_bins,
        max_nodes=p.max_nodes,
    )
    reasons.extend(f"volume profile: {x}" for x in prof.reasons)

    rng = price_range(candles, as_of=as_of, lookback_days=p.range_lookback_days)
    if rng.value is None:
        return Result.missing(*reasons, *(f"range: {x}" for x in rng.reasons), params=run_params)
    reasons.extend(f"range: {x}" for x in rng.reasons)

    a = atr(candles, as_of=as_of, period=p.atr_period)
    sw = swing_points(candles, as_of=as_of, k=p.swing_k, since=as_of - timedelta(days=p.range_lookback_days))
    if a.value is None or sw.value is None:  # cannot happen with n ≥ need; kept so a change of `need` stays safe
        return Result.missing(*a.reasons, *sw.reasons, params=run_params)
    tol = p.equal_tolerance_atr * a.value
    eq_hi = equal_levels(candles, sw.value.highs, as_of=as_of, tolerance_usd=tol, side="high")
    eq_lo = equal_levels(candles, sw.value.lows, as_of=as_of, tolerance_usd=tol, side="low")

    last_close = float(candles.close[n - 1])
    change_7d = _price_change(candles, n, 7.0)
    ref = avwaps.get(p.phase_anchor)
    if ref is None:
        reasons.append(f"phase: reference AVWAP {p.phase_anchor!r} unavailable")
    ph = classify_phase(
        position_fraction=rng.value.position_fraction,
        close_usd=last_close,
        avwap_usd=ref.vwap_usd if ref else None,
        avwap_slope_fraction=ref.slope_fraction if ref else None,
        price_change_7d_fraction=change_7d,
        oi_change_7d_fraction=oi_change_7d_fraction,
        funding_1h=funding_1h,
        perp_cvd_7d_base=perp_cvd_7d_base,
        spot_cvd_7d_base=spot_cvd_7d_base,
        params=p.phase,
    )
    reasons.extend(f"phase: {x}" for x in ph.reasons)

    value = StructureAnalysis(
        as_of=as_of,
        venue=candles.venue,
        market=candles.market,
        interval_s=candles.interval_s,
        last_bar_ts=from_ms(ts_ms[n - 1]),
        last_close_usd=last_close,
        avwap=MappingProxyType(avwaps),
        profile=prof.value,
        range_high_usd=rng.value.high_usd,
        range_low_usd=rng.value.low_usd,
        range_position_fraction=rng.value.position_fraction,
        swing_highs=sw.value.highs,
        swing_lows=sw.value.lows,
        equal_highs=eq_hi,
        equal_lows=eq_lo,
        atr_usd=a.value,
        equal_tolerance_usd=tol,
        price_change_7d_fraction=change_7d,
        phase=ph.value,
    )
    sub_results = (prof, rng, ph)
    partial = (
        any(k not in avwaps for k in AVWAP_KEYS)
        or any(r.status is not Status.OK for r in sub_results)
        or any(cycle_partial.values())
        or stale
    )
    return Result.of(value, sources=(candles.source,), params=run_params, reasons=reasons, partial=partial)
