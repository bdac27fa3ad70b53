"""Run every analytic and synthesis rule on a snapshot: ``MarketSnapshot → Analyses``. Pure: no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.analytics.liquidity import (
    LiquidationMapParams,
    ReferenceLevel,
    book_depth,
    build_liquidation_map,
    cascade_exposure,
    simulate_cascade,
    stop_clusters,
)
from derivintel.analytics.liquidity.realised import realised_liquidations
from derivintel.analytics.macro import analyze_macro
from derivintel.analytics.macro.correlation import DailySeries
from derivintel.analytics.options import DealerScenario, analyze_chain
from derivintel.analytics.positioning import analyze_positioning
from derivintel.analytics.price import PriceReference, reference_price
from derivintel.analytics.structure import analyze_structure
from derivintel.core.result import Result
from derivintel.core.timeutil import DAY_S, HOUR_S
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.synthesis.bias import BiasCall, decide_bias
from derivintel.synthesis.crowding import CrowdingCall, SqueezeHeuristic, crowded_side, squeeze_heuristic
from derivintel.synthesis.market_maker import MarketMakerInputs, MarketMakerRead, read_market_makers
from derivintel.synthesis.trade_plan import Level, TradePlan, build_trade_plan


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """User-facing parameters of a report run."""

    risk_fraction: float = 0.01
    dealer_scenario: DealerScenario = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS
    cascade_shock_fraction: float = 0.02


@dataclass(frozen=True, eq=False)
class Calibration:
    """Measured base rates from stored history (computed by the app layer, which does the I/O)."""

    short_squeeze: Result
    long_squeeze: Result


UNCALIBRATED = Calibration(
    Result.missing("uncalibrated: no history given"), Result.missing("uncalibrated: no history given")
)


@dataclass(frozen=True, eq=False)
class AssetAnalyses:
    """Every analytic result for one asset."""

    asset: str
    price: Result[PriceReference]
    positioning: Result
    structure: Result
    options: Result
    liquidation_map: Result
    depth: Result
    stops: Result
    exposure: Result
    cascade_down: Result
    cascade_up: Result
    realised: Result


@dataclass(frozen=True, eq=False)
class Analyses:
    """The primary asset's analytics, the secondary assets', macro, and the synthesis on top."""

    primary: AssetAnalyses
    secondary: tuple[AssetAnalyses, ...]
    macro: Result
    bias: Result[BiasCall]
    crowding: Result[CrowdingCall]
    squeeze: Result[SqueezeHeuristic]
    market_makers: Result[MarketMakerRead]
    plan: Result[TradePlan]
    settings: AnalysisOptions
    calibration: Calibration = UNCALIBRATED


def _value(result: Result, attr: str):
    return getattr(result.value, attr, None) if result.value is not None else None


def _band(depth, band: float):
    """The aggregated ``BandDepth`` of ``band`` (fraction of mid), or None."""
    return next((b for b in depth.bands if abs(b.band_fraction - band) < 1e-12), None)


def _phase_label(structure: Result) -> str | None:
    call = structure.value.phase if structure.value else None
    return call.phase.value if call else None


def _reference_levels(structure: Result) -> list[ReferenceLevel]:
    s = structure.value
    if s is None:
        return []
    levels = [ReferenceLevel(s.range_high_usd, "range_high"), ReferenceLevel(s.range_low_usd, "range_low")]
    levels += [ReferenceLevel(e.price_usd, "equal_highs") for e in s.equal_highs if e.status == "intact"]
    levels += [ReferenceLevel(e.price_usd, "equal_lows") for e in s.equal_lows if e.status == "intact"]
    levels += [ReferenceLevel(sw.price_usd, "swing_high") for sw in s.swing_highs[-3:]]
    levels += [ReferenceLevel(sw.price_usd, "swing_low") for sw in s.swing_lows[-3:]]
    return levels


def analyze_asset(data: AssetData, snapshot: MarketSnapshot, options: AnalysisOptions) -> AssetAnalyses:
    """All per-asset analytics; each degrades to ``insufficient_data`` on its own."""
    as_of = snapshot.as_of
    price = reference_price(data, as_of=as_of)
    positioning = analyze_positioning(data, as_of=as_of)
    hourly = data.candles_for(market="perp", interval_s=HOUR_S) or data.candles_for(market="perp")
    if hourly is None:
        structure = Result.missing("no perp candles for this asset")
    else:
        structure = analyze_structure(
            hourly,
            as_of=as_of,
            oi_change_7d_fraction=_value(positioning, "oi_change_7d_fraction"),
            funding_1h=_value(positioning, "funding_oi_weighted_1h"),
            perp_cvd_7d_base=_value(positioning, "cvd_perp_7d_base"),
            spot_cvd_7d_base=_value(positioning, "cvd_spot_7d_base"),
        )
    spot = price.value.price_usd if price.value else None
    if data.options is None:
        chain = Result.missing("no option chain for this asset")
    else:
        chain = analyze_chain(data.options, as_of=as_of, spot_usd=spot, scenario=options.dealer_scenario)
    missing_price = Result.missing("no reference price")
    if spot is None:
        liq_map = depth = stops = exposure = down = up = missing_price
    else:
        candles_by_venue = {c.venue: c for c in data.candles if c.market == "perp"}
        liq_map = build_liquidation_map(
            data.open_interest,
            candles_by_venue,
            as_of=as_of,
            reference_price_usd=spot,
            reference_candles=hourly,
            params=LiquidationMapParams(),
        )
        depth = book_depth(data.books, mid_usd=spot) if data.books else Result.missing("no order books")
        stops = stop_clusters(_reference_levels(structure), price_usd=spot, liq_map=liq_map.value)
        exposure = cascade_exposure(liq_map.value, price_usd=spot) if liq_map.value else liq_map
        if liq_map.value is None or depth.value is None:
            down = up = Result.missing("the cascade simulation needs a liquidation map and order-book depth")
        else:
            book_model = depth.value
            down = simulate_cascade(
                liq_map.value,
                book_model,
                price_usd=spot,
                shock_fraction=options.cascade_shock_fraction,
                direction="down",
            )
            up = simulate_cascade(
                liq_map.value,
                book_model,
                price_usd=spot,
                shock_fraction=options.cascade_shock_fraction,
                direction="up",
            )
    realised = realised_liquidations(data.liquidations, as_of=as_of)
    return AssetAnalyses(
        data.asset, price, positioning, structure, chain, liq_map, depth, stops, exposure, down, up, realised
    )


def _btc_daily_close(snapshot: MarketSnapshot) -> DailySeries | None:
    """Last close (USD) of the BTC bars (spot, else perp) closing in each UTC day ``(D, D + 1]``, keyed by ``D``:
    pandas' ``resample("1D", label="left", closed="right").last()`` without the empty days."""
    btc = snapshot.assets.get("BTC")
    candles = None if btc is None else (btc.candles_for(market="spot") or btc.candles_for(market="perp"))
    if candles is None:
        return None
    known = candles.until(snapshot.as_of)
    close = np.asarray(known.close, dtype=float)
    close_ms = known.ts.astype("datetime64[ms]").astype(np.int64) + known.interval_s * 1000
    ok = ~np.isnan(close)
    if not ok.any():
        return None
    day_ms = DAY_S * 1000
    day = (close_ms[ok] - 1) // day_ms  # closed on the right: a close at midnight belongs to the day before
    last = np.flatnonzero(np.append(day[1:] != day[:-1], True))  # bars are sorted: the last bar of each day
    return DailySeries((day[last] * day_ms).astype("datetime64[ms]"), close[ok][last])


def _levels(a: AssetAnalyses) -> tuple[list[Level], list[Level]]:
    """Support and resistance candidates for the trade plan (named, USD)."""
    levels: list[Level] = []
    s = a.structure.value
    if s is not None:
        for name, v in s.avwap.items():
            levels.append(Level(v.vwap_usd, f"{name} AVWAP"))
        if s.profile is not None:
            levels += [
                Level(s.profile.poc_usd, "POC"),
                Level(s.profile.vah_usd, "VAH"),
                Level(s.profile.val_usd, "VAL"),
            ]
        levels += [Level(s.range_high_usd, "range high"), Level(s.range_low_usd, "range low")]
        levels += [Level(e.price_usd, "equal highs") for e in s.equal_highs if e.status == "intact"]
        levels += [Level(e.price_usd, "equal lows") for e in s.equal_lows if e.status == "intact"]
    o = a.options.value
    if o is not None:
        if o.all_expiries.call_wall_usd:
            levels.append(Level(o.all_expiries.call_wall_usd, "call wall"))
        if o.all_expiries.put_wall_usd:
            levels.append(Level(o.all_expiries.put_wall_usd, "put wall"))
    price = a.price.value.price_usd if a.price.value else None
    if price is None:
        return [], []
    return [lv for lv in levels if lv.price_usd < price], [lv for lv in levels if lv.price_usd > price]


def analyze_snapshot(
    snapshot: MarketSnapshot, options: AnalysisOptions | None = None, calibration: Calibration = UNCALIBRATED
) -> Analyses:
    """Analytics for the primary and secondary assets, macro regime, then synthesis rules."""
    options = options or AnalysisOptions()
    primary = analyze_asset(snapshot.asset(snapshot.primary), snapshot, options)
    secondary = tuple(analyze_asset(snapshot.asset(a), snapshot, options) for a in snapshot.secondary)
    macro = analyze_macro(snapshot.macro, _btc_daily_close(snapshot), as_of=snapshot.as_of)
    pos = primary.positioning.value
    quarter = primary.structure.value.avwap.get("quarter") if primary.structure.value else None
    price = primary.price.value.price_usd if primary.price.value else None
    opts = primary.options.value
    signals = {
        "macro.regime": _value(macro, "regime"),
        "structure.phase": _phase_label(primary.structure),
        "positioning.quadrant": pos.quadrant.quadrant.value if pos and pos.quadrant else None,
        "positioning.funding_zscore": _value(primary.positioning, "funding_zscore_30d"),
        "positioning.cvd_perp_24h_usd": _value(primary.positioning, "cvd_perp_24h_usd"),
        "structure.price_vs_avwap_quarter": (price / quarter.vwap_usd - 1.0) if (price and quarter) else None,
        "options.rr25": opts.all_expiries.rr25_30d if opts else None,
    }
    bias = decide_bias(signals)
    ls = {(r.venue, r.kind.value): r.long_share for r in pos.long_short} if pos else {}
    crowding = crowded_side(
        funding_zscore=_value(primary.positioning, "funding_zscore_30d"),
        funding_1h=_value(primary.positioning, "funding_oi_weighted_1h"),
        long_share_accounts=ls.get(("binance-usdm", "global_accounts")),
        long_share_top_positions=ls.get(("binance-usdm", "top_positions")),
    )
    exposure = primary.exposure.value
    squeeze = squeeze_heuristic(
        crowding_score=_value(crowding, "score"),
        long_liq_within_2pct_usd=exposure.long_below_usd.get(0.02) if exposure else None,
        short_liq_within_2pct_usd=exposure.short_above_usd.get(0.02) if exposure else None,
    )
    headline = opts.expiry(opts.headline_expiry) if opts else None
    depth = primary.depth.value
    mm = (
        read_market_makers(
            MarketMakerInputs(
                price_usd=price or 0.0,
                max_pain_usd=headline.max_pain_usd if headline else None,
                days_to_headline_expiry=headline.days_to_expiry if headline else None,
                net_gex_usd_per_1pct=opts.all_expiries.net_gex_usd_per_1pct if opts else None,
                gamma_flip_usd=opts.all_expiries.gamma_flip_usd if opts else None,
                liq_asymmetry=exposure.asymmetry.get(0.02) if exposure else None,
                book_imbalance=_band(depth, 0.01).imbalance if depth and _band(depth, 0.01) else None,
            )
        )
        if price
        else Result.missing("no reference price")
    )
    supports, resistances = _levels(primary)
    atr = primary.structure.value.atr_usd if primary.structure.value else None
    plan = (
        build_trade_plan(
            price_usd=price,
            atr_usd=atr,
            supports=supports,
            resistances=resistances,
            bias=_value(bias, "bias"),
            risk_fraction=options.risk_fraction,
        )
        if price
        else Result.missing("no reference price")
    )
    return Analyses(primary, secondary, macro, bias, crowding, squeeze, mm, plan, options, calibration)
