"""Phase 9 — Tactical Execution: the secondary asset(s) in brief, relative to the primary."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    keys: list[str] = []
    rows = []
    for a in ctx.analyses.secondary:
        tag = a.asset.lower()
        pos = a.positioning.value
        opt = a.options.value
        head = opt.expiry(opt.headline_expiry) if opt else None
        s = a.structure.value
        price = a.price.value.price_usd if a.price.value else None
        vah_val = (s.profile.val_usd, s.profile.vah_usd) if s else (None, None)
        ks = {
            "price": b.add_result(f"tactical.{tag}.price", f"{a.asset} price", a.price, price, "usd"),
            "change": b.add_result(
                f"tactical.{tag}.change_24h",
                f"{a.asset} 24h change",
                a.positioning,
                pos.price_change_24h_fraction if pos else None,
                "fraction",
            ),
            "funding": b.add_result(
                f"tactical.{tag}.funding_1h",
                f"{a.asset} OI-weighted funding",
                a.positioning,
                pos.funding_oi_weighted_1h if pos else None,
                "fraction_per_hour",
            ),
            "oi": b.add_result(
                f"tactical.{tag}.oi_change_24h",
                f"{a.asset} OI change 24h",
                a.positioning,
                pos.oi_change_24h_fraction if pos else None,
                "fraction",
            ),
            "quadrant": b.add_result(
                f"tactical.{tag}.quadrant",
                f"{a.asset} quadrant",
                a.positioning,
                pos.quadrant.quadrant.value if pos and pos.quadrant else None,
                "label",
            ),
            "max_pain": b.add_result(
                f"tactical.{tag}.max_pain",
                f"{a.asset} max pain (headline expiry)",
                a.options,
                head.max_pain_usd if head else None,
                "usd",
            ),
            "val": b.add_result(f"tactical.{tag}.val", f"{a.asset} value area low", a.structure, vah_val[0], "usd"),
            "vah": b.add_result(f"tactical.{tag}.vah", f"{a.asset} value area high", a.structure, vah_val[1], "usd"),
            "phase": b.add_result(
                f"tactical.{tag}.phase", f"{a.asset} phase", a.structure, s.phase.phase if s else None, "label"
            ),
        }
        keys += list(ks.values())
        rows.append(row(a.asset, *(b.cell(k) for k in ks.values())))
    table = Table(
        columns=["Asset", "Price", "24h", "Funding/h", "OI 24h", "Quadrant", "Max pain", "VAL", "VAH", "Phase"],
        rows=rows,
    )
    if not rows:
        return make_phase(
            ctx,
            number=9,
            title="Tactical Execution",
            headline="Secondary: none requested.",
            summary="No secondary asset in this report.",
            tables=[],
            reasoning="Nothing to compare.",
            keys=keys,
        )
    tags = [a.asset.lower() for a in ctx.analyses.secondary]
    summary = b.text(" ".join(_summary(t) for t in tags))
    if len(tags) == 1:
        headline = f"{tags[0].upper()} secondary: {{tactical.{tags[0]}.phase}}, {{tactical.{tags[0]}.quadrant}}."
    else:  # every secondary shown is named
        each = "; ".join(f"{t.upper()} {{tactical.{t}.phase}}, {{tactical.{t}.quadrant}}" for t in tags)
        headline = f"Secondaries {', '.join(t.upper() for t in tags)}: {each}."
    return make_phase(
        ctx,
        number=9,
        title="Tactical Execution",
        headline=b.text(headline),
        summary=summary,
        tables=[table],
        reasoning="The same analytics as the primary, read for confirmation or divergence; value area edges are the "
        "tactical levels.",
        keys=keys,
    )


def _summary(tag: str) -> str:
    """One secondary's sentence: price, 24h change, funding, OI change, quadrant, value area and max pain."""
    return (
        f"{tag.upper()}: price {{tactical.{tag}.price}} ({{tactical.{tag}.change_24h}} 24h), funding "
        f"{{tactical.{tag}.funding_1h}}, OI {{tactical.{tag}.oi_change_24h}}, quadrant {{tactical.{tag}.quadrant}}; "
        f"value area {{tactical.{tag}.val}} to {{tactical.{tag}.vah}}, max pain {{tactical.{tag}.max_pain}}."
    )
