"""Phase 8 — Trade Decision: bias from explicit rules, crowded side, liquidation targets, squeeze heuristic."""

from __future__ import annotations

from collections.abc import Mapping

from derivintel.core.result import Result
from derivintel.report.metric_book import MetricBook
from derivintel.report.model import Phase, Table
from derivintel.report.phases.bias_track_section import track_record_section
from derivintel.report.phases.context import PhaseContext, make_phase, row
from derivintel.synthesis.bias import SIGNAL_UNITS, BiasCall


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    an = ctx.analyses
    bias, crowd, squeeze = an.bias, an.crowding, an.squeeze
    keys = [
        b.add_result("decision.bias", "Bias", bias, bias.value.bias if bias.value else None, "label"),
        b.add_result("decision.score", "Bias score (−1 … +1)", bias, bias.value.score if bias.value else None, "score"),
        b.add_result(
            "decision.coverage",
            "Share of bias inputs available",
            bias,
            bias.value.coverage if bias.value else None,
            "share",
        ),
        b.add_result(
            "decision.crowded_side", "Crowded side", crowd, crowd.value.side if crowd.value else None, "label"
        ),
    ]
    lmap = an.primary.liquidation_map.value
    below = lmap.nearest_long_cluster if lmap else None
    above = lmap.nearest_short_cluster if lmap else None
    res_map = an.primary.liquidation_map
    keys += [
        b.add_result(
            "decision.long_liq_target",
            "Nearest long-liquidation cluster below",
            res_map,
            below.price_usd if below else None,
            "usd",
        ),
        b.add_result(
            "decision.long_liq_target_usd",
            "Its modelled notional",
            res_map,
            below.notional_usd if below else None,
            "usd_notional",
        ),
        b.add_result(
            "decision.short_liq_target",
            "Nearest short-liquidation cluster above",
            res_map,
            above.price_usd if above else None,
            "usd",
        ),
        b.add_result(
            "decision.short_liq_target_usd",
            "Its modelled notional",
            res_map,
            above.notional_usd if above else None,
            "usd_notional",
        ),
        b.add_result(
            "decision.short_squeeze_score",
            "Short-squeeze heuristic (uncalibrated)",
            squeeze,
            squeeze.value.short_squeeze_score if squeeze.value else None,
            "score",
        ),
        b.add_result(
            "decision.long_squeeze_score",
            "Long-squeeze heuristic (uncalibrated)",
            squeeze,
            squeeze.value.long_squeeze_score if squeeze.value else None,
            "score",
        ),
    ]
    cal_rows = []
    for side, res in (("short_squeeze", an.calibration.short_squeeze), ("long_squeeze", an.calibration.long_squeeze)):
        rate = res.value
        words = side.replace("_", " ")
        k_p = b.add(
            f"decision.{side}_probability",
            f"Measured {words} probability",
            rate.probability if rate else None,
            "share",
            sources=res.sources,
            note=rate.condition if rate else "; ".join(res.reasons),
        )
        k_n = b.add_result(
            f"decision.{side}_n",
            f"Events behind the {words} probability",
            res,
            rate.n_events if rate else None,
            "count",
        )
        k_lo = b.add_result(
            f"decision.{side}_ci_low", f"{words} probability, interval low", res, rate.ci_low if rate else None, "share"
        )
        k_hi = b.add_result(
            f"decision.{side}_ci_high",
            f"{words} probability, interval high",
            res,
            rate.ci_high if rate else None,
            "share",
        )
        k_base = b.add_result(
            f"decision.{side}_baseline",
            f"{words} unconditional rate",
            res,
            rate.baseline_probability if rate else None,
            "share",
        )
        keys += [k_p, k_n, k_lo, k_hi, k_base]
        cal_rows.append(
            row(
                words,
                b.cell(k_p),
                b.cell(k_lo),
                b.cell(k_hi),
                b.cell(k_n),
                b.cell(k_base),
                "" if rate else "no measured history",
            )
        )
    table = Table(
        columns=["Bias", "Score", "Crowded", "Liq target below", "Liq target above", "Short squeeze", "Long squeeze"],
        rows=[
            row(
                b.cell("decision.bias"),
                b.cell("decision.score"),
                b.cell("decision.crowded_side"),
                b.cell("decision.long_liq_target"),
                b.cell("decision.short_liq_target"),
                b.cell("decision.short_squeeze_score"),
                b.cell("decision.long_squeeze_score"),
            )
        ],
    )
    votes_table = _votes_table(b, bias, an.bias_inputs, keys)
    track_sentence, track_table = track_record_section(b, an.calibration.bias_track_record, keys)
    if bias.value is None:
        headline = "Decision: no call (insufficient inputs)."
        summary = "The bias is not called: " + "; ".join(bias.reasons) + "."
    else:
        headline = b.text("Decision: {decision.bias} (score {decision.score}).")
        summary = b.text(
            "Rules over macro, structure, positioning and options give {decision.bias} with {decision.coverage} of "
            "the inputs available. Crowded side: {decision.crowded_side}. Liquidation targets: "
            "{decision.long_liq_target} below ({decision.long_liq_target_usd}), {decision.short_liq_target} above "
            "({decision.short_liq_target_usd})."
        )
    summary += " " + track_sentence
    reasoning = (
        "Bias is a weighted vote of explicit rules, each piece of evidence once (the market phase is not a vote: "
        "its evidence votes directly); an anchored level votes only after a minimum of closed bars since its anchor; "
        "missing inputs are excluded, not neutral. Its track record replays the same rules at every stored bar "
        "close without look-ahead (stationary block bootstrap intervals). Squeeze scores are "
        "uncalibrated heuristics, not probabilities; a probability is shown only when measured on stored history, "
        "with its number of events and interval."
    )
    return make_phase(
        ctx,
        number=8,
        title="Trade Decision",
        headline=headline,
        summary=summary,
        tables=[table] + ([votes_table] if votes_table.rows else []) + ([track_table] if track_table else []),
        reasoning=reasoning,
        keys=keys,
    )


def _votes_table(
    b: MetricBook, bias: Result[BiasCall], inputs: Mapping[str, float | str | None], keys: list[str]
) -> Table:
    """One row per piece of evidence: its reading (value in its unit) and its vote, or why it is missing. Without a
    call (coverage below the minimum) the readings that exist are still shown, voting for nothing.
    Each reading is a metric ``decision.vote.<signal>.reading``."""
    call = bias.value
    gated = {r.split(" not counted: ", 1)[0] for r in bias.reasons if " not counted: " in r}
    if call is not None:
        shown = [
            (v.signal, v.value, "for" if v.vote > 0 else "against" if v.vote < 0 else "abstains", v.vote)
            for v in call.votes
        ]
        missing = list(call.missing)
    else:
        present = {s: v for s, v in inputs.items() if s in SIGNAL_UNITS and v is not None and s not in gated}
        shown = [(s, v, "no call: too few inputs", 0.0) for s, v in present.items()]
        missing = [s for s in SIGNAL_UNITS if s not in present]
    rows = []
    for signal, value, side, vote in shown:
        k = f"decision.vote.{signal}"
        unit = SIGNAL_UNITS.get(signal, "label" if isinstance(value, str) else "ratio")
        keys.append(b.add(f"{k}.reading", f"Bias input {signal}", value, unit))  # type: ignore[arg-type]
        strength = "" if vote == 0 or abs(vote) >= 1 else " (partly)"
        rows.append(row(signal, b.cell(f"{k}.reading"), side + strength))
    for name in missing:
        why = "too few closed bars since its anchor" if name in gated else "no reading"
        rows.append(row(name, "missing", f"excluded, not neutral: {why}"))
    return Table(columns=["Input", "Reading", "Vote"], rows=rows)
