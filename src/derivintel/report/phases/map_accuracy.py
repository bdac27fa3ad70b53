"""The liquidation map's accuracy ledger as a self-contained block of phase 4: metrics, one table, one sentence."""

from __future__ import annotations

from derivintel.analytics.liquidity.map_accuracy import MapAccuracy
from derivintel.report.model import Table
from derivintel.report.phases.context import PhaseContext, row

PREFIX = "liquidity.map_accuracy"


def map_accuracy_section(ctx: PhaseContext) -> tuple[list[str], Table, str]:
    """Keys, table and summary sentence of the current map score (``liquidity.map_accuracy.top_decile_share`` is
    null with the reason in its note when there is no realised-liquidation history)."""
    b = ctx.book
    res = ctx.analyses.primary.map_accuracy
    acc: MapAccuracy | None = res.value
    pooled = acc.pooled if acc else None
    keys = [
        b.add_result(
            f"{PREFIX}.top_decile_share",
            "Realised liquidation notional in the map's top-decile bins",
            res,
            pooled.top_share if pooled else None,
            "share",
        ),
        b.add_result(
            f"{PREFIX}.n_events", "Realised liquidations scored", res, pooled.n_events if pooled else None, "count"
        ),
        b.add_result(f"{PREFIX}.window_days", "Scored window", res, acc.window_days if acc else None, "days"),
        b.add_result(
            f"{PREFIX}.random_mean",
            "Random tenth of the bins: mean share",
            res,
            pooled.baseline_mean if pooled else None,
            "share",
        ),
        b.add_result(
            f"{PREFIX}.random_low",
            "Random tenth of the bins: 5th percentile (90% interval)",
            res,
            pooled.baseline_low if pooled else None,
            "share",
        ),
        b.add_result(
            f"{PREFIX}.random_high",
            "Random tenth of the bins: 95th percentile (90% interval)",
            res,
            pooled.baseline_high if pooled else None,
            "share",
        ),
    ]
    rows = [
        row(
            "All venues",
            b.cell(keys[0]),
            b.cell(keys[1]),
            b.cell(keys[3]),
            b.cell(keys[4]),
            b.cell(keys[5]),
        )
    ]
    for v in acc.venues if acc else ():
        slug = v.label.replace("-", "_")
        k_s = b.add(
            f"{PREFIX}.{slug}.top_decile_share",
            f"{v.label}: share in top-decile bins",
            v.top_share,
            "share",
            sources=res.sources,
        )
        k_n = b.add(
            f"{PREFIX}.{slug}.n_events", f"{v.label}: liquidations scored", v.n_events, "count", sources=res.sources
        )
        k_m = b.add(
            f"{PREFIX}.{slug}.random_mean",
            f"{v.label}: random-bin mean share",
            v.baseline_mean,
            "share",
            sources=res.sources,
        )
        k_lo = b.add(
            f"{PREFIX}.{slug}.random_low",
            f"{v.label}: random-bin 5th percentile",
            v.baseline_low,
            "share",
            sources=res.sources,
        )
        k_hi = b.add(
            f"{PREFIX}.{slug}.random_high",
            f"{v.label}: random-bin 95th percentile",
            v.baseline_high,
            "share",
            sources=res.sources,
        )
        keys += [k_s, k_n, k_m, k_lo, k_hi]
        rows.append(row(v.label, *(b.cell(k) for k in (k_s, k_n, k_m, k_lo, k_hi))))
    table = Table(
        columns=["Map accuracy", "Share in top-decile bins", "N", "Random bins: mean", "Random: low", "Random: high"],
        rows=rows,
    )
    if pooled is None:
        sentence = "Map accuracy: not scored (the reason is in the metric's note)."
    else:
        sentence = b.text(
            "Map accuracy: {liquidity.map_accuracy.top_decile_share} of the realised liquidation notional of the last "
            "{liquidity.map_accuracy.window_days} fell in the map's top-decile bins "
            "(N {liquidity.map_accuracy.n_events}; random bins {liquidity.map_accuracy.random_mean}, interval "
            "{liquidity.map_accuracy.random_low} to {liquidity.map_accuracy.random_high})."
        )
    return keys, table, sentence
