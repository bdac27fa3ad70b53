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

from derivintel.analytics.scanner.model import ASSET_METRIC_UNITS
from derivintel.core.errors import UserInputError
from derivintel.domain.assets import normalise_asset
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


COMPARE_OPS = (">", ">=", "<", "<=", "==", "!=")
CROSS_OPS = ("crosses_above", "crosses_below")
OPERATORS = COMPARE_OPS + CROSS_OPS
NUMERIC_ONLY_OPS = (">", ">=", "<", "<=", *CROSS_OPS)

_DURATION = re.compile(r"(\d+)([smhdw])")
_DURATION_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_RULE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
DEFAULT_GAP_KINDS = ("unavailable", "blocked", "bad_payload")
ALL_GAP_KINDS = (*DEFAULT_GAP_KINDS, "not_covered", "not_configured", "insufficient_history")

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

# Units whose values are bounded, so a number outside the bound is almost surely given in percent.
_PERCENT_GUARDS: dict[str, tuple[float, float, str]] = {
    "share": (0.0, 1.0, "a share is a fraction in [0, 1]: 55 % is 0.55"),
    "fraction_per_hour": (-0.04, 0.04, "funding is a fraction per hour (cap 4 %/h = 0.04): 0.01 %/h is 0.0001"),
    "iv": (-5.0, 5.0, "implied volatility is a fraction: 55 % is 0.55"),
}


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


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


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
    sev_raw = merged.get("severity", "warning")
    try:
        severity = Severity(sev_raw)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise ctx.fail(at("severity"), f"{where}: bad severity {sev_raw!r} (expected one of {choices})") from None
    assets_raw = merged.get("assets", [])
    if isinstance(assets_raw, str):
        assets_raw = [assets_raw]
    if not isinstance(assets_raw, list) or not all(isinstance(a, str) for a in assets_raw):
        raise ctx.fail(at("assets"), f'{where}: \'assets\' must be a list of symbols like ["BTC", "ETH"]')
    try:
        assets = tuple(dict.fromkeys(normalise_asset(a, universe) for a in assets_raw))
    except UserInputError as exc:
        raise ctx.fail(at("assets"), f"{where}: {exc}") from None
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise ctx.fail(at("note"), f"{where}: 'note' must be a string")

    def metric_key(field: str, required: bool) -> str | None:
        key = raw.get(field)
        if key is None:
            if required:
                raise ctx.fail(line, f"{where}: {kind.value} rule needs '{field}' (a report metric key)")
            return None
        if not isinstance(key, str):
            raise ctx.fail(at(field), f"{where}: '{field}' must be a metric key string, got {key!r}")
        if known.unit_of(key) is None:
            hint = known.suggest(key)
            more = f" (did you mean {hint!r}?)" if hint else ""
            raise ctx.fail(at(field), f"{where}: unknown metric key {key!r}{more}")
        return key

    def forbid(*fields: str) -> None:
        for f in fields:
            if f in raw:
                raise ctx.fail(at(f), f"{where}: field {f!r} does not apply to a {kind.value} rule")

    metric = op = level = source = to_value = from_value = None
    threshold: float | str | bool | None = None
    within: float | None = None
    gap_kinds: tuple[str, ...] = ()

    if kind is RuleKind.THRESHOLD:
        forbid("level", "within", "source", "gap_kinds", "to", "from")
        metric = metric_key("metric", required=True)
        assert metric is not None
        op = raw.get("op")
        if op not in OPERATORS:
            raise ctx.fail(at("op"), f"{where}: bad operator {op!r} (expected one of {', '.join(OPERATORS)})")
        if "threshold" not in raw:
            raise ctx.fail(line, f"{where}: threshold rule needs 'threshold' (in the metric's own units)")
        threshold = raw["threshold"]
        unit = known.unit_of(metric)
        if unit == "label":
            if op in NUMERIC_ONLY_OPS:
                raise ctx.fail(at("op"), f"{where}: operator {op!r} needs a numeric metric; {metric} is a label")
            if not isinstance(threshold, (str, bool)):
                raise ctx.fail(
                    at("threshold"), f'{where}: {metric} is a label: compare it with a string, e.g. "bearish"'
                )
        elif not _is_number(threshold):
            raise ctx.fail(
                at("threshold"),
                f"{where}: threshold must be a number in the metric's own units ({unit}; fractions, not percent), "
                f"got {threshold!r}",
            )
        if _is_number(threshold):
            threshold = float(threshold)  # type: ignore[arg-type]
            guard = _PERCENT_GUARDS.get(unit or "")
            if guard and not guard[0] <= threshold <= guard[1]:
                raise ctx.fail(at("threshold"), f"{where}: threshold {raw['threshold']!r} out of range: {guard[2]}")
    elif kind is RuleKind.DISTANCE:
        forbid("op", "threshold", "source", "gap_kinds", "to", "from")
        metric = metric_key("metric", required=False) or "price.last"
        level = metric_key("level", required=True)
        for key in (metric, level):
            if known.unit_of(key) != "usd":
                raise ctx.fail(at("level"), f"{where}: distance rules compare USD price levels; {key} is not one")
        within = raw.get("within")
        if not _is_number(within) or not 0 < float(within) < 1:  # type: ignore[arg-type]
            raise ctx.fail(
                at("within"),
                f"{where}: 'within' must be a fraction between 0 and 1 (0.01 = 1 %, not percent), got {within!r}",
            )
        within = float(within)  # type: ignore[arg-type]
    elif kind is RuleKind.CHANGE:
        forbid("op", "threshold", "level", "within", "source", "gap_kinds")
        metric = metric_key("metric", required=True)
        for field in ("to", "from"):
            v = raw.get(field)
            if v is not None and not isinstance(v, str):
                raise ctx.fail(at(field), f"{where}: '{field}' must be a string value, e.g. \"bearish\"")
        to_value, from_value = raw.get("to"), raw.get("from")
    elif kind is RuleKind.SCAN:
        forbid("level", "within", "source", "gap_kinds", "to", "from")
        metric = raw.get("metric")
        if metric not in ASSET_METRIC_UNITS:
            close = difflib.get_close_matches(str(metric), list(ASSET_METRIC_UNITS), n=1, cutoff=0.6)
            more = f" (did you mean {close[0]!r}?)" if close else f" (one of {', '.join(ASSET_METRIC_UNITS)})"
            raise ctx.fail(at("metric"), f"{where}: unknown scan metric {metric!r}{more}")
        op = raw.get("op")
        scan_ops = (">", ">=", "<", "<=")
        if op not in scan_ops:
            raise ctx.fail(at("op"), f"{where}: bad operator {op!r} for a scan rule (one of {', '.join(scan_ops)})")
        threshold = raw.get("threshold")
        if not _is_number(threshold):
            unit = ASSET_METRIC_UNITS[metric]
            raise ctx.fail(at("threshold"), f"{where}: threshold must be a number in {unit}, got {threshold!r}")
        threshold = float(threshold)  # type: ignore[arg-type]
        guard = _PERCENT_GUARDS.get(ASSET_METRIC_UNITS[metric])
        if guard and not guard[0] <= threshold <= guard[1]:
            raise ctx.fail(at("threshold"), f"{where}: threshold {raw['threshold']!r} out of range: {guard[2]}")
    else:  # SOURCE_DOWN
        forbid("op", "threshold", "level", "within", "to", "from")
        metric = metric_key("metric", required=False)
        source = raw.get("source")
        if source is not None and (not isinstance(source, str) or not source.strip()):
            raise ctx.fail(at("source"), f"{where}: 'source' must be a non-empty string, e.g. \"binance\"")
        if source is None and metric is None:
            raise ctx.fail(line, f"{where}: source_down rule needs 'source' (gap source text) and/or 'metric'")
        kinds_raw = raw.get("gap_kinds", list(DEFAULT_GAP_KINDS))
        if not isinstance(kinds_raw, list) or any(k not in ALL_GAP_KINDS for k in kinds_raw):
            raise ctx.fail(
                at("gap_kinds"), f"{where}: 'gap_kinds' must be a list drawn from {', '.join(ALL_GAP_KINDS)}"
            )
        gap_kinds = tuple(kinds_raw)

    return Rule(
        name=name,
        kind=kind,
        metric=metric,
        op=op,
        threshold=threshold,
        level=level,
        within=within,
        source=source,
        gap_kinds=gap_kinds,
        to_value=to_value,
        from_value=from_value,
        cooldown_s=cooldown_s,
        severity=severity,
        assets=assets,
        note=note,
        line=line,
    )
