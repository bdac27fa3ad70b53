"""Phase 7 — Market Maker Strategy: expected behaviour from gamma, pin risk and liquidity asymmetry."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row
from derivintel.report.phases.record_section import RecordRow, record_metrics, record_sentence


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
    keys += _regime_record(ctx)
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
        summary = "No market-maker read: " + "; ".join(res.reasons) + "."
    else:
        headline = b.text("Expected behaviour: {mm.regime} hedging; sweep side {mm.sweep}.")
        summary = " ".join(f"{s[0].upper()}{s[1:]}." for s in mm.behaviours)
    reasoning = (
        "Rules: positive net GEX above the flip dampens moves, negative or below the flip amplifies them; a near "
        "expiry close to max pain raises pin risk; the larger modelled liquidation pool marks the sweep that pays."
    )
    summary += " " + _record_sentence(ctx)
    record_table = Table(
        columns=["Measured record, three days after the call", "Value", "Note"],
        rows=[
            row("Calls: dampening", b.cell("mm.regime_record.n_dampening"), ""),
            row("Calls: amplifying", b.cell("mm.regime_record.n_amplifying"), ""),
            row("Mean absolute move after dampening", b.cell("mm.regime_record.move_dampening"), ""),
            row("Mean absolute move after amplifying", b.cell("mm.regime_record.move_amplifying"), ""),
            row("Base: every three-day window of the same span", b.cell("mm.regime_record.move_base"), ""),
            row(
                "Amplifying minus dampening",
                b.cell("mm.regime_record.difference"),
                "bootstrap interval in the note",
            ),
        ],
    )
    return make_phase(
        ctx,
        number=7,
        title="Market Maker Strategy",
        headline=headline,
        summary=summary,
        tables=[table, record_table],
        reasoning=reasoning,
        keys=keys,
    )


def _regime_record(ctx: PhaseContext) -> list[str]:
    """The regime call's measured record (research/dealer_regime.py), or its absence with the reason."""
    rows = (
        RecordRow("mm.regime_record.n_dampening", "Regime record: dampening calls", lambda v: v.n_dampening, "count"),
        RecordRow(
            "mm.regime_record.n_amplifying", "Regime record: amplifying calls", lambda v: v.n_amplifying, "count"
        ),
        RecordRow(
            "mm.regime_record.move_dampening",
            "Mean 3d absolute move after dampening",
            lambda v: v.mean_abs_move_dampening,
            "share",
        ),
        RecordRow(
            "mm.regime_record.move_amplifying",
            "Mean 3d absolute move after amplifying",
            lambda v: v.mean_abs_move_amplifying,
            "share",
        ),
        RecordRow(
            "mm.regime_record.move_base", "Mean 3d absolute move, all windows", lambda v: v.base_mean_abs_move, "share"
        ),
    )
    difference = RecordRow(
        "mm.regime_record.difference",
        "Amplifying minus dampening, mean 3d absolute move",
        lambda v: v.difference,
        "fraction",
    )
    return record_metrics(ctx.book, ctx.analyses.calibration.dealer_regime_record, rows, difference)


def _record_sentence(ctx: PhaseContext) -> str:
    return record_sentence(
        ctx.book,
        ctx.analyses.calibration.dealer_regime_record,
        "regime call",
        "Measured record: {mm.regime_record.n_dampening} dampening and {mm.regime_record.n_amplifying} amplifying "
        "calls; mean 3d absolute move {mm.regime_record.move_dampening} after dampening, "
        "{mm.regime_record.move_amplifying} after amplifying (difference {mm.regime_record.difference}); ",
        "dampening calls were followed by smaller moves than amplifying calls",
    )
