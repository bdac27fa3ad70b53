"""Pure rule evaluation: ``evaluate(rules, report, previous_state, now) -> (fired, new_state)``.

No I/O and no clock: ``now`` is given. One alert at most per (rule, asset) per evaluation; a rule whose condition
holds again before its cooldown has elapsed since it last fired stays quiet. Missing metrics never fire threshold,
distance or change rules (missing is not zero); they are what ``source_down`` rules watch for.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from derivintel.alerts.rules import Rule, RuleKind, RuleSet, Severity
from derivintel.alerts.state import AlertState, RuleState, Scalar
from derivintel.analytics.scanner.model import ASSET_METRIC_UNITS, ScanResult
from derivintel.core.compare import INEQUALITIES
from derivintel.report.model import Report


@dataclass(frozen=True, slots=True)
class Alert:
    """One fired rule. ``value``/``threshold`` are in ``unit`` (the metric's own units; fractions, not percent)."""

    rule: str
    severity: Severity
    asset: str
    metric: str | None
    value: Scalar  # metric value; for distance rules the distance |metric/level − 1| (fraction)
    threshold: Scalar  # threshold; for distance rules ``within``; for change rules the previous value
    unit: str | None
    condition: str  # the rule in words, e.g. "positioning.funding.oi_weighted_1h > 3e-05"
    detail: str  # what was observed, one line
    report_as_of: datetime
    fired_at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class _Check:
    hit: bool
    value: Scalar = None
    threshold: Scalar = None
    unit: str | None = None
    detail: str = ""
    observed: Scalar = None  # new baseline; None keeps the previous one


def _lookup(report: Report, key: str) -> tuple[Scalar, str | None]:
    """``(value, unit)``; value None when the metric is absent or has no value."""
    try:
        m = report.metric(key)
    except KeyError:
        return None, None
    v = m.value
    if isinstance(v, float) and not math.isfinite(v):
        return None, m.unit
    return v, m.unit


def _num(x: Scalar) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x)


def _fmt(x: Scalar) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x) if isinstance(x, str) else str(x)


def _compare(op: str, value: Scalar, threshold: Scalar, previous: Scalar) -> bool:
    if op in ("==", "!="):
        if isinstance(threshold, (bool, str)):
            equal = value == threshold and type(value) is type(threshold)
        else:
            v = _num(value)
            equal = v is not None and v == threshold
        return equal if op == "==" else not equal
    v, t = _num(value), _num(threshold)
    if v is None or t is None:
        return False
    if op in INEQUALITIES:
        return bool(INEQUALITIES[op](v, t))
    p = _num(previous)
    if p is None:
        return False  # no baseline yet: a cross needs a previous value on the other side
    if op == "crosses_above":
        return p < t <= v
    if op == "crosses_below":
        return p > t >= v
    raise ValueError(f"unknown operator {op!r}")


def _check(rule: Rule, report: Report, previous: Scalar) -> _Check:
    if rule.kind is RuleKind.THRESHOLD:
        assert rule.metric is not None
        assert rule.op is not None
        value, unit = _lookup(report, rule.metric)
        if value is None:
            return _Check(False)
        hit = _compare(rule.op, value, rule.threshold, previous)
        cross = f" (previous {_fmt(previous)})" if rule.op.startswith("crosses") else ""
        detail = f"{rule.metric} = {_fmt(value)} {rule.op} {_fmt(rule.threshold)}{cross}"
        return _Check(hit, value, rule.threshold, unit, detail, observed=value)
    if rule.kind is RuleKind.DISTANCE:
        assert rule.metric is not None
        assert rule.level is not None
        assert rule.within is not None
        price, _ = _lookup(report, rule.metric)
        level, _ = _lookup(report, rule.level)
        p, lv = _num(price), _num(level)
        if p is None or lv is None or lv <= 0:
            return _Check(False)
        distance = abs(p / lv - 1.0)
        detail = (
            f"{rule.metric} = {p:.6g} is {distance:.4f} from {rule.level} = {lv:.6g} "
            f"(fraction; alert within {rule.within:g})"
        )
        return _Check(distance <= rule.within, distance, rule.within, "fraction", detail, observed=distance)
    if rule.kind is RuleKind.CHANGE:
        assert rule.metric is not None
        value, unit = _lookup(report, rule.metric)
        if value is None:
            return _Check(False)
        hit = (
            previous is not None
            and value != previous
            and (rule.to_value is None or value == rule.to_value)
            and (rule.from_value is None or previous == rule.from_value)
        )
        detail = f"{rule.metric} changed from {_fmt(previous)} to {_fmt(value)}"
        return _Check(hit, value, previous, unit, detail, observed=value)
    # SOURCE_DOWN
    reasons: list[str] = []
    if rule.source is not None:
        needle = rule.source.lower()
        reasons += [
            f"{g.source} {g.kind}: {g.reason}"
            for g in report.gaps
            if needle in g.source.lower() and g.kind in rule.gap_kinds
        ]
    if rule.metric is not None and _lookup(report, rule.metric)[0] is None:
        reasons.append(f"{rule.metric} missing")
    if not reasons:
        return _Check(False)
    return _Check(True, "; ".join(reasons), None, None, "source down: " + "; ".join(reasons))


def _condition(rule: Rule) -> str:
    if rule.kind is RuleKind.THRESHOLD:
        return f"{rule.metric} {rule.op} {_fmt(rule.threshold)}"
    if rule.kind is RuleKind.DISTANCE:
        return f"|{rule.metric} / {rule.level} − 1| ≤ {rule.within:g}"
    if rule.kind is RuleKind.CHANGE:
        parts = [f"{rule.metric} changes"]
        if rule.from_value is not None:
            parts.append(f"from {rule.from_value!r}")
        if rule.to_value is not None:
            parts.append(f"to {rule.to_value!r}")
        return " ".join(parts)
    targets = [f"gap in {rule.source!r}"] if rule.source else []
    if rule.metric:
        targets.append(f"{rule.metric} missing")
    return "source down: " + " or ".join(targets)


def in_cooldown(entry: RuleState, cooldown_s: int, now: datetime) -> bool:
    """True while fewer than ``cooldown_s`` seconds have passed since the rule last fired (clock going back: True)."""
    if entry.last_fired is None:
        return False
    return now < entry.last_fired + timedelta(seconds=cooldown_s)


def evaluate(
    rules: RuleSet | Iterable[Rule], report: Report, previous_state: AlertState, now: datetime
) -> tuple[tuple[Alert, ...], AlertState]:
    """Evaluate the rules that apply to ``report.symbol``; return the alerts that fire and the new state."""
    asset = report.symbol
    rule_list = rules.rules if isinstance(rules, RuleSet) else tuple(rules)
    state = previous_state
    fired: list[Alert] = []
    done: set[str] = set()
    for rule in rule_list:
        if rule.kind is RuleKind.SCAN or not rule.applies_to(asset) or rule.name in done:
            continue  # scan rules run over a scan (evaluate_scan), not a report
        done.add(rule.name)
        entry = state.get(rule.name, asset)
        check = _check(rule, report, entry.last_value)
        new_entry = entry if check.observed is None else replace(entry, last_value=check.observed)
        if check.hit and not in_cooldown(entry, rule.cooldown_s, now):
            new_entry = replace(new_entry, last_fired=now, fire_count=entry.fire_count + 1)
            fired.append(
                Alert(
                    rule=rule.name,
                    severity=rule.severity,
                    asset=asset,
                    metric=rule.metric,
                    value=check.value,
                    threshold=check.threshold,
                    unit=check.unit,
                    condition=_condition(rule),
                    detail=check.detail,
                    report_as_of=report.as_of,
                    fired_at=now,
                    note=rule.note,
                )
            )
        if new_entry != entry:
            state = state.with_entry(rule.name, asset, new_entry)
    return tuple(fired), state


def evaluate_scan(
    rules: RuleSet | Iterable[Rule], scan: ScanResult, previous_state: AlertState, now: datetime
) -> tuple[tuple[Alert, ...], AlertState]:
    """Evaluate the ``scan`` rules over every asset row of ``scan`` (or the rule's ``assets``): one alert per
    (rule, coin) whose figure meets the condition, outside its cooldown. A missing figure never fires. Pure."""
    rule_list = rules.rules if isinstance(rules, RuleSet) else tuple(rules)
    state = previous_state
    fired: list[Alert] = []
    for rule in rule_list:
        if rule.kind is not RuleKind.SCAN:
            continue
        assert rule.metric is not None
        assert rule.op is not None
        for row in scan.assets:
            if not rule.applies_to(row.base):
                continue
            value = getattr(row, rule.metric)
            if value is None or not _compare(rule.op, value, rule.threshold, None):
                continue
            entry = state.get(rule.name, row.base)
            if in_cooldown(entry, rule.cooldown_s, now):
                continue
            state = state.with_entry(
                rule.name, row.base, replace(entry, last_fired=now, last_value=value, fire_count=entry.fire_count + 1)
            )
            venues = ", ".join(row.venues)
            fired.append(
                Alert(
                    rule=rule.name,
                    severity=rule.severity,
                    asset=row.base,
                    metric=f"scan.{rule.metric}",
                    value=value,
                    threshold=rule.threshold,
                    unit=ASSET_METRIC_UNITS[rule.metric],
                    condition=f"scan {rule.metric} {rule.op} {_fmt(rule.threshold)}",
                    detail=f"{row.base}: {rule.metric} = {_fmt(value)} {rule.op} {_fmt(rule.threshold)} ({venues})",
                    report_as_of=scan.as_of,
                    fired_at=now,
                    note=rule.note,
                )
            )
    return tuple(fired), state
