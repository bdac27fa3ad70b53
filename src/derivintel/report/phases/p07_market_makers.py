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
    b = ctx.book
    rec = ctx.analyses.calibration.dealer_regime_record
    v = rec.value
    interval = None
    if v is not None and v.difference is not None:
        interval = (
            f"{v.ci_level:.0%} interval {v.ci_low:+.2%} to {v.ci_high:+.2%}; calls {v.first_call} to {v.last_call}"
        )
    return [
        b.add_result(
            "mm.regime_record.n_dampening", "Regime record: dampening calls", rec, v.n_dampening if v else None, "count"
        ),
        b.add_result(
            "mm.regime_record.n_amplifying",
            "Regime record: amplifying calls",
            rec,
            v.n_amplifying if v else None,
            "count",
        ),
        b.add_result(
            "mm.regime_record.move_dampening",
            "Mean 3d absolute move after dampening",
            rec,
            v.mean_abs_move_dampening if v else None,
            "share",
        ),
        b.add_result(
            "mm.regime_record.move_amplifying",
            "Mean 3d absolute move after amplifying",
            rec,
            v.mean_abs_move_amplifying if v else None,
            "share",
        ),
        b.add_result(
            "mm.regime_record.move_base",
            "Mean 3d absolute move, all windows",
            rec,
            v.base_mean_abs_move if v else None,
            "share",
        ),
        b.add(
            "mm.regime_record.difference",
            "Amplifying minus dampening, mean 3d absolute move",
            v.difference if v else None,
            "fraction",
            sources=rec.sources if v is not None and v.difference is not None else (),
            note=interval or "; ".join(rec.reasons) or None,
        ),
    ]


def _record_sentence(ctx: PhaseContext) -> str:
    rec = ctx.analyses.calibration.dealer_regime_record
    v = rec.value
    if v is None:
        return "The regime call has no measured record in this report (" + "; ".join(rec.reasons) + ")."
    if v.difference is None:
        return "The regime call's record is too thin to measure (" + "; ".join(rec.reasons) + ")."
    verdict = (
        "dampening calls were followed by smaller moves than amplifying calls"
        if v.ci_low > 0
        else "the record does not separate the regimes: the interval includes zero"
    )
    return (
        ctx.book.text(
            "Measured record: {mm.regime_record.n_dampening} dampening and {mm.regime_record.n_amplifying} amplifying "
            "calls; mean 3d absolute move {mm.regime_record.move_dampening} after dampening, "
            "{mm.regime_record.move_amplifying} after amplifying (difference {mm.regime_record.difference}); "
        )
        + verdict
        + "."
    )
