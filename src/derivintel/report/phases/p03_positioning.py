"""Phase 3 — Derivatives Positioning: OI, funding per venue and OI-weighted, long/short, CVD, quadrant."""

from __future__ import annotations

from derivintel.report.metric_book import MetricBook
from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row

QUADRANT_READ = {
    "new_longs": "price up with OI up: new longs opening",
    "short_covering": "price up with OI down: shorts covering",
    "new_shorts": "price down with OI up: new shorts opening",
    "long_liquidation": "price down with OI down: longs exiting or liquidated",
}


def _slug(text: str) -> str:
    return text.replace("-", "_").replace(" ", "_").lower()


def _basis_curve(ctx: PhaseContext, keys: list[str]) -> list[Table]:
    """Register the dated-futures curve: 3-month constant-maturity basis, shape, and one row per contract."""
    b: MetricBook = ctx.book
    res = ctx.analyses.primary.basis_curve
    curve = res.value
    cm = curve.cm_3m if curve else None
    keys.append(
        b.add_result(
            "positioning.basis_curve.cm_3m",
            "Dated futures: constant-maturity three-month basis, annualised",
            res,
            cm.basis_annualised if cm else None,
            "fraction_per_year",
        )
    )
    keys.append(
        b.add_result(
            "positioning.basis_curve.shape",
            "Dated futures: curve shape",
            res,
            curve.shape.value if curve else None,
            "label",
        )
    )
    if curve is None:
        return []
    rows = []
    for point in curve.points:
        stem = f"positioning.basis_curve.{_slug(point.venue)}.{_slug(point.venue_symbol)}"
        note = "against the reference spot (no venue index)" if point.spot_kind.value == "reference" else None
        k_d = b.add(f"{stem}.days", f"{point.venue_symbol} days to expiry", point.days, "days", sources=[point.source])
        k_a = b.add(
            f"{stem}.annualised",
            f"{point.venue_symbol} basis, annualised",
            point.basis_annualised,
            "fraction_per_year",
            sources=[point.source],
            note=note,
        )
        keys += [k_d, k_a]
        rows.append(
            row(f"{point.venue} {point.margin}", point.expiry.strftime("%d%b%y").upper(), b.cell(k_d), b.cell(k_a))
        )
    venue_rows = []
    for venue, vcm in curve.venue_cm_3m.items():
        k = b.add(
            f"positioning.basis_curve.{_slug(venue)}.cm_3m",
            f"{venue} three-month basis, annualised",
            vcm.basis_annualised,
            "fraction_per_year",
            sources=[q.source for q in curve.venue_points(venue)],
            note="extrapolated beyond the listed expiries" if vcm.extrapolated else None,
        )
        keys.append(k)
        venue_rows.append(row(venue, b.cell(k), "extrapolated" if vcm.extrapolated else "interpolated"))
    return [
        Table(columns=["Venue", "Expiry", "Days", "Basis (annualised)"], rows=rows),
        Table(columns=["Venue", "Three-month basis", "How"], rows=venue_rows),
    ]


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    res = ctx.analyses.primary.positioning
    p = res.value
    src = p.sources if p else {}
    keys: list[str] = []

    def add(key: str, label: str, attr: str, unit, group: str) -> str:
        value = getattr(p, attr) if p else None
        keys.append(b.add_result(key, label, res, value, unit, sources=src.get(group, ())))
        return key

    add("positioning.oi.total_usd", "Open interest, all venues (single-sided)", "total_oi_usd", "usd_notional", "oi")
    add("positioning.oi.total_base", "Open interest in coins", "total_oi_base", "base", "oi")
    add(
        "positioning.oi.change_24h_pct",
        "OI change 24h (on coin OI)",
        "oi_change_24h_fraction",
        "fraction",
        "oi_change_24h",
    )
    add(
        "positioning.oi.change_7d_pct", "OI change 7d (on coin OI)", "oi_change_7d_fraction", "fraction", "oi_change_7d"
    )
    add("positioning.oi.change_24h_usd", "OI change 24h in USD", "oi_change_24h_usd", "usd_notional", "oi_change_24h")
    add(
        "positioning.funding.oi_weighted_1h",
        "Funding, OI-weighted per hour",
        "funding_oi_weighted_1h",
        "fraction_per_hour",
        "funding",
    )
    add(
        "positioning.funding.oi_weighted_apr",
        "Funding, OI-weighted APR",
        "funding_oi_weighted_apr",
        "fraction_per_year",
        "funding",
    )
    add("positioning.funding.zscore_30d", "Funding z-score vs 30d", "funding_zscore_30d", "zscore", "funding_zscore")
    add("positioning.cvd.perp_24h_usd", "Perp CVD 24h", "cvd_perp_24h_usd", "usd_notional", "cvd_perp")
    add("positioning.cvd.perp_7d_usd", "Perp CVD 7d", "cvd_perp_7d_usd", "usd_notional", "cvd_perp")
    add("positioning.cvd.spot_24h_usd", "Spot CVD 24h", "cvd_spot_24h_usd", "usd_notional", "cvd_spot")
    quadrant = p.quadrant if p else None
    keys.append(
        b.add_result(
            "positioning.quadrant",
            "Price vs OI quadrant (24h)",
            res,
            quadrant.quadrant.value if quadrant else None,
            "label",
            sources=src.get("oi_change_24h", ()) + src.get("price", ()),
        )
    )

    data = ctx.snapshot.asset(ctx.asset)
    agg_oi = data.aggregate_open_interest.until(ctx.snapshot.as_of) if data.aggregate_open_interest else None
    agg_f = data.aggregate_funding.until(ctx.snapshot.as_of) if data.aggregate_funding else None
    no_key = "all-exchange aggregates need a Coinglass key; none configured"
    keys.append(
        b.add(
            "positioning.aggregate.oi_usd",
            "All-exchange OI (aggregator cross-check)",
            agg_oi.oi_usd[-1] if agg_oi is not None and len(agg_oi) else None,
            "usd_notional",
            sources=[agg_oi.source] if agg_oi is not None else (),
            note=None if agg_oi else no_key,
        )
    )
    keys.append(
        b.add(
            "positioning.aggregate.funding_1h",
            "All-exchange OI-weighted funding (aggregator)",
            agg_f.rate_1h[-1] if agg_f is not None and len(agg_f) else None,
            "fraction_per_hour",
            sources=[agg_f.source] if agg_f is not None else (),
            note=None if agg_f else no_key,
        )
    )
    venue_rows = []
    for v in p.venues if p else ():
        slug = _slug(v.venue)
        k_oi = b.add(f"positioning.venue.{slug}.oi_usd", f"{v.venue} OI", v.oi_usd, "usd_notional", sources=[v.source])
        k_f = b.add(
            f"positioning.venue.{slug}.funding_1h",
            f"{v.venue} funding per hour",
            v.funding_rate_1h,
            "fraction_per_hour",
            sources=[v.source],
            note=f"{v.funding_kind.value} rate",
        )
        k_apr = b.add(
            f"positioning.venue.{slug}.funding_apr",
            f"{v.venue} funding APR",
            v.funding_apr,
            "fraction_per_year",
            sources=[v.source],
        )
        k_b = b.add(
            f"positioning.venue.{slug}.basis",
            f"{v.venue} mark vs index",
            v.basis_fraction,
            "fraction",
            sources=[v.source],
        )
        keys += [k_oi, k_f, k_apr, k_b]
        venue_rows.append(row(v.venue, b.cell(k_oi), b.cell(k_f), b.cell(k_apr), b.cell(k_b), v.funding_kind.value))
    ls_rows = []
    for r in p.long_short if p else ():
        k = b.add(
            f"positioning.ls.{_slug(r.venue)}.{r.kind.value}",
            f"{r.venue} long/short ({r.label})",
            r.ratio,
            "ratio",
            sources=[r.source],
        )
        ks = b.add(
            f"positioning.ls.{_slug(r.venue)}.{r.kind.value}_long_share",
            f"{r.venue} long share",
            r.long_share,
            "share",
            sources=[r.source],
        )
        keys += [k, ks]
        ls_rows.append(row(r.venue, r.label, b.cell(k), b.cell(ks)))

    summed = ", ".join(p.oi_venues) if p and p.oi_venues else ""
    summary_table = Table(
        columns=["Metric", "Value", "Interpretation"],
        rows=[
            row(
                "Open interest",
                b.cell("positioning.oi.total_usd"),
                f"single-sided, summed over {summed}" if summed else "single-sided, venues that report OI",
            ),
            row("OI 24h", b.cell("positioning.oi.change_24h_pct"), "on coin OI (USD OI moves with price)"),
            row("OI 7d", b.cell("positioning.oi.change_7d_pct"), ""),
            row("Funding (OI-weighted)", b.cell("positioning.funding.oi_weighted_1h"), "per hour, all venues"),
            row("Funding APR", b.cell("positioning.funding.oi_weighted_apr"), "simple annualisation"),
            row("Funding z-score", b.cell("positioning.funding.zscore_30d"), "vs its own last 30d"),
            row("Perp CVD 24h", b.cell("positioning.cvd.perp_24h_usd"), "taker buy minus sell"),
            row("Spot CVD 24h", b.cell("positioning.cvd.spot_24h_usd"), "taker buy minus sell"),
            row("Quadrant", b.cell("positioning.quadrant"), "price vs OI, same window"),
            row("All-exchange OI", b.cell("positioning.aggregate.oi_usd"), "aggregator cross-check, not summed"),
            row("All-exchange funding", b.cell("positioning.aggregate.funding_1h"), "aggregator, per hour"),
            row(
                "Three-month basis", b.cell("positioning.basis_curve.cm_3m"), "dated futures, constant maturity, a year"
            ),
            row("Futures curve", b.cell("positioning.basis_curve.shape"), "median across venues per expiry"),
        ],
    )
    tables = [summary_table]
    curve_tables = _basis_curve(ctx, keys)
    if venue_rows:
        tables.append(Table(columns=["Venue", "OI", "Funding/h", "APR", "Basis", "Funding kind"], rows=venue_rows))
    if ls_rows:
        tables.append(Table(columns=["Venue", "Counts", "Long/short", "Long share"], rows=ls_rows))
    tables += curve_tables
    if p is None:
        headline = "Interpretation: not available."
        summary = "Positioning could not be computed: " + "; ".join(res.reasons)
        reasoning = "Without OI and funding there is no positioning read."
    else:
        q = quadrant.quadrant.value if quadrant else None
        headline = f"Interpretation: {QUADRANT_READ.get(q, 'no clear quadrant') if q else 'quadrant unavailable'}."
        summary = b.text(
            f"Open interest {{positioning.oi.total_usd}} (sum of {summed or 'no venue'}; "
            "{positioning.oi.change_24h_pct} over 24h on coin OI) with "
            "price {price.change_24h}. OI-weighted funding {positioning.funding.oi_weighted_1h} "
            "({positioning.funding.oi_weighted_apr}), z-score {positioning.funding.zscore_30d}. "
            "Perp CVD 24h {positioning.cvd.perp_24h_usd}, spot CVD 24h {positioning.cvd.spot_24h_usd}."
        )
        if ctx.analyses.primary.basis_curve.value is not None:
            summary += b.text(
                " Dated futures: three-month basis {positioning.basis_curve.cm_3m}, "
                "curve {positioning.basis_curve.shape}."
            )
            reasoning_tail = (
                " The futures basis is F/S − one, annualised over the days to expiry, against each venue's index "
                "(else the perps' median index); expiries within three days are left out; the three-month figure "
                "interpolates total basis between the bracketing expiries."
            )
        else:
            reasoning_tail = ""
        reasoning = b.text(
            "Quadrant {positioning.quadrant}: judged on the same 24h window for price and coin OI with a noise "
            "band; funding is normalised per hour before weighting, so 1h, 4h and 8h venues compare."
        )
        reasoning += reasoning_tail
    return make_phase(
        ctx,
        number=3,
        title="Derivatives Positioning",
        headline=headline,
        summary=summary,
        tables=tables,
        reasoning=reasoning,
        keys=keys,
    )
