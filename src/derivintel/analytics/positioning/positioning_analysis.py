"""Phase 1 of the report: derivatives positioning of one asset across venues (DOMAIN.md §2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import numpy as np

from derivintel.analytics.positioning.cvd import CVD, cvd_from_candles, cvd_from_taker_volume
from derivintel.analytics.positioning.funding import FundingZScore, aggregate_funding, funding_zscore
from derivintel.analytics.positioning.long_short import LongShortReading, latest_long_short
from derivintel.analytics.positioning.open_interest import (
    index_at_or_before,
    open_interest_change,
    total_open_interest,
)
from derivintel.analytics.positioning.quadrant import (
    DEFAULT_OI_BAND,
    DEFAULT_PRICE_BAND,
    QuadrantReading,
    classify_quadrant,
)
from derivintel.analytics.positioning.stored_levels import (
    latest_oi_samples,
    oi_total_from_samples,
    settled_funding_aggregate,
)
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import utc
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.series import CandleSeries
from derivintel.domain.snapshot import AssetData
from derivintel.domain.venue import MARKETS, Market, VenueId


@dataclass(frozen=True, slots=True)
class PositioningParams:
    """Windows and bands. Bands are fractions (0.005 = 0.5 %)."""

    short_window: timedelta = timedelta(hours=24)
    long_window: timedelta = timedelta(days=7)
    funding_lookback: timedelta = timedelta(days=30)
    funding_min_obs: int = 10
    oi_band: float = DEFAULT_OI_BAND
    price_band: float = DEFAULT_PRICE_BAND
    max_sample_lag: timedelta = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class VenuePerpRow:
    """One venue's perp: OI single-sided (coins, USD at mark); funding as published per interval, per hour and
    simple APR (fractions); ``basis_fraction`` = mark / index − 1."""

    venue: VenueId
    oi_base: float | None
    oi_usd: float | None
    funding_rate_interval: float | None
    funding_rate_1h: float | None
    funding_apr: float | None
    funding_interval_hours: float
    funding_kind: FundingKind
    basis_fraction: float | None
    mark_price_usd: float
    source: Source


@dataclass(frozen=True, slots=True)
class Positioning:
    """Positioning summary. Fractions are fractions (0.01 = 1 %), funding per hour unless named ``_apr``.

    Any figure may be None when its inputs were missing; the Result's reasons say which. ``sources`` maps each
    field group (``oi``, ``oi_change``, ``funding``, ``funding_zscore``, ``long_short``, ``cvd_perp``, ``cvd_spot``,
    ``price``) to the observations it rests on.
    """

    venues: tuple[VenuePerpRow, ...]
    total_oi_base: float | None
    total_oi_usd: float | None
    oi_venues: tuple[VenueId, ...]
    oi_change_24h_fraction: float | None
    oi_change_7d_fraction: float | None
    oi_change_24h_usd: float | None
    oi_change_7d_usd: float | None
    oi_change_venues: tuple[VenueId, ...]
    funding_oi_weighted_1h: float | None
    funding_oi_weighted_apr: float | None
    funding_mean_1h: float | None
    funding_weighted_venues: tuple[VenueId, ...]
    funding_zscore_30d: float | None
    funding_percentile_30d: float | None
    funding_zscore_venue: VenueId | None
    funding_zscores: tuple[FundingZScore, ...]
    long_short: tuple[LongShortReading, ...]
    cvd_perp_24h_base: float | None
    cvd_perp_7d_base: float | None
    cvd_perp_24h_usd: float | None
    cvd_perp_7d_usd: float | None
    cvd_spot_24h_base: float | None
    cvd_spot_7d_base: float | None
    cvd_spot_24h_usd: float | None
    cvd_spot_7d_usd: float | None
    cvd_taker_volume: tuple[CVD, ...]
    price_change_24h_fraction: float | None
    quadrant: QuadrantReading | None
    sources: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)


def _venue_row(p: PerpMetrics) -> VenuePerpRow:
    return VenuePerpRow(
        venue=p.venue,
        oi_base=p.oi_base,
        oi_usd=p.oi_usd,
        funding_rate_interval=p.funding_rate_interval,
        funding_rate_1h=p.funding_rate_1h,
        funding_apr=p.funding_apr,
        funding_interval_hours=p.funding_interval_hours,
        funding_kind=p.funding_kind,
        basis_fraction=p.basis_fraction,
        mark_price_usd=p.mark_price_usd,
        source=p.source,
    )


def price_change(
    candles: CandleSeries, *, as_of: datetime, window: timedelta, max_sample_lag: timedelta
) -> float | None:
    """Relative close-to-close change (fraction) between the last bars closed by ``as_of − window`` and ``as_of``;
    None when either end has no bar closed within ``max(max_sample_lag, bar length)``."""
    close_ts = candles.ts + np.timedelta64(candles.interval_s * 1000, "ms")
    tol = max(max_sample_lag, timedelta(seconds=candles.interval_s))
    i = index_at_or_before(close_ts, as_of, tolerance=tol)
    j = index_at_or_before(close_ts, as_of - window, tolerance=tol)
    if i is None or j is None or i == j or not candles.close[j] > 0:
        return None
    return float(candles.close[i] / candles.close[j] - 1.0)


def _price_candles(data: AssetData) -> CandleSeries | None:
    pool = [c for c in data.candles if c.market == "perp"] or [c for c in data.candles if c.market == "spot"]
    return min(pool, key=lambda c: (c.interval_s, -len(c))) if pool else None


def analyze_positioning(
    data: AssetData, *, as_of: datetime, params: PositioningParams = PositioningParams()
) -> Result[Positioning]:
    """Per-venue perp table, OI totals and changes (coin OI), funding aggregates and z-score, long/short ratios,
    perp and spot CVD, and the price-vs-OI quadrant, all as known at ``as_of``.

    Status is partial when any group is missing (reasons name it); insufficient_data only when nothing at all
    could be computed.
    """
    as_of = utc(as_of)
    reasons: list[str] = []
    sources: dict[str, tuple[Source, ...]] = {}
    p = params
    known_perps = tuple(x for x in data.perps if x.source.as_of <= as_of)
    if len(known_perps) < len(data.perps):
        reasons.append("perp observations after as_of ignored")

    def take(name: str, res: Result):
        reasons.extend(f"{name}: {r}" for r in res.reasons)
        if res.value is not None:
            sources[name] = res.sources
        return res.value

    oi_usd_by_venue = {x.venue: (x.oi_usd or 0.0) for x in known_perps}
    if known_perps:
        oi = take("oi", total_open_interest(known_perps))
        fund = take("funding", aggregate_funding(known_perps))
    else:  # a point in the past without a perp snapshot: the stored levels (OI samples, settled funding)
        reasons.append("no perp metrics from any venue")
        lag = p.max_sample_lag
        samples = latest_oi_samples(data.open_interest, as_of=as_of, max_sample_lag=lag)
        oi_usd_by_venue = {v: usd for v, (_, usd, _) in samples.items()}
        oi = take("oi", oi_total_from_samples(data.open_interest, as_of=as_of, max_sample_lag=lag))
        fund = take(
            "funding", settled_funding_aggregate(data.funding, oi_usd_by_venue, as_of=as_of, max_sample_lag=lag)
        )

    ch24 = take(
        "oi_change_24h",
        open_interest_change(data.open_interest, as_of=as_of, window=p.short_window, max_sample_lag=p.max_sample_lag),
    )
    ch7 = take(
        "oi_change_7d",
        open_interest_change(data.open_interest, as_of=as_of, window=p.long_window, max_sample_lag=p.max_sample_lag),
    )

    # funding z-scores per venue with history; headline = the venue with the largest USD OI (else most history)
    zs: list[FundingZScore] = []
    current_by_venue = {x.venue: x.funding_rate_1h for x in known_perps}
    z_sources: list[Source] = []
    for fs in data.funding:
        r = funding_zscore(
            fs,
            as_of=as_of,
            current_1h=current_by_venue.get(fs.venue),
            lookback=p.funding_lookback,
            min_obs=p.funding_min_obs,
        )
        reasons.extend(f"funding_zscore: {m}" for m in r.reasons)
        if r.value is not None:
            zs.append(r.value)
            z_sources.extend(r.sources)
    if not data.funding:
        reasons.append("funding_zscore: no funding history")
    head = max(zs, key=lambda z: (oi_usd_by_venue.get(z.venue, 0.0), z.n_obs)) if zs else None
    if z_sources:
        sources["funding_zscore"] = tuple(z_sources)

    ls = take("long_short", latest_long_short(data.long_short, as_of=as_of)) if data.long_short else None
    if not data.long_short:
        reasons.append("long_short: no long/short ratio series")

    cvd: dict[tuple[str, timedelta], CVD | None] = {}
    for market in MARKETS:
        for w in (p.short_window, p.long_window):
            res = cvd_from_candles(data.candles, market=market, as_of=as_of, window=w)
            cvd[(market, w)] = take(f"cvd_{market}", res)
    tv: list[CVD] = []
    price_series = _price_candles(data)
    for series in data.taker_volume:
        for w in (p.short_window, p.long_window):
            v = take("cvd_taker_volume", cvd_from_taker_volume(series, as_of=as_of, window=w, price=price_series))
            if v is not None:
                tv.append(v)

    pchg = None
    if price_series is None:
        reasons.append("price: no candles for the 24 h price change")
    else:
        pchg = price_change(price_series, as_of=as_of, window=p.short_window, max_sample_lag=p.max_sample_lag)
        if pchg is None:
            reasons.append(f"price: {price_series.venue} candles do not cover the 24 h window")
        else:
            sources["price"] = (price_series.source,)
    quad = None
    if pchg is not None and ch24 is not None:
        quad = QuadrantReading(
            quadrant=classify_quadrant(pchg, ch24.change_fraction, oi_band=p.oi_band, price_band=p.price_band),
            price_change_fraction=pchg,
            oi_change_fraction=ch24.change_fraction,
            price_band=p.price_band,
            oi_band=p.oi_band,
            window_hours=p.short_window / timedelta(hours=1),
        )
    else:
        reasons.append("quadrant: needs both 24 h price change and 24 h OI change")

    def c(market: Market, w: timedelta, attr: str) -> float | None:
        v = cvd[(market, w)]
        return None if v is None else getattr(v, attr)

    value = Positioning(
        venues=tuple(_venue_row(x) for x in known_perps),
        total_oi_base=None if oi is None else oi.total_oi_base,
        total_oi_usd=None if oi is None else oi.total_oi_usd,
        oi_venues=() if oi is None else oi.venues,
        oi_change_24h_fraction=None if ch24 is None else ch24.change_fraction,
        oi_change_7d_fraction=None if ch7 is None else ch7.change_fraction,
        oi_change_24h_usd=None if ch24 is None else ch24.change_usd,
        oi_change_7d_usd=None if ch7 is None else ch7.change_usd,
        oi_change_venues=() if ch24 is None else ch24.venues,
        funding_oi_weighted_1h=None if fund is None else fund.weighted_1h,
        funding_oi_weighted_apr=None if fund is None else fund.weighted_apr,
        funding_mean_1h=None if fund is None else fund.mean_1h,
        funding_weighted_venues=() if fund is None else fund.weighted_venues,
        funding_zscore_30d=None if head is None else head.zscore,
        funding_percentile_30d=None if head is None else head.percentile,
        funding_zscore_venue=None if head is None else head.venue,
        funding_zscores=tuple(zs),
        long_short=ls or (),
        cvd_perp_24h_base=c("perp", p.short_window, "delta_base"),
        cvd_perp_7d_base=c("perp", p.long_window, "delta_base"),
        cvd_perp_24h_usd=c("perp", p.short_window, "delta_usd"),
        cvd_perp_7d_usd=c("perp", p.long_window, "delta_usd"),
        cvd_spot_24h_base=c("spot", p.short_window, "delta_base"),
        cvd_spot_7d_base=c("spot", p.long_window, "delta_base"),
        cvd_spot_24h_usd=c("spot", p.short_window, "delta_usd"),
        cvd_spot_7d_usd=c("spot", p.long_window, "delta_usd"),
        cvd_taker_volume=tuple(tv),
        price_change_24h_fraction=pchg,
        quadrant=quad,
        sources=sources,
    )
    anything = (
        any(x is not None for x in (oi, fund, ch24, ch7, ls, pchg))
        or any(v is not None for v in cvd.values())
        or bool(zs)
        or bool(tv)
    )
    param_record = {k: (v.total_seconds() if isinstance(v, timedelta) else v) for k, v in asdict(p).items()}
    if not anything:
        return Result.missing("no positioning input known at as_of", *reasons, params=param_record)
    all_sources = tuple(dict.fromkeys(s for group in sources.values() for s in group))
    return Result.of(value, sources=all_sources, reasons=reasons, partial=bool(reasons), params=param_record)
