"""Chart series for the report model, built from a snapshot and its analyses. Pure: no I/O, no clock.

Renderers (HTML report, dashboard) only plot what is here. Display choices made here, not in renderers:
candles resampled to ``PRICE_INTERVAL_S`` bars over the last ``PRICE_WINDOW_DAYS``; open interest sampled at the
last observation per ``OI_INTERVAL_S`` bucket over ``HISTORY_WINDOW_DAYS``; funding per settlement over the same
window (averaged per ``FUNDING_BUCKET_S`` for venues settling more often); values rounded to
``SIGNIFICANT_DIGITS`` significant digits to keep the JSON small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from derivintel.assessment.analyze import Analyses
from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime, to_datetime64
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.report.metric_book import describe_sources
from derivintel.report.model import (
    BasisCurveChart,
    BasisCurveVenue,
    ChartLevel,
    Charts,
    FundingHistory,
    GexProfile,
    IvSmile,
    IvTermStructure,
    LevelGroup,
    LiquidationHeatmap,
    Metric,
    OpenInterestHistory,
    OptionsOpenInterest,
    PainCurve,
    PriceBars,
    PriceChart,
    VolumeProfileChart,
)

if TYPE_CHECKING:
    from derivintel.analytics.liquidity import LiquidationMap
    from derivintel.analytics.liquidity.observed_map import ObservedLiquidationMap
    from derivintel.analytics.options import ChainAnalysis
    from derivintel.analytics.options.venues import CombinedBook
    from derivintel.analytics.positioning.basis_curve import BasisCurve
    from derivintel.analytics.structure import StructureAnalysis

PRICE_INTERVAL_S = 4 * 3600
PRICE_WINDOW_DAYS = 120.0
OI_INTERVAL_S = 4 * 3600
HISTORY_WINDOW_DAYS = 30.0
FUNDING_BUCKET_S = 4 * 3600
SIGNIFICANT_DIGITS = 7

# Price levels drawn on the price chart: (metric key or key prefix ending in '.', group). Only USD price metrics.
LEVEL_KEYS: tuple[tuple[str, LevelGroup], ...] = (
    ("structure.avwap.", "avwap"),
    ("structure.poc", "volume_profile"),
    ("structure.vah", "volume_profile"),
    ("structure.val", "volume_profile"),
    ("structure.range_high", "range"),
    ("structure.range_low", "range"),
    ("liquidity.liq.long_cluster", "liquidation"),
    ("liquidity.liq.short_cluster", "liquidation"),
    ("options.max_pain", "options"),
    ("options.gamma_flip", "options"),
    ("options.call_wall", "options"),
    ("options.put_wall", "options"),
    ("risk.long.", "plan"),
    ("risk.short.", "plan"),
)


@dataclass(frozen=True, slots=True)
class ResampledBars:
    """OHLCV aggregated into fixed buckets: ``ts`` (datetime64[ms]) is each bucket's start."""

    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume_base: np.ndarray


def round_sig(values: np.ndarray | Sequence[float], digits: int = SIGNIFICANT_DIGITS) -> list[float]:
    """Round each value to ``digits`` significant digits (display precision), as plain Python floats."""
    arr = np.asarray(values, dtype=float)
    return [float(f"{v:.{digits}g}") for v in arr.tolist()]


def _bucket_starts(ts: np.ndarray, interval_s: int) -> np.ndarray:
    ms = ts.astype("datetime64[ms]").astype(np.int64)
    step = interval_s * 1000
    return (ms // step) * step


def resample_ohlcv(candles: CandleSeries, *, interval_s: int, start: datetime, as_of: datetime) -> ResampledBars:
    """Aggregate the bars known at ``as_of`` and opened at or after ``start`` into UTC-aligned buckets of
    ``interval_s``: open = first, high = max, low = min, close = last, volume = sum (coins). Bars with a non-finite
    OHLC are dropped. The last bucket may be incomplete (it holds the bars known so far)."""
    if interval_s % candles.interval_s:
        raise ValueError(f"display interval {interval_s}s is not a multiple of the bar interval {candles.interval_s}s")
    known = candles.until(as_of)
    keep = known.ts >= to_datetime64(start)
    keep &= np.isfinite(known.open) & np.isfinite(known.high) & np.isfinite(known.low) & np.isfinite(known.close)
    ts = known.ts[keep]
    if len(ts) == 0:
        empty = np.array([], dtype=float)
        return ResampledBars(np.array([], dtype="datetime64[ms]"), empty, empty, empty, empty, empty)
    buckets = _bucket_starts(ts, interval_s)
    first = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
    last = np.r_[first[1:] - 1, len(ts) - 1]
    volume = np.nan_to_num(known.volume_base[keep], nan=0.0)
    return ResampledBars(
        ts=buckets[first].astype("datetime64[ms]"),
        open=known.open[keep][first],
        high=np.maximum.reduceat(known.high[keep], first),
        low=np.minimum.reduceat(known.low[keep], first),
        close=known.close[keep][last],
        volume_base=np.add.reduceat(volume, first),
    )


def last_per_bucket(ts: np.ndarray, interval_s: int) -> np.ndarray:
    """Indices of the last observation in each UTC-aligned bucket of ``interval_s`` (``ts`` sorted)."""
    if len(ts) == 0:
        return np.array([], dtype=np.int64)
    buckets = _bucket_starts(ts, interval_s)
    return np.flatnonzero(np.r_[buckets[1:] != buckets[:-1], True])


def _datetimes(ts: np.ndarray) -> list[datetime]:
    return [dt64_to_datetime(t) for t in ts]


def price_bars(candles: CandleSeries, *, as_of: datetime) -> PriceBars | None:
    """Display bars for the price chart (None when no bar is known in the window)."""
    interval = max(PRICE_INTERVAL_S, candles.interval_s)
    interval -= interval % candles.interval_s
    # Start at the first bucket boundary inside the window, so the first bar is a whole bucket.
    start_s = int((as_of - timedelta(days=PRICE_WINDOW_DAYS)).timestamp())
    start = datetime.fromtimestamp(-(-start_s // interval) * interval, tz=UTC)
    bars = resample_ohlcv(candles, interval_s=interval, start=start, as_of=as_of)
    if len(bars.ts) == 0:
        return None
    return PriceBars(
        venue=candles.venue,
        market=candles.market,
        interval_s=interval,
        ts=_datetimes(bars.ts),
        open_usd=round_sig(bars.open),
        high_usd=round_sig(bars.high),
        low_usd=round_sig(bars.low),
        close_usd=round_sig(bars.close),
        volume_base=round_sig(bars.volume_base),
        source=candles.source.label,
    )


def _level_group(key: str) -> LevelGroup | None:
    for pattern, group in LEVEL_KEYS:
        if key == pattern or (pattern.endswith(".") and key.startswith(pattern)):
            return group
    return None


def price_levels(metrics: Sequence[Metric]) -> list[ChartLevel]:
    """Levels for the price chart, taken from the report's USD price metrics that have a value."""
    levels = []
    for m in metrics:
        group = _level_group(m.key)
        if group is None or m.unit != "usd" or m.value is None or isinstance(m.value, (str, bool)):
            continue
        levels.append(ChartLevel(metric=m.key, label=m.label, group=group, price_usd=float(m.value), source=m.source))
    return levels


def oi_history(series: OpenInterestSeries, *, as_of: datetime) -> OpenInterestHistory | None:
    known = series.until(as_of)
    keep = known.ts >= to_datetime64(as_of - timedelta(days=HISTORY_WINDOW_DAYS))
    keep &= np.isfinite(known.oi_usd) & np.isfinite(known.oi_base)
    ts = known.ts[keep]
    idx = last_per_bucket(ts, max(OI_INTERVAL_S, known.interval_s))
    if len(idx) == 0:
        return None
    return OpenInterestHistory(
        venue=series.venue,
        ts=_datetimes(ts[idx]),
        oi_usd=round_sig(known.oi_usd[keep][idx]),
        oi_base=round_sig(known.oi_base[keep][idx]),
        source=series.source.label,
    )


def funding_history(series: FundingSeries, *, as_of: datetime) -> FundingHistory | None:
    """Per-hour funding over the history window; settlements more frequent than ``FUNDING_BUCKET_S`` are averaged
    per bucket (mean of per-hour rates, stamped at the bucket's last settlement)."""
    known = series.until(as_of)
    rate = known.rate_1h
    keep = (known.ts >= to_datetime64(as_of - timedelta(days=HISTORY_WINDOW_DAYS))) & np.isfinite(rate)
    if not keep.any():
        return None
    ts, rate = known.ts[keep], rate[keep]
    interval_h = float(known.interval_hours[keep][-1])
    bucket_h = interval_h
    if interval_h * 3600 < FUNDING_BUCKET_S:
        bucket_h = FUNDING_BUCKET_S / 3600
        last = last_per_bucket(ts, FUNDING_BUCKET_S)
        first = np.r_[0, last[:-1] + 1]
        rate = np.add.reduceat(rate, first) / (last - first + 1)
        ts = ts[last]
    return FundingHistory(
        venue=series.venue,
        interval_hours=interval_h,
        bucket_hours=bucket_h,
        ts=_datetimes(ts),
        rate_1h=round_sig(rate),
        source=series.source.label,
    )


def _sources_label(result: Result[Any]) -> str:
    return describe_sources(result.sources)[0]


def _finite_pairs(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    return round_sig(x[ok]), round_sig(y[ok])


def liquidation_heatmap(
    result: Result[LiquidationMap] | Result[ObservedLiquidationMap],
) -> LiquidationHeatmap | None:
    m = result.value
    if m is None:
        return None
    return LiquidationHeatmap(
        label=m.label,
        reference_price_usd=float(m.reference_price_usd),
        bin_width_usd=float(m.bin_width_usd),
        bin_center_usd=round_sig(m.bin_centers_usd),
        long_notional_usd=round_sig(m.long_notional_usd),
        short_notional_usd=round_sig(m.short_notional_usd),
        source=_sources_label(result),
    )


def options_charts(result: Result[ChainAnalysis]) -> tuple[GexProfile | None, list[IvSmile], IvTermStructure | None]:
    """GEX by strike with the flip sweep, IV smile per expiry, ATM term structure."""
    chain = result.value
    if chain is None:
        return None, [], None
    source = _sources_label(result)
    s = chain.all_expiries
    strikes, gex = _finite_pairs(s.gex_strikes_usd, s.gex_by_strike_usd_per_1pct)
    spots, sweep = _finite_pairs(s.flip_sweep_spots_usd, s.flip_sweep_gex)
    gex_profile = GexProfile(
        scenario=chain.scenario.value,
        spot_usd=float(chain.spot_usd),
        gamma_flip_usd=None if s.gamma_flip_usd is None else float(s.gamma_flip_usd),
        strike_usd=strikes,
        net_gex_usd_per_1pct=gex,
        sweep_spot_usd=spots,
        sweep_gex_usd_per_1pct=sweep,
        source=source,
    )
    smiles = []
    for e in chain.expiries:
        k, iv = _finite_pairs(e.smile_strikes_usd, e.smile_iv)
        if k:
            smiles.append(
                IvSmile(
                    expiry=e.expiry.strftime("%d%b%y").upper(),
                    days_to_expiry=float(e.days_to_expiry),
                    forward_usd=float(e.forward_usd),
                    strike_usd=k,
                    iv=iv,
                    source=source,
                )
            )
    days, atm = _finite_pairs(s.atm_term_days, s.atm_term_iv)
    term = IvTermStructure(days_to_expiry=days, atm_iv=atm, source=source) if days else None
    return gex_profile, smiles, term


def options_oi_chart(result: Result[CombinedBook]) -> OptionsOpenInterest | None:
    """OI by strike and by expiry of the combined option book (None without a venue with OI)."""
    b = result.value
    if b is None or not b.venues_with_oi:
        return None
    return OptionsOpenInterest(
        venues=list(b.venues_with_oi),
        strike_usd=b.strikes_usd.tolist(),
        call_oi_by_strike_base=round_sig(b.call_oi_by_strike_base),
        put_oi_by_strike_base=round_sig(b.put_oi_by_strike_base),
        expiry=_datetimes(b.expiries),
        call_oi_by_expiry_base=round_sig(b.call_oi_by_expiry_base),
        put_oi_by_expiry_base=round_sig(b.put_oi_by_expiry_base),
        source=_sources_label(result),
    )


def pain_curve_chart(result: Result[ChainAnalysis]) -> PainCurve | None:
    """The headline expiry's pain curve (USD payout to option holders at each settlement strike)."""
    chain = result.value
    if chain is None:
        return None
    head = chain.expiry(chain.headline_expiry)
    strikes, pain = _finite_pairs(head.pain_strikes_usd, head.pain_usd)
    if not strikes:
        return None
    return PainCurve(
        expiry=head.expiry.strftime("%d%b%y").upper(),
        strike_usd=strikes,
        pain_usd=pain,
        max_pain_usd=None if head.max_pain_usd is None else float(head.max_pain_usd),
        spot_usd=float(chain.spot_usd),
        source=_sources_label(result),
    )


def volume_profile_chart(result: Result[StructureAnalysis], source: str) -> VolumeProfileChart | None:
    s = result.value
    p = None if s is None else s.profile
    if p is None:
        return None
    edges = np.asarray(p.bin_edges_usd, dtype=float)
    return VolumeProfileChart(
        window_start=p.window_start,
        window_end=p.window_end,
        bin_center_usd=round_sig((edges[:-1] + edges[1:]) / 2.0),
        volume_base=round_sig(p.volume_base),
        poc_usd=float(p.poc_usd),
        val_usd=float(p.val_usd),
        vah_usd=float(p.vah_usd),
        source=source,
    )


def basis_curve_chart(result: Result[BasisCurve]) -> BasisCurveChart | None:
    """Annualised basis by days to expiry per venue, the composite curve and the 3-month constant-maturity point."""
    curve = result.value
    if curve is None:
        return None
    venues = [
        BasisCurveVenue(
            venue=v,
            symbols=[p.venue_symbol for p in curve.venue_points(v)],
            days_to_expiry=round_sig([p.days for p in curve.venue_points(v)]),
            basis_annualised=round_sig([p.basis_annualised for p in curve.venue_points(v)]),
        )
        for v in curve.venues
    ]
    return BasisCurveChart(
        venues=venues,
        composite_days=round_sig([c.days for c in curve.composite]),
        composite_basis_annualised=round_sig([c.basis_annualised for c in curve.composite]),
        cm_3m_days=round(float(result.params["tenor_days"]), 4),
        cm_3m_basis_annualised=round_sig([curve.cm_3m.basis_annualised])[0],
        cm_3m_extrapolated=curve.cm_3m.extrapolated,
        shape=curve.shape.value,
        source=_sources_label(result),
    )


def _why(result: Result[Any], default: str) -> str:
    return "; ".join(result.reasons) or default


def build_charts(snapshot: MarketSnapshot, analyses: Analyses, metrics: Sequence[Metric]) -> Charts:
    """Chart series for the primary asset; ``metrics`` are the report's metrics (levels are read from them)."""
    data: AssetData = snapshot.asset(snapshot.primary)
    as_of = snapshot.as_of
    a = analyses.primary
    missing: dict[str, str] = {}
    candles = data.candles_for(market="perp", interval_s=3600) or data.candles_for(market="perp")
    price = None
    if candles is None:
        missing["price"] = "no perp candles for this asset"
    else:
        bars = price_bars(candles, as_of=as_of)
        if bars is None:
            missing["price"] = f"no {candles.venue} candles in the last {PRICE_WINDOW_DAYS:.0f} days"
        else:
            price = PriceChart(bars=bars, levels=price_levels(metrics))
    oi = [h for h in (oi_history(s, as_of=as_of) for s in data.open_interest) if h is not None]
    if not oi:
        missing["open_interest"] = "no open-interest history"
    funding = [h for h in (funding_history(s, as_of=as_of) for s in data.funding) if h is not None]
    if not funding:
        missing["funding"] = "no funding history"
    heatmap = liquidation_heatmap(a.liquidation_map)
    if heatmap is None:
        missing["liquidation_map"] = _why(a.liquidation_map, "no liquidation map")
    observed = liquidation_heatmap(a.observed_map)
    if observed is None:
        missing["observed_liquidation_map"] = _why(a.observed_map, "no observed positions")
    gex, smiles, term = options_charts(a.options)
    pain = pain_curve_chart(a.options)
    options_oi = options_oi_chart(a.options_venues)
    if options_oi is None:
        missing["options_oi"] = _why(a.options_venues, "no option venue with open interest")
    if gex is None:
        missing["options"] = _why(a.options, "no option chain")
    profile_source = candles.source.label if candles is not None else ""
    profile = volume_profile_chart(a.structure, profile_source)
    if profile is None:
        missing["volume_profile"] = _why(a.structure, "no volume profile")
    basis = basis_curve_chart(a.basis_curve)
    if basis is None:
        missing["basis_curve"] = _why(a.basis_curve, "no dated futures")
    return Charts(
        price=price,
        open_interest=oi,
        funding=funding,
        liquidation_map=heatmap,
        observed_liquidation_map=observed,
        gex=gex,
        pain_curve=pain,
        options_oi=options_oi,
        iv_smiles=smiles,
        iv_term=term,
        volume_profile=profile,
        basis_curve=basis,
        missing=missing,
    )
