"""Build the ``Report`` model from a snapshot and its analyses. The only place phases are assembled."""

from __future__ import annotations

from datetime import datetime

from derivintel.assessment.analyze import Analyses
from derivintel.core.result import Result, Status
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.report.charts import build_charts
from derivintel.report.freshness import collect_freshness
from derivintel.report.metric_book import MetricBook
from derivintel.report.model import GapEntry, Metric, Phase, Report
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
# The phases, printed by number. Their order of building does not matter: every phase registers its metrics first, and
# the text templates citing metrics (of any phase) are rendered after all phases are built (``_render``).
PHASES = (
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
# The TL;DR of an asset without an option chain: says so instead of printing n/a figures.
TLDR_NO_OPTIONS = TLDR.replace(
    "Options: max pain {options.max_pain} for {options.headline_expiry}, net GEX {options.net_gex_usd_per_1pct}.",
    "Options: none read: {reason}.",
)


def _limitations(snapshot: MarketSnapshot, analyses: Analyses) -> list[str]:
    items: list[str] = []
    if snapshot.synthetic:
        items.append(SYNTHETIC_BANNER)
    for gap in snapshot.gaps:
        scope = f" [{gap.asset}]" if gap.asset else ""
        items.append(f"Missing{scope}: {gap.label} ({gap.kind.value}): {gap.reason}")
    named = {
        "macro regime": analyses.macro,
        "bias": analyses.bias,
        "crowding": analyses.crowding,
        "market makers": analyses.market_makers,
        "trade plan": analyses.plan,
    }
    for a in (analyses.primary, *analyses.secondary):
        per_asset: dict[str, Result] = {
            "price": a.price,
            "positioning": a.positioning,
            "structure": a.structure,
            "options": a.options,
            "option venues": a.options_venues,
            "liquidation map": a.liquidation_map,
            "depth": a.depth,
            "stops": a.stops,
            "cascade down": a.cascade_down,
            "cascade up": a.cascade_up,
            "basis curve": a.basis_curve,
        }
        named.update({f"{a.asset} {name}": result for name, result in per_asset.items()})
    for name, result in named.items():
        if result.status is not Status.OK and result.reasons:
            items.append(f"{name} ({result.status.value}): {'; '.join(result.reasons)}")
    for path in (analyses.primary.cascade_down.value, analyses.primary.cascade_up.value):
        if path is not None and path.assumptions:
            items.append(f"Cascade {path.direction} assumptions: {'; '.join(path.assumptions)}.")
    items.append("Squeeze figures are uncalibrated heuristics, not probabilities (no event-study history yet).")
    items.extend(STANDING_CAVEATS)
    return items


def _render(book: MetricBook, phase: Phase) -> Phase:
    """``phase`` with the templates of its headline, summary and reasoning filled in from the complete book; every
    metric its tables cite must exist (``KeyError`` otherwise)."""
    for table in phase.tables:
        for c in (c for cells in table.rows for c in cells):
            if c.text is not None and book.has_template(c.text):
                raise ValueError(f"phase {phase.number}: a table cell holds a metric template; cite the metric")
            if c.metric is not None and c.metric not in book:
                raise KeyError(c.metric)
    return phase.model_copy(
        update={
            "headline": book.render(phase.headline),
            "summary": book.render(phase.summary),
            "reasoning": book.render(phase.reasoning),
        }
    )


def _by_phase(metrics: list[Metric], phases: list[Phase]) -> list[Metric]:
    """``metrics`` grouped by the number of the phase that owns them, in registration order within a phase (the
    same order whatever order the phases were built in)."""
    number = {m.key: p.number for p in phases for m in p.metrics}
    return sorted(metrics, key=lambda m: number.get(m.key, len(phases) + 1))


def build_report(
    snapshot: MarketSnapshot,
    analyses: Analyses,
    *,
    generated_at: datetime,
) -> Report:
    """Assemble the ten phases, TL;DR, limitations, gaps and freshness into a ``Report``."""
    book = MetricBook(snapshot.primary, snapshot.as_of)
    ctx = PhaseContext(snapshot=snapshot, analyses=analyses, book=book)
    drafts = [module.build(ctx) for module in PHASES]  # every metric is registered once all phases are built
    phases = sorted((_render(book, p) for p in drafts), key=lambda p: p.number)
    chain = analyses.primary.options
    template = TLDR if chain.value is not None else TLDR_NO_OPTIONS.replace("{reason}", "; ".join(chain.reasons))
    tldr = book.render(book.text(template.replace("{symbol}", snapshot.primary)))
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
        gaps=[GapEntry(source=g.label, kind=g.kind.value, reason=g.reason, asset=g.asset) for g in snapshot.gaps],
        freshness=collect_freshness(snapshot),
        parameters={
            "dealer_scenario": analyses.settings.dealer_scenario.value,
            "risk_fraction": analyses.settings.risk_fraction,
            "cascade_shock_fraction": analyses.settings.cascade_shock_fraction,
        },
        charts=build_charts(snapshot, analyses, _by_phase(book.all(), phases)),
    )
