"""Alert rules: parse and validate a TOML rules file into frozen ``Rule`` values.

Every problem is reported as ``RulesError`` (a ``UserInputError``) whose message names the file, the line and the
problem, e.g. ``rules.toml:12: rule 'funding-hot': unknown metric key 'price.lst' (did you mean 'price.last'?)``.

Thresholds are in the metric's OWN units, as the report stores them: fractions, not percent (funding per hour
0.0001 = 0.01 %/h; an OI change of −5 % is −0.05; a share of 55 % is 0.55). See docs/alerts.md.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from derivintel.alerts.rule_models import (
    RuleContext,
    RuleFieldError,
    validate_rule,
)
from derivintel.core.errors import UserInputError
from derivintel.domain.universe import Universe
from derivintel.report.model import Report


class RulesError(UserInputError):
    """A rules file is malformed; the message is one line ``file:line: problem``."""


class RuleKind(StrEnum):
    THRESHOLD = "threshold"  # metric <op> threshold (op may be crosses_above / crosses_below)
    DISTANCE = "distance"  # |metric / level − 1| ≤ within
    CHANGE = "change"  # metric value differs from the value seen in the previous evaluation
    SOURCE_DOWN = "source_down"  # a gap in the report matches ``source``, or ``metric`` is missing
    SCAN = "scan"  # a scan asset figure <op> threshold, for every scanned coin (``derivintel scan --rules``)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


_DURATION = re.compile(r"(\d+)([smhdw])")
_DURATION_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_RULE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")

# Metric keys whose middle segment depends on the venues, expiries, secondary assets or counts of the report.
# A key is valid when, after these substitutions, it equals a key of the demo report after the same substitutions.
DYNAMIC_KEY_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^positioning\.venue\.[a-z0-9_]+\."), "positioning.venue.<venue>."),
    (re.compile(r"^positioning\.ls\.[a-z0-9_]+\."), "positioning.ls.<venue>."),
    (re.compile(r"^options\.expiry\.\d{8}\."), "options.expiry.<yyyymmdd>."),
    (re.compile(r"^tactical\.[a-z0-9]+\."), "tactical.<asset>."),
    (re.compile(r"^liquidity\.stops\.(above|below|swept)_\d+"), r"liquidity.stops.\1_<n>"),
    (re.compile(r"^liquidity\.hvn_\d+$"), "liquidity.hvn_<n>"),
)


def normalise_key(key: str) -> str:
    """The key with its dynamic segment (venue, expiry, asset, rank) replaced by a placeholder."""
    for pattern, repl in DYNAMIC_KEY_PATTERNS:
        new = pattern.sub(repl, key, count=1)
        if new != key:
            return new
    return key


@dataclass(frozen=True, slots=True)
class KnownMetrics:
    """Metric keys (normalised) and their units, as produced by a report."""

    units: Mapping[str, str]

    @classmethod
    def from_report(cls, report: Report) -> KnownMetrics:
        return cls(units={normalise_key(m.key): m.unit for m in report.all_metrics()})

    def unit_of(self, key: str) -> str | None:
        """Unit of ``key`` or None when the key is unknown."""
        return self.units.get(normalise_key(key))

    def suggest(self, key: str) -> str | None:
        close = difflib.get_close_matches(normalise_key(key), list(self.units), n=1, cutoff=0.6)
        return close[0] if close else None


@dataclass(frozen=True, slots=True)
class Rule:
    """One alert rule. Numbers are in the metric's own units (fractions, not percent).

    - ``threshold``: fires when ``metric <op> threshold``; ``crosses_above`` fires when the previous value was
      below the threshold and the current one is at or above it (``crosses_below`` mirrored).
    - ``distance``: fires when ``|metric / level − 1| ≤ within`` (``within`` a fraction: 0.01 = 1 %).
    - ``change``: fires when the metric's value differs from the previous evaluation's (optionally only into
      ``to`` / out of ``from_value``).
    - ``source_down``: fires when a report gap's source contains ``source`` with a kind in ``gap_kinds``, or when
      ``metric`` is absent or has no value.
    - ``scan``: fires for each scanned coin (or only ``assets``) whose scan figure ``metric`` (a field of the scan's
      asset rows, ``ASSET_METRIC_UNITS``: ``funding_z``, ``funding_1h``, ``oi_change_frac``, …) ``<op> threshold``;
      evaluated over ``derivintel scan``, never over a report.
    """

    name: str
    kind: RuleKind
    metric: str | None
    op: str | None
    threshold: float | str | bool | None
    level: str | None
    within: float | None
    source: str | None
    gap_kinds: tuple[str, ...]
    to_value: str | None
    from_value: str | None
    cooldown_s: int
    severity: Severity
    assets: tuple[str, ...]  # empty: every asset
    note: str | None
    line: int  # line of the rule's [[rule]] header in the file

    def applies_to(self, asset: str) -> bool:
        return not self.assets or asset in self.assets


@dataclass(frozen=True, slots=True)
class RuleSet:
    path: str
    rules: tuple[Rule, ...]


def parse_duration(text: object) -> int:
    """``"30m"``, ``"4h"``, ``"1h30m"``, ``"90s"``, ``"2d"``, ``"1w"`` → seconds. ``ValueError`` otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"bad duration {text!r}: expected a string like '30m', '4h', '1h30m' (units s, m, h, d, w)")
    raw = text.strip().lower()
    if not re.fullmatch(r"(\d+[smhdw])+", raw):
        raise ValueError(f"bad duration {text!r}: expected a string like '30m', '4h', '1h30m' (units s, m, h, d, w)")
    return sum(int(n) * _DURATION_S[u] for n, u in _DURATION.findall(raw))


# --- locating lines -------------------------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Line numbers (1-based) of each ``[[rule]]`` header and of ``key =`` lines inside each table."""

    rule_lines: tuple[int, ...]
    rule_keys: tuple[dict[str, int], ...]
    defaults_line: int
    defaults_keys: dict[str, int]


def _layout(text: str) -> _Layout:
    rule_lines: list[int] = []
    rule_keys: list[dict[str, int]] = []
    defaults_line = 1
    defaults_keys: dict[str, int] = {}
    current: dict[str, int] | None = None
    for i, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m and line.lstrip().startswith("["):
            name = m.group(1).strip().strip("\"'")
            is_array = line.lstrip().startswith("[[")
            if is_array and name == "rule":
                rule_lines.append(i)
                current = {}
                rule_keys.append(current)
            elif not is_array and name == "defaults":
                defaults_line = i
                current = defaults_keys
            else:
                current = None
            continue
        km = re.match(r"^\s*([A-Za-z0-9_\-]+)\s*=", line)
        if km and current is not None:
            current.setdefault(km.group(1), i)
    return _Layout(tuple(rule_lines), tuple(rule_keys), defaults_line, defaults_keys)


# --- parsing --------------------------------------------------------------------------------------------------------

_RULE_FIELDS = {
    "name",
    "kind",
    "metric",
    "op",
    "threshold",
    "level",
    "within",
    "source",
    "gap_kinds",
    "to",
    "from",
    "cooldown",
    "severity",
    "assets",
    "note",
}
_DEFAULT_FIELDS = {"cooldown", "severity", "assets"}


class _Ctx:
    def __init__(self, label: str, layout: _Layout) -> None:
        self.label = label
        self.layout = layout

    def fail(self, line: int, problem: str) -> RulesError:
        return RulesError(f"{self.label}:{line}: {problem}")


def parse_rules(text: str, *, known: KnownMetrics, path: str = "<rules>", universe: Universe | None = None) -> RuleSet:
    """Parse TOML ``text`` into a ``RuleSet``, checking metric keys and units against ``known`` (the app layer passes
    the demo report's, ``derivintel.app.report_providers.demo_known_metrics``) and a rule's ``assets`` against
    ``universe`` (the instrument universe the app loaded; None: the built-in assets)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else 1
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg) if m else msg
        col = f" (column {m.group(2)})" if m else ""
        raise RulesError(f"{path}:{line}: TOML syntax error: {detail}{col}") from exc
    layout = _layout(text)
    ctx = _Ctx(path, layout)

    unknown_top = sorted(set(data) - {"rule", "defaults"})
    if unknown_top:
        raise ctx.fail(1, f"unknown top-level entry {unknown_top[0]!r} (expected [defaults] and [[rule]] tables)")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ctx.fail(layout.defaults_line, "[defaults] must be a table")
    for key in defaults:
        if key not in _DEFAULT_FIELDS:
            line = layout.defaults_keys.get(key, layout.defaults_line)
            raise ctx.fail(line, f"[defaults]: unknown field {key!r} (allowed: {', '.join(sorted(_DEFAULT_FIELDS))})")
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ctx.fail(1, "no rules: add at least one [[rule]] table")

    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_rules):
        line = layout.rule_lines[index] if index < len(layout.rule_lines) else 1
        keys = layout.rule_keys[index] if index < len(layout.rule_keys) else {}
        rule = _parse_rule(raw, defaults, line, keys, ctx, known, universe)
        if rule.name in seen:
            raise ctx.fail(line, f"duplicate rule name {rule.name!r} (first defined at line {seen[rule.name]})")
        seen[rule.name] = line
        rules.append(rule)
    return RuleSet(path=path, rules=tuple(rules))


def load_rules(path: str | Path, *, known: KnownMetrics, universe: Universe | None = None) -> RuleSet:
    """Read and parse a rules file; ``RulesError`` naming the file and line on any problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{p}: cannot read rules file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RulesError(f"{p}: rules file is not UTF-8 text") from exc
    return parse_rules(text, path=str(p), known=known, universe=universe)


def _parse_rule(
    raw: Any,
    defaults: dict[str, Any],
    line: int,
    keys: dict[str, int],
    ctx: _Ctx,
    known: KnownMetrics,
    universe: Universe | None = None,
) -> Rule:
    """One ``[[rule]]`` table → ``Rule``: the name, unknown fields and the kind here, the rest by the kind's model
    (``rule_models``); every problem is ``file:line: rule 'name': problem`` at the line of the field at fault."""

    def at(field: str) -> int:
        return keys.get(field, line)

    if not isinstance(raw, dict):
        raise ctx.fail(line, "each [[rule]] must be a table")
    name = raw.get("name")
    if not isinstance(name, str) or not _RULE_NAME.fullmatch(name):
        raise ctx.fail(at("name"), f"rule needs a 'name' (letters, digits, '-', '_', '.'; got {name!r})")
    where = f"rule {name!r}"

    extra = sorted(set(raw) - _RULE_FIELDS)
    if extra:
        allowed = ", ".join(sorted(_RULE_FIELDS))
        raise ctx.fail(at(extra[0]), f"{where}: unknown field {extra[0]!r} (allowed: {allowed})")

    kind_raw = raw.get("kind", "threshold")
    try:
        kind = RuleKind(kind_raw)
    except ValueError:
        choices = ", ".join(k.value for k in RuleKind)
        raise ctx.fail(at("kind"), f"{where}: bad kind {kind_raw!r} (expected one of {choices})") from None

    merged = {**defaults, **raw}
    try:
        cooldown_s = parse_duration(merged.get("cooldown", "1h"))
    except ValueError as exc:
        cl = at("cooldown") if "cooldown" in raw else ctx.layout.defaults_keys.get("cooldown", line)
        raise ctx.fail(cl, f"{where}: {exc}") from None
    data = {k: v for k, v in merged.items() if k != "cooldown"}
    data.update(kind=kind.value, cooldown_s=cooldown_s)
    try:
        model = validate_rule(kind.value, data, RuleContext(known, universe))
    except RuleFieldError as exc:
        raise ctx.fail(line if exc.field is None else at(exc.field), f"{where}: {exc.problem}") from None
    fields = model.model_dump()
    return Rule(
        name=name,
        kind=kind,
        metric=fields.get("metric"),
        op=fields.get("op"),
        threshold=fields.get("threshold"),
        level=fields.get("level"),
        within=fields.get("within"),
        source=fields.get("source"),
        gap_kinds=tuple(fields.get("gap_kinds", ())),
        to_value=fields.get("to_value"),
        from_value=fields.get("from_value"),
        cooldown_s=cooldown_s,
        severity=Severity(model.severity),
        assets=model.assets,
        note=model.note,
        line=line,
    )
