"""Phase 5, option venues: each venue's OI and ATM IV side by side (``options.venues``) and the combined book.

Keys: ``options.venues`` (number of venues with a chain; its note lists them and names the row keys), per venue
``options.venues.<venue>.oi_usd`` / ``.oi_share`` / ``.atm_iv`` / ``.net_gex_usd_per_1pct`` (each with the venue
chain's source and as_of), and
``options.combined.*`` for the pooled book. Every other figure of phase 5 is Deribit's chain alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from derivintel.report.model import Table
from derivintel.report.phases.context import PhaseContext, row

COMBINED_NOTE = "all venues with open interest pooled"


@dataclass(frozen=True, slots=True)
class VenueSection:
    """The metric keys registered, the tables and the sentence for the phase summary."""

    keys: list[str]
    tables: list[Table]
    sentence: str


def build_venues(ctx: PhaseContext) -> VenueSection:
    b = ctx.book
    res = ctx.analyses.primary.options_venues
    book = res.value
    keys = [
        b.add(
            "options.venues",
            "Option venues with a chain",
            len(book.venues) if book else None,
            "count",
            sources=res.sources,
            note=(
                ", ".join(v.venue for v in book.venues)
                + "; per venue: options.venues.<venue>.oi_usd, .oi_share, .net_gex_usd_per_1pct, .atm_iv"
                if book
                else "; ".join(res.reasons)
            ),
        )
    ]
    rows = []
    for v in book.venues if book else ():
        prefix = f"options.venues.{v.venue}"
        missing_oi = "; ".join(v.notes) or None
        k_oi = b.add(f"{prefix}.oi_usd", f"Options OI notional, {v.venue}", v.oi_usd, "usd_notional",
                     sources=[v.source], note=missing_oi)  # fmt: skip
        k_sh = b.add(f"{prefix}.oi_share", f"Share of options OI, {v.venue}", v.oi_share, "share",
                     sources=[v.source], note=missing_oi or "of the venues that publish open interest")  # fmt: skip
        k_iv = b.add(f"{prefix}.atm_iv", f"ATM IV, {v.venue}", v.atm_iv, "iv", sources=[v.source], note=v.atm_iv_basis)
        gex = book.gex_by_venue_usd_per_1pct.get(v.venue)
        k_gx = b.add(
            f"{prefix}.net_gex_usd_per_1pct",
            f"Net dealer GEX, {v.venue}, expiries beyond 24 h",
            gex,
            "usd_per_1pct",
            sources=[v.source],
            note="this venue's part of options.combined.net_gex_usd_per_1pct" if gex is not None else missing_oi,
        )
        keys += [k_oi, k_sh, k_iv, k_gx]
        rows.append(row(v.venue, b.cell(k_oi), b.cell(k_sh), b.cell(k_gx), b.cell(k_iv), v.atm_iv_basis))
    head = book.headline_expiry.strftime("%d%b%y").upper() if book and book.headline_expiry else None
    with_oi = ", ".join(book.venues_with_oi) if book else ""
    pooled = [v.source for v in book.venues if v.venue in book.venues_with_oi] if book else []  # cited by the book
    combined = [
        ("total_oi_usd", "Options OI notional, all venues", book.total_oi_usd if book else None, "usd_notional", None),
        ("put_call_oi_ratio", "Put/call by OI, all venues", book.put_call_oi_ratio if book else None, "ratio", None),
        ("max_pain", f"Max pain, all venues, {head or 'n/a'}", book.max_pain_usd if book else None, "usd",
         book.headline_rule if book else None),
        ("net_gex_usd_per_1pct", "Net dealer GEX, all venues, expiries beyond 24 h",
         book.net_gex_usd_per_1pct if book and book.venues_with_oi else None, "usd_per_1pct", None),
    ]  # fmt: skip
    for name, label, value, unit, note in combined:
        key = f"options.combined.{name}"
        if book is None or value is None:
            keys.append(b.add(key, label, None, unit, note=note or "; ".join(res.reasons) or "no venue with OI"))
        else:
            keys.append(b.add(key, label, value, unit, sources=pooled,
                              note=f"{COMBINED_NOTE} ({with_oi})" + (f"; {note}" if note else "")))  # fmt: skip
    tables = []
    if rows:
        columns = ["Venue", "OI notional", "OI share", "Net GEX", "ATM IV", "ATM IV basis"]
        tables.append(Table(columns=columns, rows=rows))
    tables.append(
        Table(
            columns=["Combined book", "Value", "Reading"],
            rows=[
                row("OI notional", b.cell("options.combined.total_oi_usd"), "venues with OI pooled"),
                row("Put/call (OI)", b.cell("options.combined.put_call_oi_ratio"), "above one: more puts open"),
                row("Max pain (headline expiry)", b.cell("options.combined.max_pain"), "strikes pooled"),
                row("Net GEX, beyond next day", b.cell("options.combined.net_gex_usd_per_1pct"), "same scenario"),
            ],
        )
    )
    sentence = (
        b.text(
            " Across {options.venues} option venues: OI {options.combined.total_oi_usd}, put/call "
            "{options.combined.put_call_oi_ratio}, max pain {options.combined.max_pain}, net GEX "
            "{options.combined.net_gex_usd_per_1pct}; the other figures of this phase are Deribit's chain only."
        )
        if book and book.venues_with_oi
        else ""
    )
    return VenueSection(keys, tables, sentence)
