"""Phase 2 — Market Structure: anchored VWAPs, volume profile, range, equal highs/lows, phase."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row
from derivintel.report.phases.record_section import RecordRow, record_metrics, record_sentence

AVWAP_ANCHORS = ("week", "month", "quarter", "year", "cycle_high")
PRICE_METHOD = {"median_mark": "Last (median of venue marks)", "last_close": "Last closed bar's close"}


def _nearest(levels, price: float, above: bool):
    pool = [lv for lv in levels if lv.status == "intact" and ((lv.price_usd > price) == above)]
    return min(pool, key=lambda lv: abs(lv.price_usd - price)) if pool else None


def build(ctx: PhaseContext) -> Phase:
    a = ctx.analyses.primary
    b = ctx.book
    price_res = a.price
    b.add_result("price.last", "Last price", price_res, price_res.value.price_usd if price_res.value else None, "usd")
    pos = a.positioning.value
    b.add_result(
        "price.change_24h",
        "Price change 24h",
        a.positioning,
        pos.price_change_24h_fraction if pos else None,
        "fraction",
        sources=pos.sources.get("price", ()) if pos else (),
    )
    res = a.structure
    s = res.value
    keys = ["price.last", "price.change_24h"]
    for name in AVWAP_ANCHORS:
        v = s.avwap.get(name) if s else None
        keys.append(b.add_result(f"structure.avwap.{name}", f"AVWAP {name}", res, v.vwap_usd if v else None, "usd"))
    q = s.avwap.get("quarter") if s else None
    keys.append(
        b.add_result("structure.avwap.quarter_lower1", "Quarter AVWAP −1σ", res, q.lower1_usd if q else None, "usd")
    )
    keys.append(
        b.add_result("structure.avwap.quarter_upper1", "Quarter AVWAP +1σ", res, q.upper1_usd if q else None, "usd")
    )
    prof = s.profile if s else None
    keys.append(b.add_result("structure.poc", "Volume profile POC", res, prof.poc_usd if prof else None, "usd"))
    keys.append(b.add_result("structure.vah", "Value area high", res, prof.vah_usd if prof else None, "usd"))
    keys.append(b.add_result("structure.val", "Value area low", res, prof.val_usd if prof else None, "usd"))
    keys.append(b.add_result("structure.range_high", "Range high", res, s.range_high_usd if s else None, "usd"))
    keys.append(b.add_result("structure.range_low", "Range low", res, s.range_low_usd if s else None, "usd"))
    price = price_res.value.price_usd if price_res.value else None
    eqh = _nearest(s.equal_highs, price, True) if (s and price) else None
    eql = _nearest(s.equal_lows, price, False) if (s and price) else None
    keys.append(
        b.add_result(
            "structure.equal_highs", "Nearest intact equal highs above", res, eqh.price_usd if eqh else None, "usd"
        )
    )
    keys.append(
        b.add_result(
            "structure.equal_lows", "Nearest intact equal lows below", res, eql.price_usd if eql else None, "usd"
        )
    )
    keys.append(b.add_result("structure.atr", "ATR (14 bars)", res, s.atr_usd if s else None, "usd"))
    call = s.phase if s else None
    keys.append(b.add_result("structure.phase", "Market phase", res, call.phase.value if call else None, "label"))
    keys.append(
        b.add_result("structure.phase_confidence", "Phase confidence", res, call.confidence if call else None, "share")
    )

    table = Table(
        columns=["Level", "Type", "Price", "Status"],
        rows=[
            row(
                "Price",
                PRICE_METHOD.get(price_res.value.method, "Last") if price_res.value else "Last",
                b.cell("price.last"),
                "",
            ),
            row("Price", "Change over 24h", b.cell("price.change_24h"), ""),
            *[
                row(
                    "AVWAP",
                    f"{name.replace('_', ' ')} anchor",
                    b.cell(f"structure.avwap.{name}"),
                    "below price"
                    if (
                        price
                        and b.value(f"structure.avwap.{name}") is not None
                        and b.value(f"structure.avwap.{name}") < price
                    )
                    else "above price"
                    if b.value(f"structure.avwap.{name}") is not None
                    else "missing",
                )
                for name in AVWAP_ANCHORS
            ],
            row("Band", "Quarter AVWAP −1σ", b.cell("structure.avwap.quarter_lower1"), ""),
            row("Band", "Quarter AVWAP +1σ", b.cell("structure.avwap.quarter_upper1"), ""),
            row("Volume", "POC", b.cell("structure.poc"), ""),
            row("Volume", "Value area high", b.cell("structure.vah"), ""),
            row("Volume", "Value area low", b.cell("structure.val"), ""),
            row("Range", "High", b.cell("structure.range_high"), ""),
            row("Range", "Low", b.cell("structure.range_low"), ""),
            row("Liquidity", "Equal highs (nearest above)", b.cell("structure.equal_highs"), "intact"),
            row("Liquidity", "Equal lows (nearest below)", b.cell("structure.equal_lows"), "intact"),
        ],
    )
    if s is None:
        headline = "Classification: not available."
        summary = "Structure could not be computed: " + "; ".join(res.reasons)
        reasoning = "No candles, no structure; nothing is inferred in their place."
    else:
        headline = b.text("Classification: {structure.phase} (confidence {structure.phase_confidence}).")
        side = "above" if (q and price and price > q.vwap_usd) else "below"
        summary = b.text(
            "Price {price.last} ({price.change_24h} over 24h) trades " + side + " the quarterly AVWAP "
            "{structure.avwap.quarter}; yearly AVWAP {structure.avwap.year}. Value area {structure.val} to "
            "{structure.vah} with POC {structure.poc}; range {structure.range_low} to {structure.range_high}."
        )
        evidence = "; ".join(e.reading for e in call.evidence) if call else ""
        missing = ", ".join(call.missing) if call else ""
        reasoning = (
            (f"Phase call from explicit evidence: {evidence}." if evidence else "No phase evidence.")
            + (f" Missing evidence, not counted: {missing}." if missing else "")
            + " The phase is a heuristic."
        )
    keys += _record_metrics(ctx)
    reasoning = reasoning + " " + _record_sentence(ctx)
    return make_phase(
        ctx,
        number=2,
        title="Market Structure",
        headline=headline,
        summary=summary,
        tables=[table],
        reasoning=reasoning,
        keys=keys,
    )


def _record_metrics(ctx: PhaseContext) -> list[str]:
    """The phase call's measured record (research/phase_record.py), or its absence with the reason."""
    rows = (
        RecordRow(
            "structure.phase_record.n_up", "Phase record: up calls (accumulation, markup)", lambda v: v.n_up, "count"
        ),
        RecordRow(
            "structure.phase_record.n_down",
            "Phase record: down calls (distribution, markdown)",
            lambda v: v.n_down,
            "count",
        ),
        RecordRow(
            "structure.phase_record.return_up",
            "Mean next-week log return after an up phase",
            lambda v: v.mean_return_up,
            "fraction",
        ),
        RecordRow(
            "structure.phase_record.return_down",
            "Mean next-week log return after a down phase",
            lambda v: v.mean_return_down,
            "fraction",
        ),
        RecordRow(
            "structure.phase_record.return_base",
            "Mean next-week log return, every call",
            lambda v: v.base_mean_return,
            "fraction",
        ),
    )
    difference = RecordRow(
        "structure.phase_record.difference",
        "Up phases minus down phases, mean next-week log return",
        lambda v: v.difference,
        "fraction",
    )
    return record_metrics(ctx.book, ctx.analyses.calibration.phase_record, rows, difference)


def _record_sentence(ctx: PhaseContext) -> str:
    return record_sentence(
        ctx.book,
        ctx.analyses.calibration.phase_record,
        "phase call",
        "Measured record (weekly replay on the stored candles, without OI, funding and CVD evidence): "
        "{structure.phase_record.n_up} up and {structure.phase_record.n_down} down calls; mean next-week return "
        "{structure.phase_record.return_up} after up phases, {structure.phase_record.return_down} after down phases "
        "(difference {structure.phase_record.difference}); ",
        "weeks after up phases were better than weeks after down phases",
    )
