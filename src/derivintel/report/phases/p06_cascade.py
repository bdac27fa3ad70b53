"""Phase 6 — Liquidation Cascade Analysis: exposure within ±1/2/5 % and a simulated cascade each way."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row

BANDS = ((0.01, "1pct", "one percent"), (0.02, "2pct", "two percent"), (0.05, "5pct", "five percent"))


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    a = ctx.analyses.primary
    ex_res = a.exposure
    model_sources = (*a.liquidation_map.sources, *a.depth.sources)
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
            ctx.analyses.settings.cascade_shock_fraction,
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
                sources=model_sources,
            ),
            b.add_result(
                f"cascade.{direction}.move",
                f"Cascade {direction}: size of the move",
                res,
                abs(path.terminal_move_fraction) if path else None,
                "share",
            ),
            b.add_result(
                f"cascade.{direction}.forced_usd",
                f"Cascade {direction}: forced notional",
                res,
                path.total_forced_notional_usd if path else None,
                "usd_notional",
                sources=model_sources,
            ),
            b.add_result(
                f"cascade.{direction}.waves",
                f"Cascade {direction}: waves",
                res,
                path.n_waves if path else None,
                "count",
                sources=model_sources,
            ),
            b.add_result(
                f"cascade.{direction}.extrapolated",
                f"Cascade {direction}: beyond the book snapshot",
                res,
                path.extrapolated if path else None,
                "label",
                sources=model_sources,
            ),
        ]
        keys += ks
        sim_rows.append(row("Longs (down)" if direction == "down" else "Shorts (up)", *(b.cell(k) for k in ks)))
    real_res = a.realised
    real = real_res.value
    keys.append(
        b.add_result(
            "cascade.realised.long_24h_usd",
            "Realised long liquidations, 24h",
            real_res,
            real.long_usd if real else None,
            "usd_notional",
        )
    )
    keys.append(
        b.add_result(
            "cascade.realised.short_24h_usd",
            "Realised short liquidations, 24h",
            real_res,
            real.short_usd if real else None,
            "usd_notional",
        )
    )
    real_rows = [
        row("All venues", b.cell("cascade.realised.long_24h_usd"), b.cell("cascade.realised.short_24h_usd"), "")
    ]
    for v in real.venues if real else ():
        slug = v.venue.replace("-", "_")
        k_l = b.add(
            f"cascade.realised.{slug}.long_24h_usd",
            f"{v.venue} long liquidations, 24h",
            v.long_usd,
            "usd_notional",
            sources=[v.source],
        )
        k_s = b.add(
            f"cascade.realised.{slug}.short_24h_usd",
            f"{v.venue} short liquidations, 24h",
            v.short_usd,
            "usd_notional",
            sources=[v.source],
        )
        keys += [k_l, k_s]
        real_rows.append(row(v.venue, b.cell(k_l), b.cell(k_s), "sampled stream: under-counts" if v.sampled else ""))
    tables = [
        Table(columns=["Band", "Long liq. below", "Short liq. above", "Asymmetry"], rows=rows),
        Table(columns=["Realised (24h)", "Longs liquidated", "Shorts liquidated", "Note"], rows=real_rows),
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
        "Realised liquidations are observed forced orders; the levels are modelled. "
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
