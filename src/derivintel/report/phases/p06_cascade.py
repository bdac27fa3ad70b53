"""Phase 6 — Liquidation Cascade Analysis: exposure within ±1/2/5 % and a square-root-impact cascade range each way."""

from __future__ import annotations

from derivintel.analytics.liquidity import DEFAULT_IMPACT_RANGE, CascadeRange
from derivintel.analytics.liquidity.observed_blend import MIN_OBSERVED_COVERAGE_FRAC
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row

BANDS = ((0.01, "1pct", "one percent"), (0.02, "2pct", "two percent"), (0.05, "5pct", "five percent"))


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    a = ctx.analyses.primary
    ex_res = a.exposure
    model_sources = (*a.liquidation_map.sources, *a.depth.sources, *a.cascade_levels.sources)
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
    sim_rows: list = []
    range_rows: list = []
    wave_rows: list = []
    for direction, res in (("down", a.cascade_down), ("up", a.cascade_up)):
        keys += _cascade_metrics(ctx, direction, res, model_sources, sim_rows, range_rows, wave_rows)
    param_keys, param_rows = _parameter_rows(ctx)
    keys += param_keys
    levels_keys, levels_sentence = _levels_metrics(ctx)
    keys += levels_keys
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
        Table(
            columns=["Cascade (central)", "Terminal price", "Move", "Forced notional", "Waves", "Extrapolated"],
            rows=sim_rows,
        ),
        Table(columns=["Cascade range", "Low", "Central", "High"], rows=range_rows),
        Table(columns=["Parameters", "Y", "Forced fraction", "Book refill"], rows=param_rows),
        Table(columns=["Wave (central)", "Forced orders", "Price after the wave"], rows=wave_rows),
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
        "{cascade.short_within_2pct_usd} above (asymmetry {cascade.asymmetry_2pct})."
    )
    for direction in ("down", "up"):
        summary += " " + _cascade_sentence(ctx, direction)
    summary += " " + levels_sentence
    reasoning = (
        "Realised liquidations are observed forced orders; the levels are modelled (relative intensity, not "
        "positions), so only a fraction of them is forced. Each wave's forced orders move price by the square-root "
        "law ΔP/P = Y·σ_daily·√(Q/V_daily) on the liquidity not yet refilled; the cascade stops when that impact no "
        "longer reaches further modelled levels. The range spans low/central/high values of Y, the forced fraction "
        "and the refill; every extrapolation is flagged under data limitations."
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


def _levels_metrics(ctx: PhaseContext) -> tuple[list[str], str]:
    """Which levels the exposure bands and the cascade ran on: the model alone, or the model with the observed
    venue's covered share replaced by its observed positions (``observed_blend``)."""
    b = ctx.book
    res = ctx.analyses.primary.cascade_levels
    blend = res.value
    k_cov = b.add_result(
        "cascade.observed_levels.coverage",
        "Share of the observed venue's OI whose modelled levels were replaced by observed positions",
        res,
        blend.coverage_frac if blend else None,
        "share",
    )
    used = f"model with observed {blend.venue} positions" if blend else "model only"
    k_used = b.add(
        "cascade.observed_levels.used",
        "Levels the cascade ran on",
        used,
        "label",
        sources=res.sources,
        note=None if blend else "; ".join(res.reasons) or None,
    )
    k_min = b.add(
        "cascade.observed_levels.min_coverage",
        "Coverage of the venue's OI needed before observed positions replace modelled levels",
        MIN_OBSERVED_COVERAGE_FRAC,
        "share",
        source="parameter",
    )
    if blend is None:  # the reason is the note of cascade.observed_levels.used
        return [k_cov, k_used, k_min], "The cascade runs on modelled levels only (no observed levels used)."
    sentence = b.text(
        f"For {blend.venue}, observed positions replace {{cascade.observed_levels.coverage}} of its modelled levels "
        "(coverage of at least {cascade.observed_levels.min_coverage} required); the rest of its OI and the other "
        "venues stay modelled."
    )
    return [k_cov, k_used, k_min], sentence


def _waves(n: int) -> str:
    return f"{n} wave" if n == 1 else f"{n} waves"


def _cascade_sentence(ctx: PhaseContext, direction: str) -> str:
    b = ctx.book
    rng = ctx.analyses.primary.cascade_down if direction == "down" else ctx.analyses.primary.cascade_up
    value: CascadeRange | None = rng.value
    if value is None:
        return f"The {direction} cascade is not available."
    c = value.central
    return b.text(
        f"A {{cascade.shock}} shock {direction} ends at {{cascade.{direction}.terminal_price}} "
        f"({{cascade.{direction}.move}}; range {{cascade.{direction}.move_low}} to {{cascade.{direction}.move_high}}) "
        f"after {_waves(c.n_waves)} ({{cascade.{direction}.forced_usd}} forced)."
    )


def _cascade_metrics(
    ctx: PhaseContext,
    direction: str,
    res: Result[CascadeRange],
    model_sources: tuple[Source, ...],
    sim_rows: list,
    range_rows: list,
    wave_rows: list,
) -> list[str]:
    """Metrics of one direction: the central path, signed moves low/central/high (``note`` = the parameter range)
    and the central waves. Flags and assumptions are listed once under data limitations, not repeated per metric."""
    b = ctx.book
    value: CascadeRange | None = res.value
    sources = (*model_sources, *res.sources)
    missing = "; ".join(res.reasons) or "insufficient data"
    status = None if value is None else ("partial" if value.flags else "ok")
    note = value.note if value is not None else missing
    c = value.central if value is not None else None
    moves = {}
    for tag, path in (("low", value.low if value else None), ("", c), ("high", value.high if value else None)):
        key = f"cascade.{direction}.move" + (f"_{tag}" if tag else "")
        label = f"Cascade {direction}: move" + (f" ({tag} parameters)" if tag else " (central; signed)")
        value_ = path.terminal_move_fraction if path else None
        moves[tag] = b.add(key, label, value_, "fraction", sources=sources, status=status, note=note)
    figures = (
        ("terminal_price", "terminal price (central)", c.terminal_price_usd if c else None, "usd"),
        ("forced_usd", "forced orders (central)", c.total_forced_notional_usd if c else None, "usd_notional"),
        ("waves", "waves (central)", c.n_waves if c else None, "count"),
        ("extrapolated", "any extrapolation flagged", bool(value.flags) if value else None, "label"),
    )
    ks = [
        b.add(
            f"cascade.{direction}.{name}",
            f"Cascade {direction}: {label}",
            v,
            unit,
            sources=sources,
            status=status,
            note=None if value else missing,
        )
        for name, label, v, unit in figures
    ]
    name = "Longs (down)" if direction == "down" else "Shorts (up)"
    sim_rows.append(row(name, b.cell(ks[0]), b.cell(moves[""]), *(b.cell(k) for k in ks[1:])))
    range_rows.append(row(name, b.cell(moves["low"]), b.cell(moves[""]), b.cell(moves["high"])))
    wave_sources = ctx.analyses.primary.liquidation_map.sources
    for i, (q, px) in enumerate(zip(c.forced_notional_usd_per_wave, c.price_path_usd[2:], strict=True) if c else ()):
        k_q = b.add(
            f"cascade.{direction}.wave{i + 1}.forced_usd",
            f"Cascade {direction}: wave {i + 1} forced orders (central)",
            q,
            "usd_notional",
            sources=wave_sources,
            status=status,
        )
        k_p = b.add(
            f"cascade.{direction}.wave{i + 1}.price",
            f"Cascade {direction}: price after wave {i + 1} (central)",
            px,
            "usd",
            sources=wave_sources,
            status=status,
        )
        wave_rows.append(row(f"{direction} {i + 1}", b.cell(k_q), b.cell(k_p)))
        ks += [k_q, k_p]
    return [*ks, moves[""], moves["low"], moves["high"]]


def _parameter_rows(ctx: PhaseContext) -> tuple[list[str], list]:
    """The low / central / high parameter sets as metrics (one table: Y, forced fraction, refill)."""
    b = ctx.book
    keys, rows = [], []
    for ps in DEFAULT_IMPACT_RANGE:
        k = [
            b.add(
                f"cascade.params.{ps.label}.y",
                f"Square-root prefactor Y ({ps.label})",
                ps.y,
                "ratio",
                source="parameter",
            ),
            b.add(
                f"cascade.params.{ps.label}.forced_fraction",
                f"Forced share of modelled notional ({ps.label})",
                ps.forced_fraction,
                "share",
                source="parameter",
            ),
            b.add(
                f"cascade.params.{ps.label}.refill",
                f"Book refill between waves ({ps.label})",
                ps.resilience,
                "share",
                source="parameter",
            ),
        ]
        keys += k
        rows.append(row(ps.label, *(b.cell(x) for x in k)))
    return keys, rows
