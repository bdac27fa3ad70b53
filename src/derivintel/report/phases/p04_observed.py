"""Phase 4 addition: the OBSERVED Hyperliquid liquidation map (accounts' published positions) beside the modelled one.

Metrics ``liquidity.observed.hyperliquid.*``: coverage (share of the venue's OI the observed positions cover), the
nearest observed long/short clusters and their notional, the overlap of the observed levels with the model run on
Hyperliquid alone (and its uniform baseline), accounts/positions read, the oldest read's age and the median leverage
by notional. Every one is null with the reason when no positions were observed.
"""

from __future__ import annotations

from derivintel.analytics.liquidity.observed_map import ObservedMapParams
from derivintel.report.model import Table
from derivintel.report.phases.context import PhaseContext, row

PREFIX = "liquidity.observed.hyperliquid"
SUMMARY = (
    "Observed Hyperliquid positions (SYNTHcoverage {p.coverage} of its OI): nearest long liquidations at "
    "{p.long_cluster}, shorts at {p.short_cluster}; {p.model_overlap} of observed notional lies within "
    "{p.model_overlap_tolerance} either side of a modelled Hyperliquid cluster against "
    "{p.model_overlap_baseline} at random."
)


def observed_section(ctx: PhaseContext) -> tuple[list[str], Table, str]:
    """``(metric keys, table, summary sentence)`` for the observed Hyperliquid map of the primary asset."""
    b = ctx.book
    a = ctx.analyses.primary
    res, ov_res = a.observed_map, a.model_overlap
    m, ov = res.value, ov_res.value
    long_c = m.nearest_long_cluster if m else None
    short_c = m.nearest_short_cluster if m else None
    lev = m.leverage if m else None
    synthetic = "SYNTHETIC demo; " if any(s.synthetic for s in res.sources) else ""
    keys = [
        b.add_result(
            f"{PREFIX}.coverage",
            "Observed positions' share of Hyperliquid OI",
            res,
            m.coverage_frac if m else None,
            "share",
        ),
        b.add_result(
            f"{PREFIX}.long_cluster",
            "Nearest observed long-liquidation cluster (Hyperliquid positions)",
            res,
            long_c.price_usd if long_c else None,
            "usd",
        ),
        b.add_result(
            f"{PREFIX}.long_cluster_usd",
            "Its observed notional",
            res,
            long_c.notional_usd if long_c else None,
            "usd_notional",
        ),
        b.add_result(
            f"{PREFIX}.short_cluster",
            "Nearest observed short-liquidation cluster (Hyperliquid positions)",
            res,
            short_c.price_usd if short_c else None,
            "usd",
        ),
        b.add_result(
            f"{PREFIX}.short_cluster_usd",
            "Its observed notional",
            res,
            short_c.notional_usd if short_c else None,
            "usd_notional",
        ),
        b.add_result(
            f"{PREFIX}.model_overlap",
            "Observed notional within the tolerance of a modelled Hyperliquid cluster",
            ov_res,
            ov.share if ov else None,
            "share",
        ),
        b.add(
            f"{PREFIX}.model_overlap_tolerance",
            "Overlap tolerance (± fraction of price around a modelled cluster)",
            ov.tolerance_fraction if ov else ObservedMapParams().overlap_tolerance_fraction,
            "share",
            source="parameter",
        ),
        b.add_result(
            f"{PREFIX}.model_overlap_baseline",
            "Same share if observed levels were spread uniformly (random baseline)",
            ov_res,
            ov.baseline if ov else None,
            "share",
        ),
        b.add_result(
            f"{PREFIX}.accounts", "Hyperliquid accounts read", res, m.accounts_observed if m else None, "count"
        ),
        b.add_result(f"{PREFIX}.positions", "Observed positions", res, m.positions if m else None, "count"),
        b.add_result(
            f"{PREFIX}.oldest_read_minutes",
            "Age of the oldest account read (minutes)",
            res,
            m.oldest_observation_age_s / 60.0 if m else None,
            "count",
        ),
        b.add_result(
            f"{PREFIX}.leverage_median",
            "Median observed leverage by notional (x)",
            res,
            lev.median if lev else None,
            "ratio",
        ),
        b.add_result(
            f"{PREFIX}.leverage_mix_distance",
            "Observed leverage mix vs the model's assumed mix (total-variation distance, 0 = same)",
            res,
            lev.distance_to_assumed if lev else None,
            "ratio",
        ),
    ]
    table = Table(
        columns=[
            "Liquidation levels",
            f"Observed ({synthetic}Hyperliquid positions)",
            "Notional",
            "Modelled (all venues)",
            "Notional",
        ],
        rows=[
            row(
                "Nearest long cluster",
                b.cell(f"{PREFIX}.long_cluster"),
                b.cell(f"{PREFIX}.long_cluster_usd"),
                b.cell("liquidity.liq.long_cluster"),
                b.cell("liquidity.liq.long_cluster_usd"),
            ),
            row(
                "Nearest short cluster",
                b.cell(f"{PREFIX}.short_cluster"),
                b.cell(f"{PREFIX}.short_cluster_usd"),
                b.cell("liquidity.liq.short_cluster"),
                b.cell("liquidity.liq.short_cluster_usd"),
            ),
            row("Coverage of Hyperliquid OI", b.cell(f"{PREFIX}.coverage"), "", "model", ""),
            row("Accounts read / positions", b.cell(f"{PREFIX}.accounts"), b.cell(f"{PREFIX}.positions"), "", ""),
            row("Oldest account read (minutes ago)", b.cell(f"{PREFIX}.oldest_read_minutes"), "", "", ""),
            row("Median leverage (by notional)", b.cell(f"{PREFIX}.leverage_median"), "", "assumed mix", ""),
            row("Leverage mix distance from the model's", b.cell(f"{PREFIX}.leverage_mix_distance"), "", "", ""),
            row(
                "Observed near a modelled HL cluster (± tolerance)",
                b.cell(f"{PREFIX}.model_overlap"),
                b.cell(f"{PREFIX}.model_overlap_tolerance"),
                "random baseline",
                b.cell(f"{PREFIX}.model_overlap_baseline"),
            ),
        ],
    )
    if m is None:
        sentence = "Observed Hyperliquid positions: not available ({why})."
        text = sentence.format(why=b.get(f"{PREFIX}.coverage").note or "not collected")
    else:
        text = b.text(SUMMARY.replace("{p.", "{" + PREFIX + ".").replace("SYNTH", synthetic))
    return keys, table, text
