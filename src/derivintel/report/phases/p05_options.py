"""Phase 5 — Options Market: max pain, put/call, skew, GEX with flip and walls (Deribit chain)."""

from __future__ import annotations

import numpy as np

from derivintel.assessment.analyze import regime_gex
from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row
from derivintel.report.phases.p05_venues import build_venues

MAX_EXPIRY_ROWS = 6


def _table_expiries(o) -> list:
    """The nearest ``MAX_EXPIRY_ROWS`` expiries, plus the headline expiry when it lies further out."""
    rows = list(o.expiries[:MAX_EXPIRY_ROWS])
    if all(e.expiry != o.headline_expiry for e in rows):
        rows.append(o.expiry(o.headline_expiry))
    return rows


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    res = ctx.analyses.primary.options
    o = res.value
    s = o.all_expiries if o else None
    head = o.expiry(o.headline_expiry) if o else None
    head_name = o.headline_expiry.strftime("%d%b%y").upper() if o else "n/a"
    keys: list[str] = []

    def add(key: str, label: str, value, unit) -> str:
        keys.append(b.add_result(key, label, res, value, unit))
        return key

    keys.append(
        b.add(
            "options.headline_expiry",
            "Headline expiry",
            head_name if o else None,
            "label",
            sources=res.sources,
            note=o.headline_rule if o else "; ".join(res.reasons),
        )
    )
    add("options.max_pain", f"Max pain, headline expiry {head_name}", head.max_pain_usd if head else None, "usd")
    add("options.headline_days", "Days to headline expiry", head.days_to_expiry if head else None, "days")
    add("options.total_oi_usd", "Options OI notional", s.total_oi_usd if s else None, "usd_notional")
    add("options.put_call_oi_ratio", "Put/call by OI, all expiries", s.put_call_oi_ratio if s else None, "ratio")
    add("options.put_call_volume_ratio", "Put/call by 24h volume", s.put_call_volume_ratio if s else None, "ratio")
    add("options.atm_iv_7d", "ATM IV, 7d constant maturity", s.atm_iv_7d if s else None, "iv")
    add("options.atm_iv_30d", "ATM IV, 30d constant maturity", s.atm_iv_30d if s else None, "iv")
    add("options.rr25_30d", "25Δ risk reversal, 30d", s.rr25_30d if s else None, "iv")
    regime_label = "Net dealer GEX"
    if s is None or s.regime_excludes_expiring:
        regime_label += ", expiries beyond 24 h"
    add("options.net_gex_usd_per_1pct", regime_label, s.net_gex_usd_per_1pct if s else None, "usd_per_1pct")
    keys.append(
        b.add(
            "options.expiring_gex_usd_per_1pct",
            "Expiring gamma (net GEX of expiries within 24 h)",
            (s.expiring_gex_usd_per_1pct if s.expiring_expiries else 0.0) if s else None,
            "usd_per_1pct",
            sources=res.sources,
            note=(
                f"{s.expiring_expiries} expiry within 24 h, {s.expiring_oi_base:,.0f} coins of OI; left out of net "
                "GEX, flip and walls because it is about to vanish"
                if s and s.expiring_expiries
                else ("no expiry within 24 h" if s else "; ".join(res.reasons))
            ),
        )
    )
    if s is not None and s.gamma_flip_usd is None:
        keys.append(
            b.add(
                "options.gamma_flip",
                "Gamma flip (zero net GEX)",
                None,
                "usd",
                sources=res.sources,
                note="no flip in range: net GEX keeps one sign from 0.8x to 1.2x spot",
            )
        )
    else:
        add("options.gamma_flip", "Gamma flip (zero net GEX)", s.gamma_flip_usd if s else None, "usd")
    add("options.call_wall", "Call wall", s.call_wall_usd if s else None, "usd")
    add("options.put_wall", "Put wall", s.put_wall_usd if s else None, "usd")
    add(
        "options.next_expiry_gamma_share",
        "Gamma expiring at next expiry",
        s.next_expiry_gamma_share if s else None,
        "share",
    )

    keys += _surface_and_realised(ctx, s)
    keys += _flow(ctx)
    keys += _history(ctx)

    dvol = ctx.snapshot.macro.get(f"dvol_{ctx.asset.lower()}")
    dvol_known = dvol.until(ctx.snapshot.as_of) if dvol is not None else None
    if dvol_known is not None and len(dvol_known):
        keys.append(
            b.add(
                "options.dvol",
                "DVOL (Deribit 30-day implied volatility index)",
                float(dvol_known.values[-1]),
                "iv",
                sources=[dvol.source],
            )
        )
    else:
        keys.append(
            b.add(
                "options.dvol",
                "DVOL (Deribit 30-day implied volatility index)",
                None,
                "iv",
                note="DVOL not in this snapshot",
            )
        )
    expiry_rows = []
    for e in _table_expiries(o) if o else ():
        tag = e.expiry.strftime("%Y%m%d")
        name = e.expiry.strftime("%d%b%y").upper()
        if e.days_to_expiry <= 1.0:
            name += " (expiring)"
        k_mp = b.add(f"options.expiry.{tag}.max_pain", f"Max pain {name}", e.max_pain_usd, "usd", sources=res.sources)
        k_pc = b.add(
            f"options.expiry.{tag}.put_call_oi_ratio",
            f"Put/call OI {name}",
            e.put_call_oi_ratio,
            "ratio",
            sources=res.sources,
        )
        k_g = b.add(
            f"options.expiry.{tag}.net_gex_usd_per_1pct",
            f"Net GEX {name}",
            e.net_gex_usd_per_1pct,
            "usd_per_1pct",
            sources=res.sources,
        )
        rr_note = next((n for n in e.notes if "RR25" in n), None) if e.rr25 is None else None
        k_rr = b.add(f"options.expiry.{tag}.rr25", f"RR25 {name}", e.rr25, "iv", sources=res.sources, note=rr_note)
        k_iv = b.add(f"options.expiry.{tag}.atm_iv", f"ATM IV {name}", e.atm_iv, "iv", sources=res.sources)
        keys += [k_mp, k_pc, k_g, k_rr, k_iv]
        expiry_rows.append(row(name, b.cell(k_mp), b.cell(k_pc), b.cell(k_g), b.cell(k_rr), b.cell(k_iv)))

    main = Table(
        columns=["Metric", "Value", "Signal"],
        rows=[
            row("Max pain (headline expiry)", b.cell("options.max_pain"), b.cell("options.headline_expiry")),
            row("Put/call (OI)", b.cell("options.put_call_oi_ratio"), "above one: more puts open"),
            row("Put/call (24h volume)", b.cell("options.put_call_volume_ratio"), ""),
            row("Net GEX, beyond next day", b.cell("options.net_gex_usd_per_1pct"), "+ dampens, − amplifies"),
            row("Expiring gamma, next day", b.cell("options.expiring_gex_usd_per_1pct"), "apart, not in the regime"),
            row("Gamma flip", b.cell("options.gamma_flip"), "no flip in range when n/a" if s else ""),
            row("Call wall", b.cell("options.call_wall"), "largest call GEX above spot"),
            row("Put wall", b.cell("options.put_wall"), "largest put GEX below spot"),
            row("Skew (RR25, 30d)", b.cell("options.rr25_30d"), "negative: puts richer"),
            row("ATM IV 7d", b.cell("options.atm_iv_7d"), "constant maturity"),
            row("ATM IV 30d", b.cell("options.atm_iv_30d"), "constant maturity"),
            row("DVOL", b.cell("options.dvol"), "Deribit's own index, 30d"),
        ],
    )
    vol_table = Table(
        columns=["Surface and realised", "Value", "Reading"],
        rows=[
            row("RR25, 30d (surface)", b.cell("options.surface.rr25_30d"), "25Δ call minus 25Δ put IV"),
            row("BF25, 30d (surface)", b.cell("options.surface.bf25_30d"), "wings over 50Δ"),
            row("Arbitrage flags", b.cell("options.surface.arbitrage_flags"), "calendar + butterfly, market smiles"),
            row("SVI fit error (median)", b.cell("options.surface.svi_rmse_iv"), "IV, across expiries"),
            row("Realised vol 7d", b.cell("options.rv_7d"), "close to close"),
            row("Realised vol 30d", b.cell("options.rv_30d"), "close to close"),
            row("Realised vol 30d, Parkinson", b.cell("options.rv_parkinson_30d"), "high-low range"),
            row("Variance risk premium 30d", b.cell("options.vrp_30d"), "ATM IV 30d minus realised 30d"),
        ],
    )
    flow_table = Table(
        columns=["Flow and estimated dealer inventory", "Value", "Reading"],
        rows=[
            row("Net traded delta, 24h", b.cell("options.flow.net_delta_24h"), "customers (takers), coins"),
            row("Net traded gamma, 24h", b.cell("options.flow.net_gamma_24h"), "customers, USD per one-percent move"),
            row("Premium traded, 24h", b.cell("options.flow.premium_24h_usd"), "all trades"),
            row("Notional traded, 24h", b.cell("options.flow.notional_24h_usd"), "amount x index"),
            row("Block share, 24h", b.cell("options.flow.block_share_24h"), "of notional"),
            row("GEX, fixed scenario", b.cell("options.net_gex_usd_per_1pct"), "assumed dealer signs"),
            row("GEX, flow inventory", b.cell("options.gex_flow_usd_per_1pct"), "dealers opposite takers"),
            row("Inventory coverage of OI", b.cell("options.flow.inventory_coverage"), "share of OI explained"),
            row("Inventory history", b.cell("options.flow.inventory_days"), "since the stated start"),
            row("Regime call uses", b.cell("options.regime_gex_driver"), "see its note"),
        ],
    )
    history_table = Table(
        columns=["Against stored history", "Value", "Reading"],
        rows=[
            row("RR25 30d, one week ago", b.cell("options.surface.rr25_30d_1w_ago"), "stored surface point"),
            row("RR25 30d, change over the week", b.cell("options.surface.rr25_30d_change_1w"), "now minus then"),
            row("VRP 30d percentile", b.cell("options.vrp_30d_percentile"), "in its own stored history"),
        ],
    )
    tables = [main, vol_table, flow_table, history_table]
    if expiry_rows:
        tables.append(Table(columns=["Expiry", "Max pain", "P/C OI", "Net GEX", "RR25", "ATM IV"], rows=expiry_rows))
    venues = build_venues(ctx)
    keys += venues.keys
    tables += venues.tables
    scenario = ctx.analyses.settings.dealer_scenario.value.replace("_", " ")
    if o is None:
        headline = "Market makers: not available."
        summary = "Options analytics unavailable: " + "; ".join(res.reasons) + venues.sentence
        reasoning = "No option chain, no options read; nothing is shown as neutral in its place."
    else:
        sign = "long gamma" if s.net_gex_usd_per_1pct > 0 else "short gamma"
        headline = f"Market makers: {sign} under the stated scenario ({scenario})."
        flip = "{options.gamma_flip}" if s.gamma_flip_usd is not None else "none in the swept range"
        summary = b.text(
            "Options OI {options.total_oi_usd}; put/call by OI {options.put_call_oi_ratio}. Max pain for the "
            "headline expiry {options.headline_expiry} is {options.max_pain}. Net GEX {options.net_gex_usd_per_1pct}, "
            "gamma flip " + flip + ", call wall {options.call_wall}, put wall {options.put_wall}. "
            "30d risk reversal {options.rr25_30d}."
        )
        summary += venues.sentence
        reasoning = (
            "Gamma sign describes the size of moves, not their direction; the dealer positioning is an assumption "
            f"({scenario}); the headline expiry follows a fixed rule, stated in the metric's note. Combined across "
            "venues: the venue table and options.combined (OI, put/call, max pain, net GEX). Deribit's chain only: "
            "every other figure here (walls, flip, skew, surface, expiries, DVOL), and the dealer regime call. "
        ) + b.text(
            "Beside it, the GEX of a dealer inventory estimated from trade flow (dealers opposite every taker since "
            "the stated start) is {options.gex_flow_usd_per_1pct}; the regime call uses the {options.regime_gex_driver}"
            " GEX: measured signs when the inventory spans enough history and covers enough of the open interest, "
            "the assumed scenario otherwise."
        )
    return make_phase(
        ctx,
        number=5,
        title="Options Market Analysis",
        headline=headline,
        summary=summary,
        tables=tables,
        reasoning=reasoning,
        keys=keys,
    )


def _surface_and_realised(ctx: PhaseContext, s) -> list[str]:
    """Surface (RR25/BF25 at 30d, arbitrage flags, SVI fit error), realised volatility and the 30d VRP."""
    b = ctx.book
    a = ctx.analyses.primary
    surf, rv7, rv30 = a.surface, a.realised_vol_7d, a.realised_vol_30d
    v = surf.value
    keys = [
        b.add_result(
            "options.surface.rr25_30d", "25Δ risk reversal, 30d, surface", surf, v.rr25(30.0) if v else None, "iv"
        ),
        b.add_result(
            "options.surface.bf25_30d", "25Δ butterfly, 30d, surface", surf, v.bf25(30.0) if v else None, "iv"
        ),
    ]
    flags = list(v.calendar_violations + v.butterfly_violations) if v else []
    keys.append(
        b.add(
            "options.surface.arbitrage_flags",
            "Arbitrage flags on the market smiles",
            len(flags) if v else None,
            "count",
            sources=surf.sources,
            note="; ".join(flags) if flags else ("none" if v else "; ".join(surf.reasons)),
        )
    )
    fits = [x.rmse_iv for x in v.svi if x is not None] if v else []
    keys.append(
        b.add(
            "options.surface.svi_rmse_iv",
            "SVI fit error, median over expiries",
            float(np.median(fits)) if fits else None,
            "iv",
            sources=surf.sources,
            note=f"{len(fits)} expiries fitted" if fits else "no expiry with five or more smile points",
        )
    )
    keys.append(
        b.add_result(
            "options.rv_7d", "Realised volatility 7d", rv7, rv7.value.close_to_close if rv7.value else None, "iv"
        )
    )
    keys.append(
        b.add_result(
            "options.rv_30d", "Realised volatility 30d", rv30, rv30.value.close_to_close if rv30.value else None, "iv"
        )
    )
    keys.append(
        b.add_result(
            "options.rv_parkinson_30d",
            "Realised volatility 30d, Parkinson",
            rv30,
            rv30.value.parkinson if rv30.value else None,
            "iv",
        )
    )
    atm30 = s.atm_iv_30d if s is not None else None
    vrp = atm30 - rv30.value.close_to_close if atm30 is not None and rv30.value is not None else None
    why = None
    if vrp is None:
        why = "needs the 30d ATM IV and 30 days of candles: " + (
            "no 30d ATM IV" if atm30 is None else "; ".join(rv30.reasons)
        )
    keys.append(
        b.add(
            "options.vrp_30d",
            "Variance risk premium 30d (ATM IV minus realised, vol points)",
            vrp,
            "iv_spread",
            sources=[*a.options.sources, *rv30.sources] if vrp is not None else (),
            note=why,
        )
    )
    return keys


def _flow(ctx: PhaseContext) -> list[str]:
    """Customer flow over 24 h, the estimated dealer inventory's GEX beside the fixed-scenario one, and which one
    drives the regime call (``assessment.analyze.regime_gex``)."""
    b = ctx.book
    a = ctx.analyses.primary
    flow, inv = a.trade_flow, a.inventory_gex
    f, g = flow.value, inv.value
    keys = [
        b.add_result(
            "options.flow.net_delta_24h",
            "Net delta traded by customers (takers), 24h, coins of underlying",
            flow,
            f.all.net_delta_base if f else None,
            "base",
        ),
        b.add_result(
            "options.flow.net_gamma_24h",
            "Net gamma traded by customers, 24h",
            flow,
            f.all.net_gamma_usd_per_1pct if f else None,
            "usd_per_1pct",
        ),
        b.add_result(
            "options.flow.premium_24h_usd",
            "Option premium traded, 24h",
            flow,
            f.all.premium_usd if f else None,
            "usd_notional",
        ),
        b.add_result(
            "options.flow.notional_24h_usd",
            "Option notional traded, 24h",
            flow,
            f.all.notional_usd if f else None,
            "usd_notional",
        ),
        b.add_result(
            "options.flow.block_share_24h",
            "Block trades' share of notional, 24h",
            flow,
            f.block_share if f else None,
            "share",
        ),
    ]
    rule = (
        f"withheld unless the inventory spans {inv.params.get('min_history_days', 7):g} days and explains "
        f"{inv.params.get('min_coverage', 0.25):.0%} of open interest"
    )
    why = "; ".join(inv.reasons)
    if g is not None and g.gex_usd_per_1pct is None:
        note = f"{why}; {rule}; the same inventory if it were complete: {g.gex_if_complete_usd_per_1pct:,.0f} USD/1%"
        keys.append(
            b.add(
                "options.gex_flow_usd_per_1pct",
                "GEX of the estimated dealer inventory (flow)",
                None,
                "usd_per_1pct",
                note=note,
            )
        )
    elif g is not None:
        keys.append(
            b.add_result(
                "options.gex_flow_usd_per_1pct",
                "GEX of the estimated dealer inventory (flow)",
                inv,
                g.gex_usd_per_1pct,
                "usd_per_1pct",
            )
        )
    else:
        keys.append(
            b.add(
                "options.gex_flow_usd_per_1pct",
                "GEX of the estimated dealer inventory (flow)",
                None,
                "usd_per_1pct",
                note=f"{why or 'no inventory'}; {rule}",
            )
        )
    keys.append(
        b.add(
            "options.flow.inventory_coverage",
            "Share of open interest the estimated inventory explains",
            g.coverage if g else None,
            "share",
            sources=inv.sources if g else (),
            note=None if g else (why or "no inventory"),
        )
    )
    trades = ctx.snapshot.asset(ctx.asset).option_trades
    start = trades.covered_from if trades is not None else None
    keys.append(
        b.add(
            "options.flow.inventory_days",
            "Days of flow in the estimated inventory",
            g.history_days if g else None,
            "days",
            sources=inv.sources if g else (),
            note=(f"accumulated since {start:%Y-%m-%d %H:%M} UTC, {g.trades:,} trades" if g and start else None)
            or (None if g else (why or "no inventory")),
        )
    )
    _gex, _flip, driver = regime_gex(a)
    if driver == "flow":
        label, note = (
            "flow inventory",
            (
                "the estimated inventory passes its rule (" + rule.replace("withheld unless", "it") + "): measured "
                "dealer signs replace the assumed scenario; no gamma flip is swept for it"
            ),
        )
    else:
        label = "fixed scenario"
        note = (
            "the flow-based GEX is withheld (" + (why or "no inventory") + "), so the regime call stays on the "
            "assumed dealer scenario"
        )
    keys.append(
        b.add(
            "options.regime_gex_driver",
            "GEX driving the regime call",
            label,
            "label",
            sources=(inv.sources if driver == "flow" else a.options.sources),
            note=note,
        )
    )
    return keys


def _history(ctx: PhaseContext) -> list[str]:
    """30d RR25 now against one week ago, and the 30d VRP's percentile in its stored history."""
    b = ctx.book
    a = ctx.analyses.primary
    rr, pct = a.rr25_30d_week_ago, a.vrp_30d_percentile
    w, p = rr.value, pct.value
    keys = [
        b.add_result(
            "options.surface.rr25_30d_1w_ago",
            "25Δ risk reversal, 30d, one week ago (stored)",
            rr,
            w.then if w else None,
            "iv",
        ),
        b.add_result(
            "options.surface.rr25_30d_change_1w",
            "25Δ risk reversal, 30d, now minus one week ago",
            rr,
            w.change if w else None,
            "iv_spread",
        ),
    ]
    keys.append(
        b.add(
            "options.vrp_30d_percentile",
            "Variance risk premium 30d: percentile in its stored history",
            p.rank if p else None,
            "share",
            sources=pct.sources if p else (),
            note=(f"against {p.n} stored values over {p.span_days:.0f} days" if p else "; ".join(pct.reasons)),
        )
    )
    return keys
