"""Phase 10 — Risk Management: each side's call (enter / wait for a level / no trade), zone, stop, targets,
reward/risk after costs and size, with the plan's parameters stated."""

from __future__ import annotations

from derivintel.report.format import format_value
from derivintel.report.model import Phase, Table
from derivintel.report.phases.context import PhaseContext, make_phase, row
from derivintel.report.phases.plan_record_section import plan_record_section
from derivintel.synthesis.trade_plan import SidePlan, TradePlan

FIELDS = (
    ("entry_distance_atr", "entry_distance_atr", "Entry level's distance from price, ATRs", "ratio"),
    ("entry_low", "entry_low_usd", "Entry zone low", "usd"),
    ("entry_high", "entry_high_usd", "Entry zone high", "usd"),
    ("stop", "stop_usd", "Stop loss", "usd"),
    ("target1", "target1_usd", "First target", "usd"),
    ("target2", "target2_usd", "Second target", "usd"),
    ("reward_risk", "reward_risk", "Reward/risk to the first target, after costs", "ratio"),
    ("reward_risk_gross", "reward_risk_gross", "Reward/risk before costs", "ratio"),
    ("stop_distance", "loss_fraction_at_stop", "Loss at the stop per unit notional, with costs", "share"),
    ("size", "notional_fraction_of_equity", "Position notional / equity", "share"),
)


def interval_words(interval_s: int) -> str:
    """``3600`` → ``1h``, ``14400`` → ``4h``, ``86400`` → ``1d``, ``900`` → ``15m``."""
    if interval_s % 86_400 == 0:
        return f"{interval_s // 86_400}d"
    if interval_s % 3600 == 0:
        return f"{interval_s // 3600}h"
    return f"{interval_s // 60}m"


def _field(sp: SidePlan | None, attr: str) -> float | None:
    """A side's figure; None for a side that is not a plan (no trade)."""
    if sp is None or not sp.actionable:
        return None
    if attr in ("target1_usd", "target2_usd"):
        i = 0 if attr == "target1_usd" else 1
        return sp.targets[i].price_usd if len(sp.targets) > i else None
    return getattr(sp, attr)


def _call(sp: SidePlan) -> str:
    if sp.status == "wait" and sp.entry_level is not None:
        return f"wait for {format_value(sp.entry_level.price_usd, 'usd')} ({sp.entry_level.name})"
    return sp.label


def _names(sp: SidePlan | None, what: str) -> str:
    if sp is None or not sp.actionable:
        return "n/a"
    if what == "entry":
        if sp.entry_level is None:
            return "n/a"
        return sp.entry_level.name
    if what == "stop":
        return f"beyond {sp.stop_beyond.name}" if sp.stop_beyond else "n/a"
    return ", ".join(t.name for t in sp.targets[:2])


def _param_keys(ctx: PhaseContext, plan: TradePlan | None) -> list[str]:
    b = ctx.book
    p = plan.params if plan else ctx.analyses.settings.plan
    s = ctx.analyses.primary.structure
    tf = interval_words(s.value.interval_s) if s.value else "n/a"
    user = "parameter (plan default unless set)"
    return [
        b.add(
            "risk.account_risk",
            "Account risk per trade",
            ctx.analyses.settings.risk_fraction,
            "share",
            source="user parameter",
        ),
        b.add("risk.max_leverage", "Maximum position notional / equity", p.max_leverage, "ratio", source=user),
        b.add("risk.min_reward_risk", "Minimum reward/risk for a plan", p.min_reward_risk, "ratio", source=user),
        b.add("risk.taker_fee", "Taker fee per fill", p.taker_fee_frac, "fraction", source=user),
        b.add("risk.slippage", "Slippage per fill (assumed)", p.slippage_frac, "fraction", source=user),
        b.add("risk.reach_atr", "Entry within reach: ATRs from price", p.reach_atr, "ratio", source=user),
        b.add("risk.stop_buffer_atr", "Stop buffer beyond structure, ATRs", p.stop_buffer_atr, "ratio", source=user),
        b.add(
            "risk.atr",
            f"ATR of the {tf} bars (Wilder) for zones and stops",
            plan.atr_usd if plan else None,
            "usd",
            sources=s.sources,
            note=None if plan else "; ".join(ctx.analyses.plan.reasons),
        ),
    ]


def build(ctx: PhaseContext) -> Phase:
    b = ctx.book
    res = ctx.analyses.plan
    plan = res.value
    keys = _param_keys(ctx, plan)
    for side in ("long", "short"):
        sp: SidePlan | None = getattr(plan, side) if plan else None
        keys.append(b.add_result(f"risk.{side}.call", f"{side.title()} call", res, _call(sp) if sp else None, "label"))
        for suffix, attr, label, unit in FIELDS:
            value = _field(sp, attr)
            note = None
            if sp is not None and not sp.actionable:
                note = f"no trade: {sp.reason}"
            elif sp is not None and value is None:
                note = "no second target level within range" if suffix == "target2" else None
            elif sp is not None and suffix == "size" and sp.leverage_capped:
                note = "capped by the maximum leverage: the loss at the stop is below the account risk"
            if note is None:
                keys.append(b.add_result(f"risk.{side}.{suffix}", f"{side.title()} {label.lower()}", res, value, unit))
            else:
                no_trade = sp is not None and not sp.actionable
                keys.append(
                    b.add(
                        f"risk.{side}.{suffix}",
                        f"{side.title()} {label.lower()}",
                        value,
                        unit,
                        note=note,
                        source="derived: the side is no trade" if no_trade else None,
                    )
                )
    long_sp, short_sp = (plan.long, plan.short) if plan else (None, None)
    rows = [row("Call", b.cell("risk.long.call"), b.cell("risk.short.call"))]
    rows.append(row("Entry level", _names(long_sp, "entry"), _names(short_sp, "entry")))
    rows += [
        row(label, b.cell(f"risk.long.{suffix}"), b.cell(f"risk.short.{suffix}")) for suffix, _, label, _ in FIELDS
    ]
    rows.insert(6, row("Stop placed", _names(long_sp, "stop"), _names(short_sp, "stop")))
    rows.insert(9, row("Target levels", _names(long_sp, "targets"), _names(short_sp, "targets")))
    table = Table(columns=["Parameter", "Long", "Short"], rows=rows)
    params_table = Table(
        columns=["Plan parameter", "Value"],
        rows=[
            row(b.get(k).label, b.cell(k))
            for k in (
                "risk.account_risk",
                "risk.max_leverage",
                "risk.min_reward_risk",
                "risk.taker_fee",
                "risk.slippage",
                "risk.reach_atr",
                "risk.stop_buffer_atr",
                "risk.atr",
            )
        ],
    )
    if plan is None:
        headline = "Plan: none (" + ("; ".join(res.reasons) or "insufficient data") + ")."
        summary = "No plan: " + "; ".join(res.reasons)
    else:
        calls = {s: getattr(plan, s) for s in ("long", "short")}
        live = [s for s, sp in calls.items() if sp.actionable]
        if not live:
            headline = "Plan: no trade on either side."
        elif plan.preferred and plan.preferred in live:
            headline = f"Plan: {plan.preferred} side preferred: {_call(calls[plan.preferred])}."
        elif plan.preferred:
            headline = f"Plan: bias prefers {plan.preferred}, but that side is no trade; {' / '.join(live)} only."
        else:
            headline = f"Plan: neutral bias; {' and '.join(live)} qualif{'y' if len(live) > 1 else 'ies'}."
        parts = [
            b.text(
                "Risking {risk.account_risk} of equity per trade; notional at most {risk.max_leverage} times equity."
            )
        ]
        for side, sp in calls.items():
            if not sp.actionable:
                parts.append(f"{side.title()}: {_call(sp)}.")
                continue
            parts.append(
                f"{side.title()}: {_call(sp)}; "
                + b.text(
                    f"zone {{risk.{side}.entry_low}} to {{risk.{side}.entry_high}}, stop {{risk.{side}.stop}}, "
                    f"target {{risk.{side}.target1}}, reward/risk {{risk.{side}.reward_risk}} after costs, size "
                    f"{{risk.{side}.size}} of equity."
                )
            )
        summary = " ".join(parts)
    reasoning = (
        "Each side enters at its nearest support (long) or resistance (short) from AVWAPs, the value area and options "
        "walls, within {risk.reach_atr} ATRs of price (else: wait for that level); the ATR ({risk.atr}) is that of "
        "the structure bars named in the parameters. Zones are at most a third of the gap between the two entry "
        "levels, so they never overlap. Stops sit {risk.stop_buffer_atr} ATR beyond the last structural level under "
        "(over) the entry. Targets come from the side's own ladder: resting stops at untouched highs (lows) and "
        "modelled liquidation clusters in its direction. Reward/risk is to the first target after a taker fee of "
        "{risk.taker_fee} and slippage of {risk.slippage} on each fill; below {risk.min_reward_risk} the side is no "
        "trade. Size = account risk / loss at the stop, capped at the maximum leverage. "
    )
    record = plan_record_section(b, ctx.analyses.calibration.plan_record, keys)
    return make_phase(
        ctx,
        number=10,
        title="Risk Management",
        headline=headline,
        summary=summary,
        tables=[table, params_table],
        reasoning=b.text(reasoning) + record,
        keys=keys,
    )
