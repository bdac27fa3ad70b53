"""Phase 7 — Market Maker Strategy: expected behaviour from gamma, pin risk and liquidity asymmetry."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    res = ctx.analyses.market_makers
    mm = res.value
    keys = [
        b.add_result("mm.regime", "Dealer hedging regime", res, mm.regime if mm else None, "label"),
        b.add_result("mm.pin_risk", "Pin risk into the headline expiry", res, mm.pin_risk if mm else None, "label"),
        b.add_result(
            "mm.sweep", "Sweep more profitable", res, (mm.sweep_direction or "no clear side") if mm else None, "label"
        ),
    ]
    table = Table(
        columns=["Input", "Reading"],
        rows=[
            row("Hedging regime", b.cell("mm.regime")),
            row("Net GEX", b.cell("options.net_gex_usd_per_1pct")),
            row("Gamma flip", b.cell("options.gamma_flip")),
            row("Max pain (headline)", b.cell("options.max_pain")),
            row("Pin risk", b.cell("mm.pin_risk")),
            row("Liquidation asymmetry within two percent", b.cell("cascade.asymmetry_2pct")),
            row("Sweep side", b.cell("mm.sweep")),
        ],
    )
    if mm is None:
        headline = "Expected behaviour: not available."
        summary = "No market-maker read: " + "; ".join(res.reasons)
    else:
        headline = b.text("Expected behaviour: {mm.regime} hedging; sweep side {mm.sweep}.")
        summary = " ".join(f"{s[0].upper()}{s[1:]}." for s in mm.behaviours)
    reasoning = (
        "Rules: positive net GEX above the flip dampens moves, negative or below the flip amplifies them; a near "
        "expiry close to max pain raises pin risk; the larger modelled liquidation pool marks the sweep that pays."
    )
    return make_phase(
        ctx,
        number=7,
        title="Market Maker Strategy",
        headline=headline,
        summary=summary,
        tables=[table],
        reasoning=reasoning,
        keys=keys,
    )
