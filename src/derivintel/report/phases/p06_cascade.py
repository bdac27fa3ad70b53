"""Phase 6 — Liquidation Cascade Analysis: exposure within ±1/2/5 % and a simulated cascade each way."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row

BANDS = ((0.01, "1pct", "one percent"), (0.02, "2pct", "two percent"), (0.05, "5pct", "five percent"))


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    a = ctx.analyses.primary
    ex_res = a.exposure
    ex = ex_res.value
    keys: list[str] = []
    rows = []
    for band, tag, words in BANDS:
        k_l = b.add_result(
            f"cascade.long_within_{tag}_usd",
            f"Long liquidations within {words} below",
            ex_res,
            ex.long_below_usd.get(band) if ex else None,
            "usd_notional",
        )
        k_s = b.add_result(
            f"cascade.short_within_{tag}_usd",
            f"Short liquidations within {words} above",
            ex_res,
            ex.short_above_usd.get(band) if ex else None,
            "usd_notional",
        )
        k_a = b.add_result(
            f"cascade.asymmetry_{tag}",
            f"Long below ÷ short above, {words}",
            ex_res,
            ex.asymmetry.get(band) if ex else None,
            "ratio",
        )
        keys += [k_l, k_s, k_a]
        rows.append(row(f"within {words}", b.cell(k_l), b.cell(k_s), b.cell(k_a)))
    keys.append(
        b.add(
            "cascade.shock",
            "Initial shock in the simulation",
            ctx.analyses.options.cascade_shock_fraction,
            "share",
            source="parameter",
        )
    )
    sim_rows = []
    for direction, res in (("down", a.cascade_down), ("up", a.cascade_up)):
        path = res.value
        ks = [
            b.add_result(
                f"cascade.{direction}.terminal_price",
                f"Cascade {direction}: terminal price",
                res,
                path.terminal_price_usd if path else None,
                "usd",
            ),
            b.add_result(
                f"cascade.{direction}.move",
                f"Cascade {direction}: total move",
                res,
                path.terminal_move_fraction if path else None,
                "fraction",
            ),
            b.add_result(
                f"cascade.{direction}.forced_usd",
                f"Cascade {direction}: forced notional",
                res,
                path.total_forced_notional_usd if path else None,
                "usd_notional",
            ),
            b.add_result(
                f"cascade.{direction}.waves",
                f"Cascade {direction}: waves",
                res,
                path.n_waves if path else None,
                "count",
            ),
            b.add_result(
                f"cascade.{direction}.extrapolated",
                f"Cascade {direction}: beyond the book snapshot",
                res,
                path.extrapolated if path else None,
                "label",
            ),
        ]
        keys += ks
        sim_rows.append(row("Longs (down)" if direction == "down" else "Shorts (up)", *(b.cell(k) for k in ks)))
    tables = [
        Table(columns=["Band", "Long liq. below", "Short liq. above", "Asymmetry"], rows=rows),
        Table(columns=["Cascade", "Terminal price", "Move", "Forced notional", "Waves", "Extrapolated"], rows=sim_rows),
    ]
    asym = ex.asymmetry.get(0.02) if ex else None
    if ex is None:
        headline = "Primary risk: not available."
    elif asym is None or asym >= 1:
        headline = b.text("Primary risk: long cascade ({cascade.long_within_2pct_usd} within two percent below).")
    else:
        headline = b.text("Primary risk: short squeeze ({cascade.short_within_2pct_usd} within two percent above).")
    summary = b.text(
        "Modelled liquidations within two percent: longs {cascade.long_within_2pct_usd} below, shorts "
        "{cascade.short_within_2pct_usd} above (asymmetry {cascade.asymmetry_2pct}). A {cascade.shock} shock down "
        "ends at {cascade.down.terminal_price} after {cascade.down.waves} waves ({cascade.down.forced_usd} forced); "
        "up ends at {cascade.up.terminal_price} after {cascade.up.waves} waves ({cascade.up.forced_usd} forced)."
    )
    reasoning = (
        "Each wave turns the liquidations crossed into market orders that eat the opposite side of the aggregated "
        "book; past the book snapshot the depth is an explicit extrapolation, listed under data limitations."
    )
    return make_phase(
        ctx,
        number=6,
        title="Liquidation Cascade Analysis",
        headline=headline,
        summary=summary,
        tables=tables,
        reasoning=reasoning,
        keys=keys,
    )
