"""Run every analytic and synthesis rule on a snapshot: ``MarketSnapshot → Analyses``. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from statistics import median
from typing import TYPE_CHECKING, Any, TypeVar

from derivintel.analytics.liquidity import (
    CascadeExposure,
    CascadeRange,
    DepthMap,
    LiquidationMap,
    LiquidationMapParams,
    ReferenceLevel,
    StopClusterMap,
    book_depth,
    build_liquidation_map,
    cascade_exposure,
    market_activity,
    simulate_cascade,
    stop_clusters,
)
from derivintel.analytics.liquidity.map_accuracy import MapAccuracy, current_map_accuracy
from derivintel.analytics.liquidity.observed_blend import BlendedLevels, blend_observed_levels
from derivintel.analytics.liquidity.observed_map import (
    NOT_COLLECTED,
    ModelOverlap,
    ObservedLiquidationMap,
    ObservedReading,
    analyze_observed,
)
from derivintel.analytics.liquidity.realised import RealisedLiquidations, realised_liquidations
from derivintel.analytics.liquidity.stop_clusters import reference_levels
from derivintel.analytics.macro import MacroRegime, analyze_macro
from derivintel.analytics.macro.correlation import DailySeries
from derivintel.analytics.options import ChainAnalysis, DealerScenario, analyze_chain
from derivintel.analytics.options.surface import VolSurface
from derivintel.analytics.options.surface_history import (
    Percentile,
    SurfaceHistory,
    WeekAgo,
    percentile,
    surface_of,
    week_ago,
)
from derivintel.analytics.options.trade_flow import InventoryGex, TradeFlow, dealer_inventory, inventory_gex, trade_flow
from derivintel.analytics.options.venues import CombinedBook, combined_book
from derivintel.analytics.positioning import Positioning, analyze_positioning
from derivintel.analytics.positioning.basis_curve import BasisCurve, basis_curve
from derivintel.analytics.price import PriceReference, daily_closes, reference_price
from derivintel.analytics.realised_vol import RealisedVol, realised_vol
from derivintel.analytics.structure import StructureAnalysis, analyze_structure
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import HOUR_S
from derivintel.domain.assets import OPTION_ASSETS
from derivintel.domain.margins import venue_family
from derivintel.domain.options import OptionChain
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.domain.venue import VenueId
from derivintel.sources.margins import VENUE_MARGINS
from derivintel.sources.roles import CROWDING_LONG_SHARE_VENUE, PRIMARY_OPTIONS_VENUE
from derivintel.sources.stream_notes import LIQUIDATION_SAMPLING
from derivintel.synthesis.bias import AVWAP_QUARTER_BARS, BiasCall, decide_bias
from derivintel.synthesis.crowding import CrowdingCall, SqueezeHeuristic, crowded_side, squeeze_heuristic
from derivintel.synthesis.market_maker import MarketMakerInputs, MarketMakerRead, read_market_makers
from derivintel.synthesis.plan_levels import PlanLevels, plan_levels
from derivintel.synthesis.trade_plan import PlanParams, TradePlan, build_trade_plan

if TYPE_CHECKING:  # the records' types only: research is a sibling layer, computed by the app layer
    from derivintel.research.bias_track import TrackRecord
    from derivintel.research.calibration import SqueezeBaseRate
    from derivintel.research.dealer_regime import RegimeRecord
    from derivintel.research.macro_record import MacroRecord
    from derivintel.research.phase_record import PhaseRecord
    from derivintel.research.plan_track import PlanRecord

V = TypeVar("V")  # the value type of a Result passed through a helper unchanged


# The modelled map's parameters: defaults, with every venue's declared maintenance margins.
MAP_PARAMS = LiquidationMapParams(margins=VENUE_MARGINS)


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """User-facing parameters of a report run."""

    risk_fraction: float = 0.01  # overrides plan.risk_fraction
    plan: PlanParams = field(default_factory=PlanParams)
    dealer_scenario: DealerScenario = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS
    cascade_shock_fraction: float = 0.02


NO_TRACK_RECORD: Result[TrackRecord] = Result.missing("no track record: no stored history")
NO_REGIME_RECORD: Result[RegimeRecord] = Result.missing("no measured record: no stored option chains and candles")
NO_MACRO_RECORD: Result[MacroRecord] = Result.missing("no measured record: no stored macro series and BTC closes")
NO_PLAN_RECORD: Result[PlanRecord] = Result.missing("no measured record: no stored perp candles")
NO_PHASE_RECORD: Result[PhaseRecord] = Result.missing("no measured record: no stored perp candles")


@dataclass(frozen=True, eq=False)
class Calibration:
    """Measured base rates from stored history (computed by the app layer, which does the I/O)."""

    short_squeeze: Result[SqueezeBaseRate]
    long_squeeze: Result[SqueezeBaseRate]
    bias_track_record: Result[TrackRecord] = NO_TRACK_RECORD
    dealer_regime_record: Result[RegimeRecord] = NO_REGIME_RECORD
    macro_regime_record: Result[MacroRecord] = NO_MACRO_RECORD
    # Stored key points of the surface (30d RR25, 30d VRP …) for "now vs a week ago" and the VRP percentile.
    surface_history: SurfaceHistory | None = None
    # research.plan_track: the trade plan replayed weekly on stored candles
    plan_record: Result[PlanRecord] = NO_PLAN_RECORD
    # research.phase_record: the market phase call, from the same replay
    phase_record: Result[PhaseRecord] = NO_PHASE_RECORD


UNCALIBRATED = Calibration(
    Result.missing("uncalibrated: no history given"), Result.missing("uncalibrated: no history given")
)


NO_OPTION_VENUES: Result[CombinedBook] = Result.missing("no option chain from any venue")
OBSERVED_NOT_COLLECTED: Result[ObservedLiquidationMap] = Result.missing(NOT_COLLECTED)
OVERLAP_NOT_COLLECTED: Result[ModelOverlap] = Result.missing(NOT_COLLECTED)


@dataclass(frozen=True, eq=False)
class AssetAnalyses:
    """Every analytic result for one asset, each typed by the analytic that produced it."""

    asset: str
    price: Result[PriceReference]
    positioning: Result[Positioning]
    structure: Result[StructureAnalysis]
    options: Result[ChainAnalysis]
    liquidation_map: Result[LiquidationMap]
    depth: Result[DepthMap]
    stops: Result[StopClusterMap]
    exposure: Result[CascadeExposure]
    cascade_down: Result[CascadeRange]
    cascade_up: Result[CascadeRange]
    realised: Result[RealisedLiquidations]
    surface: Result[VolSurface]
    realised_vol_7d: Result[RealisedVol]
    realised_vol_30d: Result[RealisedVol]
    map_accuracy: Result[MapAccuracy] = field(default=Result.missing("map accuracy not computed"))
    observed_map: Result[ObservedLiquidationMap] = OBSERVED_NOT_COLLECTED
    model_overlap: Result[ModelOverlap] = OVERLAP_NOT_COLLECTED
    # Observed levels used by the cascade (Phase 6) in place of part of the model; missing: model alone.
    cascade_levels: Result[BlendedLevels] = field(default=Result.missing("no observed positions"))
    basis_curve: Result[BasisCurve] = field(default=Result.missing("basis curve not computed"))
    # Every option venue's chain analyzed as Deribit's is (venue → result; Deribit's is ``options``), and the
    # venues side by side with their combined book.
    venue_options: Mapping[VenueId, Result[ChainAnalysis]] = field(default_factory=dict)
    options_venues: Result[CombinedBook] = NO_OPTION_VENUES
    trade_flow: Result[TradeFlow] = field(default=Result.missing("no option trades for this asset"))
    inventory_gex: Result[InventoryGex] = field(default=Result.missing("no option trades for this asset"))
    rr25_30d_week_ago: Result[WeekAgo] = field(default=Result.missing("no stored surface history"))
    vrp_30d_percentile: Result[Percentile] = field(default=Result.missing("no stored surface history"))


@dataclass(frozen=True, eq=False)
class Analyses:
    """The primary asset's analytics, the secondary assets', macro, and the synthesis on top."""

    primary: AssetAnalyses
    secondary: tuple[AssetAnalyses, ...]
    macro: Result[MacroRegime]
    bias: Result[BiasCall]
    crowding: Result[CrowdingCall]
    squeeze: Result[SqueezeHeuristic]
    market_makers: Result[MarketMakerRead]
    plan: Result[TradePlan]
    settings: AnalysisOptions
    calibration: Calibration = UNCALIBRATED
    bias_inputs: Mapping[str, float | str | None] = field(default_factory=dict)  # readings the bias was given


def _with_reasons(result: Result[V], extra: Result[Any]) -> Result[V]:
    """``result`` with ``extra``'s sources and reasons appended (partial when ``extra`` has reasons)."""
    if result.value is None:
        return result
    return Result.of(
        result.value,
        sources=(*result.sources, *extra.sources),
        params=result.params,
        reasons=(*result.reasons, *extra.reasons),
        partial=bool(result.reasons or extra.reasons),
    )


def _band(depth, band: float):
    """The aggregated ``BandDepth`` of ``band`` (fraction of mid), or None."""
    return next((b for b in depth.bands if abs(b.band_fraction - band) < 1e-12), None)


def _reference_levels(structure: Result[StructureAnalysis]) -> list[ReferenceLevel]:
    """The structure's reference levels (``stop_clusters.reference_levels``), none without a structure."""
    return reference_levels(structure.value) if structure.value is not None else []


def analyze_asset(data: AssetData, snapshot: MarketSnapshot, options: AnalysisOptions) -> AssetAnalyses:
    """All per-asset analytics; each degrades to ``insufficient_data`` on its own."""
    as_of = snapshot.as_of
    price = reference_price(data, as_of=as_of)
    positioning = analyze_positioning(data, as_of=as_of)
    pos = positioning.value
    hourly = data.candles_for(market="perp", interval_s=HOUR_S) or data.candles_for(market="perp")
    if hourly is None:
        structure = Result.missing("no perp candles for this asset")
    else:
        structure = analyze_structure(
            hourly,
            as_of=as_of,
            oi_change_7d_fraction=pos.oi_change_7d_fraction if pos is not None else None,
            funding_1h=pos.funding_oi_weighted_1h if pos is not None else None,
            perp_cvd_7d_base=pos.cvd_perp_7d_base if pos is not None else None,
            spot_cvd_7d_base=pos.cvd_spot_7d_base if pos is not None else None,
        )
    spot = price.value.price_usd if price.value else None
    if data.options is None:
        chain = Result.missing(
            "no option chain for this asset"
            if data.asset in OPTION_ASSETS
            else f"no listed options for {data.asset} (options are read for {', '.join(sorted(OPTION_ASSETS))} only)"
        )
    else:
        chain = analyze_chain(data.options, as_of=as_of, spot_usd=spot, scenario=options.dealer_scenario)
    missing_price = Result.missing("no reference price")
    observed = _observed(data, spot, hourly, as_of)
    blend: Result[BlendedLevels] = missing_price
    if spot is None:
        liq_map = depth = stops = exposure = down = up = accuracy = missing_price
    else:
        candles_by_venue = {c.venue: c for c in data.candles if c.market == "perp"}
        liq_map = build_liquidation_map(
            data.open_interest,
            candles_by_venue,
            as_of=as_of,
            reference_price_usd=spot,
            reference_candles=hourly,
            params=MAP_PARAMS,
        )
        depth = book_depth(data.books, mid_usd=spot) if data.books else Result.missing("no order books")
        stops = (
            stop_clusters(
                _reference_levels(structure), price_usd=spot, liq_map=liq_map.value, candles=hourly, as_of=as_of
            )
            if hourly is not None
            else Result.missing("no perp candles: structure levels unknown")
        )
        blend = _cascade_levels(liq_map, observed)
        cascade_map = blend.value.map if blend.value is not None else liq_map.value
        exposure = cascade_exposure(cascade_map, price_usd=spot) if cascade_map is not None else liq_map
        accuracy = current_map_accuracy(
            data.open_interest,
            candles_by_venue,
            data.liquidations,
            as_of=as_of,
            reference_candles=hourly,
            params=MAP_PARAMS,
            sampled=LIQUIDATION_SAMPLING,
        )
        activity = market_activity(data.candles, as_of=as_of, sigma_candles=hourly)
        if cascade_map is None or depth.value is None:
            down = up = Result.missing("the cascade model needs a liquidation map and order-book depth")
        elif activity.value is None:
            down = up = Result.missing(*(f"cascade model: {r}" for r in activity.reasons))
        else:
            down, up = (
                simulate_cascade(
                    cascade_map,
                    depth.value,
                    activity.value,
                    price_usd=spot,
                    shock_fraction=options.cascade_shock_fraction,
                    direction=direction,
                )
                for direction in ("down", "up")
            )
            down, up = (_with_reasons(r, activity) for r in (down, up))  # σ/V sources, venues left out
    realised = realised_liquidations(data.liquidations, as_of=as_of, sampled=LIQUIDATION_SAMPLING)
    surface = (
        surface_of(chain.value, chain.sources)
        if chain.value is not None
        else Result.missing("no option chain analysis")
    )
    no_candles = Result.missing("no perp candles for this asset")
    rv7 = realised_vol(hourly, as_of=as_of, window=timedelta(days=7)) if hourly is not None else no_candles
    rv30 = realised_vol(hourly, as_of=as_of, window=timedelta(days=30)) if hourly is not None else no_candles
    venue_chains, venue_results = _option_venues(data, chain, spot, as_of, options.dealer_scenario)
    flow, inventory = _flow(data, as_of)
    return AssetAnalyses(
        data.asset, price, positioning, structure, chain, liq_map, depth, stops, exposure, down, up, realised,
        surface, rv7, rv30, accuracy, observed_map=observed.observed_map, model_overlap=observed.model_overlap,
        cascade_levels=blend,
        basis_curve=_basis_curve(data, price),
        venue_options={v: r for v, r in venue_results.items() if v != PRIMARY_OPTIONS_VENUE},
        options_venues=(
            combined_book(venue_chains, venue_results, as_of=as_of, spot_usd=spot, scenario=options.dealer_scenario)
            if venue_chains
            else NO_OPTION_VENUES
        ),
        trade_flow=flow, inventory_gex=inventory,
    )  # fmt: skip


def _cascade_levels(liq_map: Result[LiquidationMap], observed: ObservedReading) -> Result[BlendedLevels]:
    """The cascade's levels: the modelled map with the observed venue's covered share replaced by its observed
    positions, when coverage passes ``MIN_OBSERVED_COVERAGE_FRAC``; missing with the reason otherwise."""
    if liq_map.value is None:
        return Result.missing("no modelled liquidation map")
    if observed.observed_map.value is None:
        return Result.missing(*observed.observed_map.reasons)
    if observed.venue_map.value is None:
        return Result.missing(*(f"no modelled map of the observed venue: {r}" for r in observed.venue_map.reasons))
    blend = blend_observed_levels(liq_map.value, observed.venue_map.value, observed.observed_map.value)
    if blend.value is None:
        return blend
    sources = (*liq_map.sources, *observed.observed_map.sources)
    return Result(blend.value, blend.status, blend.reasons, blend.params, sources)


def _basis_curve(data: AssetData, price: Result[PriceReference]) -> Result[BasisCurve]:
    """The dated-futures curve. Futures without their venue's index are compared with the median of the perps'
    spot indices (USD), else with the reference price."""
    indexed = [p for p in data.perps if p.index_price_usd]
    if indexed:
        ref: float | None = float(median(p.index_price_usd for p in indexed if p.index_price_usd))
        ref_sources = tuple(p.source for p in indexed)
    else:
        ref = price.value.price_usd if price.value else None
        ref_sources = price.sources
    return basis_curve(data.futures, reference_spot_usd=ref, reference_sources=ref_sources)


def _option_venues(data: AssetData, primary: Result[ChainAnalysis], spot: float | None, as_of, scenario):
    """Every venue's chain (the primary chain, ``AssetData.options``, first under ``PRIMARY_OPTIONS_VENUE``) and its
    ``analyze_chain`` result; the primary chain's result is reused."""
    chains: dict[VenueId, OptionChain] = {PRIMARY_OPTIONS_VENUE: data.options} if data.options is not None else {}
    chains.update(data.venue_options)
    results = {
        v: primary if v == PRIMARY_OPTIONS_VENUE else analyze_chain(c, as_of=as_of, spot_usd=spot, scenario=scenario)
        for v, c in chains.items()
    }
    return chains, results


def _flow(data: AssetData, as_of) -> tuple[Result[TradeFlow], Result[InventoryGex]]:
    """Customer flow over the last 24 h and the GEX of the dealer inventory estimated from the trades since the
    record's stated start (``OptionTrades.covered_from``) on the current chain."""
    trades = data.option_trades
    if trades is None:
        missing = Result.missing("no option trades for this asset")
        return missing, missing
    flow = trade_flow(trades, as_of=as_of)
    if trades.covered_from is None:
        return flow, Result.missing("the trade record does not state from when it is complete")
    if data.options is None:
        return flow, Result.missing("no option chain to value the inventory on")
    until = min(as_of, trades.source.fetched_at)
    inventory = dealer_inventory(trades, since=trades.covered_from, until=until)
    return flow, inventory_gex(inventory, data.options, as_of=as_of)


def regime_gex(a: AssetAnalyses) -> tuple[float | None, float | None, str]:
    """The GEX that drives the regime call, the flip that goes with it, and which one it is: the flow-based GEX
    (measured signs) when the inventory passes its history and coverage rule, else the fixed-scenario GEX and its
    flip (the flow-based inventory has no swept flip)."""
    inv = a.inventory_gex.value
    if inv is not None and inv.gex_usd_per_1pct is not None:
        return inv.gex_usd_per_1pct, None, "flow"
    opts = a.options.value
    if opts is None:
        return None, None, "scenario"
    return opts.all_expiries.net_gex_usd_per_1pct, opts.all_expiries.gamma_flip_usd, "scenario"


def with_history(a: AssetAnalyses, history: SurfaceHistory | None, as_of) -> AssetAnalyses:
    """``a`` with the 30d RR25 against a week ago and the 30d VRP percentile, from the stored history."""
    if history is None:
        return a
    surf = a.surface.value
    opts = a.options.value
    rv30 = a.realised_vol_30d.value
    atm30 = opts.all_expiries.atm_iv_30d if opts else None
    vrp = atm30 - rv30.close_to_close if atm30 is not None and rv30 is not None else None
    sources = (history.source,) if history.source is not None else ()
    rr = week_ago(history.get("rr25_30d"), surf.rr25(30.0) if surf else None, as_of=as_of)
    pct = percentile(history.get("vrp_30d"), vrp, as_of=as_of)
    return replace(
        a,
        rr25_30d_week_ago=_sourced(rr, (*a.surface.sources, *sources)),
        vrp_30d_percentile=_sourced(pct, (*a.options.sources, *a.realised_vol_30d.sources, *sources)),
    )


def _sourced(result: Result[V], sources: Iterable[Source]) -> Result[V]:
    if result.value is None:
        return result
    return Result.of(result.value, sources=tuple(sources), params=result.params, reasons=result.reasons)


def _observed(data: AssetData, spot: float | None, hourly, as_of) -> ObservedReading:
    """Observed Hyperliquid liquidation levels, and their overlap with the model run on Hyperliquid alone."""
    if data.observed_positions is None or spot is None:
        return analyze_observed(
            data.observed_positions,
            as_of=as_of,
            reference_price_usd=spot,
            oi_base=None,
            modelled_venue_map=Result.missing(),
        )
    venue = data.observed_positions.venue
    perp = next((p for p in data.perps if p.venue == venue), None)
    oi = [s for s in data.open_interest if s.venue == venue]
    venue_map = (
        build_liquidation_map(
            oi,
            {c.venue: c for c in data.candles if c.market == "perp" and c.venue == venue},
            as_of=as_of,
            reference_price_usd=spot,
            reference_candles=hourly,
            params=MAP_PARAMS,
        )
        if oi
        else Result.missing(f"no {venue} open-interest history")
    )
    return analyze_observed(
        data.observed_positions,
        as_of=as_of,
        reference_price_usd=spot,
        oi_base=perp.oi_base if perp else None,
        modelled_venue_map=venue_map,
    )


def _btc_daily_close(snapshot: MarketSnapshot) -> DailySeries | None:
    """Last close (USD) of the BTC bars (spot, else perp) closing in each UTC day ``(D, D + 1]``, keyed by ``D``:
    pandas' ``resample("1D", label="left", closed="right").last()`` without the empty days."""
    btc = snapshot.assets.get("BTC")
    candles = None if btc is None else (btc.candles_for(market="spot") or btc.candles_for(market="perp"))
    if candles is None:
        return None
    return daily_closes(candles, until=snapshot.as_of)


def _plan_levels(a: AssetAnalyses) -> PlanLevels:
    """The trade plan's levels from this asset's analytics (``synthesis.plan_levels``)."""
    return plan_levels(a.structure.value, a.options.value, a.stops.value, a.liquidation_map.value)


def bias_signals(primary: AssetAnalyses, macro: Result[MacroRegime]) -> dict[str, float | str | None]:
    """The bias inputs (``synthesis.bias`` signal names) read from the primary asset's analytics and macro."""
    pos = primary.positioning.value
    quarter = primary.structure.value.avwap.get("quarter") if primary.structure.value else None
    price = primary.price.value.price_usd if primary.price.value else None
    opts = primary.options.value
    return {
        "macro.regime": macro.value.regime if macro.value is not None else None,
        "positioning.quadrant": pos.quadrant.quadrant.value if pos and pos.quadrant else None,
        "positioning.funding_zscore": pos.funding_zscore_30d if pos is not None else None,
        "positioning.cvd_perp_24h_usd": pos.cvd_perp_24h_usd if pos is not None else None,
        "structure.price_vs_avwap_quarter": (price / quarter.vwap_usd - 1.0) if (price and quarter) else None,
        AVWAP_QUARTER_BARS: quarter.bars_used if quarter else None,
        "options.rr25": opts.all_expiries.rr25_30d if opts else None,
    }


def analyze_snapshot(
    snapshot: MarketSnapshot, options: AnalysisOptions | None = None, calibration: Calibration = UNCALIBRATED
) -> Analyses:
    """Analytics for the primary and secondary assets, macro regime, then synthesis rules."""
    options = options or AnalysisOptions()
    primary = with_history(
        analyze_asset(snapshot.asset(snapshot.primary), snapshot, options), calibration.surface_history, snapshot.as_of
    )
    secondary = tuple(analyze_asset(snapshot.asset(a), snapshot, options) for a in snapshot.secondary)
    macro = analyze_macro(snapshot.macro, _btc_daily_close(snapshot), as_of=snapshot.as_of)
    pos = primary.positioning.value
    price = primary.price.value.price_usd if primary.price.value else None
    opts = primary.options.value
    signals = bias_signals(primary, macro)
    bias = decide_bias(signals)
    # Binance's shares, found by venue family: the live parsers name the venue ``binance``, the demo and stored
    # dumps ``binance-usdm``.
    ls = {(venue_family(r.venue), r.kind.value): r.long_share for r in pos.long_short} if pos else {}
    crowding = crowded_side(
        funding_zscore=pos.funding_zscore_30d if pos is not None else None,
        funding_1h=pos.funding_oi_weighted_1h if pos is not None else None,
        long_share_accounts=ls.get((CROWDING_LONG_SHARE_VENUE, "global_accounts")),
        long_share_top_positions=ls.get((CROWDING_LONG_SHARE_VENUE, "top_positions")),
    )
    exposure = primary.exposure.value
    squeeze = squeeze_heuristic(
        crowding_score=crowding.value.score if crowding.value is not None else None,
        long_liq_within_2pct_usd=exposure.long_below_usd.get(0.02) if exposure else None,
        short_liq_within_2pct_usd=exposure.short_above_usd.get(0.02) if exposure else None,
    )
    headline = opts.expiry(opts.headline_expiry) if opts else None
    depth = primary.depth.value
    gex, flip, _driver = regime_gex(primary)
    mm = (
        read_market_makers(
            MarketMakerInputs(
                price_usd=price or 0.0,
                max_pain_usd=headline.max_pain_usd if headline else None,
                days_to_headline_expiry=headline.days_to_expiry if headline else None,
                net_gex_usd_per_1pct=gex,
                gamma_flip_usd=flip,
                long_liq_below_usd=exposure.long_below_usd.get(0.02) if exposure else None,
                short_liq_above_usd=exposure.short_above_usd.get(0.02) if exposure else None,
                book_imbalance=_band(depth, 0.01).imbalance if depth and _band(depth, 0.01) else None,
            )
        )
        if price
        else Result.missing("no reference price")
    )
    levels = _plan_levels(primary)
    atr = primary.structure.value.atr_usd if primary.structure.value else None
    plan = (
        build_trade_plan(
            price_usd=price,
            atr_usd=atr,
            entry_levels=levels.entries,
            target_levels=levels.targets,
            bias=bias.value.bias if bias.value is not None else None,
            params=replace(options.plan, risk_fraction=options.risk_fraction),
        )
        if price
        else Result.missing("no reference price")
    )
    return Analyses(primary, secondary, macro, bias, crowding, squeeze, mm, plan, options, calibration, signals)
