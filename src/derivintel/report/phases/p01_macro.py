"""Phase 1 — Macro Risk Environment: regime from VIX, NASDAQ, DXY, oil, stablecoins, dominance, ETH/BTC."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row
from derivintel.report.phases.record_section import RecordRow, record_metrics, record_sentence

# (component, metric key, label, value unit, change unit)
COMPONENTS = (
    ("vix", "macro.vix", "VIX", "index_points", "index_points"),
    ("nasdaq", "macro.nasdaq", "NASDAQ Composite", "index_points", "fraction"),
    ("btc_nasdaq_corr_30d", "macro.btc_nasdaq_corr_30d", "BTC–NASDAQ correlation, 30d", "ratio", None),
    ("dxy", "macro.dxy", "Dollar index", "index_points", "fraction"),
    ("wti", "macro.wti", "WTI crude", "usd_per_barrel", "fraction"),
    ("stablecoin_supply_7d", "macro.stablecoin_supply", "Stablecoin supply", "usd_notional", "fraction"),
    (
        "stablecoin_supply_30d",
        "macro.stablecoin_supply_30d",
        "Stablecoin supply (30d view)",
        "usd_notional",
        "fraction",
    ),
    ("btc_dominance", "macro.btc_dominance", "BTC dominance", "share", "fraction"),
    ("eth_btc", "macro.eth_btc", "ETH/BTC", "btc_per_eth", "fraction"),
)
# Keyed flows (CryptoQuant): shown when a key brought them, missing otherwise; not voted in the regime rules.
FLOWS = (
    ("exchange_netflow_btc", "macro.exchange_netflow_btc", "BTC exchange netflow (daily)", "base"),
    (
        "stablecoin_exchange_netflow_usd",
        "macro.stablecoin_exchange_netflow_usd",
        "Stablecoin exchange netflow (daily)",
        "usd_notional",
    ),
)
REGIME_WORDS = {"risk_on": "Risk-On", "risk_off": "Risk-Off", "neutral": "Neutral"}


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    res = ctx.analyses.macro
    m = res.value
    keys: list[str] = []
    rows = []
    keys.append(b.add_result("macro.regime", "Macro regime", res, m.regime.value if m else None, "label"))
    keys.append(
        b.add_result("macro.score", "Macro score (−1 risk-off … +1 risk-on)", res, m.score if m else None, "score")
    )
    for name, key, label, unit, change_unit in COMPONENTS:
        comp = m.components.get(name) if m else None
        src = [comp.source] if comp and comp.source else []
        if comp is None:
            why = "missing: no data for this series" if m else "; ".join(res.reasons)
            keys.append(b.add(key, label, None, unit, note=why))
            change_key = None
        else:
            keys.append(b.add(key, label, comp.value, unit, sources=src, as_of=comp.as_of, note=comp.rule))
            change_key = None
            if change_unit is not None:
                change_key = b.add(
                    f"{key}_change",
                    f"{label} change ({comp.change_window})",
                    comp.change,
                    change_unit,
                    sources=src,
                    as_of=comp.as_of,
                )
                keys.append(change_key)
        signal = REGIME_WORDS.get(comp.signal.value, comp.signal.value) if comp else "missing"
        rows.append(row(label, b.cell(key), b.cell(change_key) if change_key else "", signal))
    for name, key, label, unit in FLOWS:
        series = ctx.snapshot.macro.get(name)
        known = series.until(ctx.snapshot.as_of) if series is not None else None
        if known is not None and len(known):
            keys.append(b.add(key, label, float(known.values[-1]), unit, sources=[series.source]))
        else:
            keys.append(b.add(key, label, None, unit, note="exchange flows need a CryptoQuant key; none configured"))
        rows.append(row(label, b.cell(key), "", "not in the regime score"))
    table = Table(columns=["Factor", "Current", "Change", "Signal"], rows=rows)
    keys += _record_metrics(ctx)
    record_table = Table(
        columns=["Measured record, weekly calls", "Value", "Note"],
        rows=[
            row("Calls: risk on / risk off", b.cell("macro.record.n_risk_on"), b.cell("macro.record.n_risk_off")),
            row("Mean next-week BTC return after risk on", b.cell("macro.record.return_risk_on"), ""),
            row("Mean next-week BTC return after risk off", b.cell("macro.record.return_risk_off"), ""),
            row("Mean next-week return, every call", b.cell("macro.record.return_base"), ""),
            row("Risk on minus risk off", b.cell("macro.record.difference"), "bootstrap interval in the note"),
        ],
    )
    if m is None:
        headline = "Assessment: not available."
        summary = "Macro regime could not be assessed: " + "; ".join(res.reasons)
        reasoning = "No macro inputs; the regime is not guessed."
    else:
        headline = f"Assessment: {REGIME_WORDS.get(m.regime.value, m.regime.value)}."
        summary = b.text(
            "Macro score {macro.score} from explicit threshold rules. VIX {macro.vix}, BTC–NASDAQ 30d correlation "
            "{macro.btc_nasdaq_corr_30d}, BTC dominance {macro.btc_dominance}, stablecoin supply "
            "{macro.stablecoin_supply}."
        )
        missing = ", ".join(m.missing)
        reasoning = (
            "Each factor votes risk-on or risk-off only past its threshold; the score is the weighted mean of votes."
            + (f" Missing factors are excluded, not counted as neutral: {missing}." if missing else "")
            + " "
            + _record_sentence(ctx)
        )
    return make_phase(
        ctx,
        number=1,
        title="Macro Risk Environment",
        headline=headline,
        summary=summary,
        tables=[table, record_table],
        reasoning=reasoning,
        keys=keys,
    )


def _record_metrics(ctx: PhaseContext) -> list[str]:
    """The macro regime call's measured record (research/macro_record.py), or its absence with the reason."""
    rows = (
        RecordRow("macro.record.n_risk_on", "Macro record: risk-on calls", lambda v: v.n_risk_on, "count"),
        RecordRow("macro.record.n_risk_off", "Macro record: risk-off calls", lambda v: v.n_risk_off, "count"),
        RecordRow(
            "macro.record.return_risk_on",
            "Mean next-week BTC log return after risk on",
            lambda v: v.mean_return_risk_on,
            "fraction",
        ),
        RecordRow(
            "macro.record.return_risk_off",
            "Mean next-week BTC log return after risk off",
            lambda v: v.mean_return_risk_off,
            "fraction",
        ),
        RecordRow(
            "macro.record.return_base",
            "Mean next-week BTC log return, every call",
            lambda v: v.base_mean_return,
            "fraction",
        ),
    )
    difference = RecordRow(
        "macro.record.difference",
        "Risk on minus risk off, mean next-week BTC log return",
        lambda v: v.difference,
        "fraction",
    )
    return record_metrics(ctx.book, ctx.analyses.calibration.macro_regime_record, rows, difference)


def _record_sentence(ctx: PhaseContext) -> str:
    return record_sentence(
        ctx.book,
        ctx.analyses.calibration.macro_regime_record,
        "regime rule",
        "Measured record: {macro.record.n_risk_on} risk-on and {macro.record.n_risk_off} risk-off weekly calls; mean "
        "next-week BTC return {macro.record.return_risk_on} after risk on, {macro.record.return_risk_off} after risk "
        "off (difference {macro.record.difference}); ",
        "risk-on weeks were followed by better BTC returns than risk-off weeks",
    )
