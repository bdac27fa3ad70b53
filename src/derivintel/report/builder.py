"""Build the ``Report`` model from a snapshot and its analyses. The only place phases are assembled."""

from __future__ import annotations

from datetime import datetime

from derivintel.assessment.analyze import Analyses
from derivintel.core.result import Status
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.report.charts import build_charts
from derivintel.report.freshness import collect_freshness
from derivintel.report.metric_book import MetricBook
from derivintel.report.model import GapEntry, Report
from derivintel.report.phases import (
    p01_macro,
    p02_structure,
    p03_positioning,
    p04_liquidity,
    p05_options,
    p06_cascade,
    p07_market_makers,
    p08_decision,
    p09_tactical,
    p10_risk,
)
from derivintel.report.phases.context import PhaseContext

SYNTHETIC_BANNER = "SYNTHETIC DEMO DATA: generated offline by a seeded model, not market data. Do not trade on it."
# Phases are built in dependency order (later phases reference earlier metrics in their text); printed by number.
BUILD_ORDER = (
    p01_macro,
    p02_structure,
    p03_positioning,
    p04_liquidity,
    p05_options,
    p06_cascade,
    p07_market_makers,
    p08_decision,
    p09_tactical,
    p10_risk,
)
STANDING_CAVEATS = (
    "USDT- and USDC-margined prices are treated as USD.",
    "Long/short ratios count accounts, except Binance top-trader position ratios, which weight by notional.",
    "Liquidation levels are a model of relative intensity from OI changes and assumed leverage, not observed "
    "positions.",
    "GEX assumes a dealer positioning scenario (stated in phase five); the sign of real dealer inventory is unknown.",
)
TLDR = (
    "{symbol} at {price.last} ({price.change_24h} over 24h). Open interest {positioning.oi.total_usd} "
    "({positioning.oi.change_24h_pct} over 24h on coin OI), quadrant {positioning.quadrant}; OI-weighted funding "
    "{positioning.funding.oi_weighted_1h}. Macro {macro.regime}; structure {structure.phase}. Options: max pain "
    "{options.max_pain} for {options.headline_expiry}, net GEX {options.net_gex_usd_per_1pct}. Decision: "
    "{decision.bias}."
)


def _limitations(snapshot: MarketSnapshot, analyses: Analyses) -> list[str]:
    items: list[str] = []
    if snapshot.synthetic:
        items.append(SYNTHETIC_BANNER)
    for gap in snapshot.gaps:
        scope = f" [{gap.asset}]" if getattr(gap, "asset", None) else ""
        items.append(f"Missing{scope}: {gap.label} ({gap.kind.value}): {gap.reason}")
    named = {
        "macro regime": analyses.macro,
        "bias": analyses.bias,
        "crowding": analyses.crowding,
        "market makers": analyses.market_makers,
        "trade plan": analyses.plan,
    }
    for a in (analyses.primary, *analyses.secondary):
        for name in (
            "price",
            "positioning",
            "structure",
            "options",
            "liquidation_map",
            "depth",
            "stops",
            "cascade_down",
            "cascade_up",
        ):
            named[f"{a.asset} {name.replace('_', ' ')}"] = getattr(a, name)
    for name, result in named.items():
        if result.status is not Status.OK and result.reasons:
            items.append(f"{name} ({result.status.value}): {'; '.join(result.reasons)}")
    for path in (analyses.primary.cascade_down.value, analyses.primary.cascade_up.value):
        if path is not None and path.assumptions:
            items.append(f"Cascade {path.direction} assumptions: {'; '.join(path.assumptions)}.")
    items.append("Squeeze figures are uncalibrated heuristics, not probabilities (no event-study history yet).")
    items.extend(STANDING_CAVEATS)
    return items


def build_report(
    snapshot: MarketSnapshot,
    analyses: Analyses,
    *,
    generated_at: datetime,
) -> Report:
    """Assemble the ten phases, TL;DR, limitations, gaps and freshness into a ``Report``."""
    book = MetricBook(snapshot.primary, snapshot.as_of)
    ctx = PhaseContext(snapshot=snapshot, analyses=analyses, book=book)
    phases = sorted((module.build(ctx) for module in BUILD_ORDER), key=lambda p: p.number)
    tldr = book.text(TLDR.replace("{symbol}", snapshot.primary))
    return Report(
        symbol=snapshot.primary,
        secondary=list(snapshot.secondary),
        as_of=snapshot.as_of,
        generated_at=generated_at,
        synthetic=snapshot.synthetic,
        banner=SYNTHETIC_BANNER if snapshot.synthetic else None,
        tldr=tldr,
        phases=phases,
        data_limitations=_limitations(snapshot, analyses),
        gaps=[
            GapEntry(source=g.label, kind=g.kind.value, reason=g.reason, asset=getattr(g, "asset", None))
            for g in snapshot.gaps
        ],
        freshness=collect_freshness(snapshot),
        parameters={
            "dealer_scenario": analyses.settings.dealer_scenario.value,
            "risk_fraction": analyses.settings.risk_fraction,
            "cascade_shock_fraction": analyses.settings.cascade_shock_fraction,
        },
        charts=build_charts(snapshot, analyses, book.all()),
    )
