"""Phase 10 — Risk Management: entry zones, targets, stops, reward/risk and size for both sides."""

from __future__ import annotations

from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row

FIELDS = (
    ("entry_low", "entry_low_usd", "Entry zone low", "usd"),
    ("entry_high", "entry_high_usd", "Entry zone high", "usd"),
    ("stop", "stop_usd", "Stop loss", "usd"),
    ("target1", "target1_usd", "First target", "usd"),
    ("target2", "target2_usd", "Second target", "usd"),
    ("reward_risk", "reward_risk", "Reward/risk to the first target", "ratio"),
    ("stop_distance", "stop_distance_fraction", "Stop distance", "share"),
    ("size", "notional_fraction_of_equity", "Position notional / equity", "share"),
)


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    res = ctx.analyses.plan
    plan = res.value
    keys = [
        b.add(
            "risk.account_risk",
            "Account risk per trade",
            ctx.analyses.settings.risk_fraction,
            "share",
            source="user parameter",
        )
    ]
    for side in ("long", "short"):
        sp = getattr(plan, side) if plan else None
        for suffix, attr, label, unit in FIELDS:
            value = getattr(sp, attr) if sp else None
            keys.append(b.add_result(f"risk.{side}.{suffix}", f"{side.title()} {label.lower()}", res, value, unit))
    rows = [row(label, b.cell(f"risk.long.{suffix}"), b.cell(f"risk.short.{suffix}")) for suffix, _, label, _ in FIELDS]
    long_sp, short_sp = (plan.long, plan.short) if plan else (None, None)
    rows.append(
        row("Entry level", long_sp.entry_level if long_sp else "n/a", short_sp.entry_level if short_sp else "n/a")
    )
    rows.append(
        row(
            "First target level",
            long_sp.target1_level if long_sp else "n/a",
            short_sp.target1_level if short_sp else "n/a",
        )
    )
    table = Table(columns=["Parameter", "Long", "Short"], rows=rows)
    if plan is None:
        headline = "Plan: none (insufficient levels)."
        summary = "No plan: " + "; ".join(res.reasons)
    else:
        pref = plan.preferred or "neither side preferred (neutral bias)"
        headline = f"Plan: {pref}" + (" side preferred." if plan.preferred else ".")
        summary = b.text(
            "Risking {risk.account_risk} of equity per trade. Long: entry {risk.long.entry_low} to "
            "{risk.long.entry_high}, stop {risk.long.stop}, target {risk.long.target1}, reward/risk "
            "{risk.long.reward_risk}. Short: entry {risk.short.entry_low} to {risk.short.entry_high}, stop "
            "{risk.short.stop}, target {risk.short.target1}, reward/risk {risk.short.reward_risk}."
        )
    reasoning = (
        "Entries sit at the nearest structural, volume or options level on each side; stops two ATRs (the "
        "structure ATR of the hourly series) beyond; size is account risk divided by stop distance, before fees and "
        "slippage."
    )
    return make_phase(
        ctx,
        number=10,
        title="Risk Management",
        headline=headline,
        summary=summary,
        tables=[table],
        reasoning=reasoning,
        keys=keys,
    )
