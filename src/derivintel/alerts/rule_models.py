"""One pydantic model per alert rule kind: the fields a kind takes, their checks, and the wording of each problem.

``validate_rule`` runs the kind's model on one ``[[rule]]`` table (defaults merged) and returns the model or raises
``RuleFieldError`` naming the field at fault (None: the rule as a whole, reported at its ``[[rule]]`` line), so the
caller (``alerts.rules``) can print ``file:line: rule 'name': problem`` for the line of that field. A field another
kind takes is refused as not applying to this kind; the metric keys and units are checked against the report's
known metrics and the assets against the instrument universe, both passed in the validation context.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from derivintel.analytics.scanner.model import ASSET_METRIC_UNITS
from derivintel.core.errors import UserInputError
from derivintel.domain.assets import normalise_asset
from derivintel.domain.universe import Universe

if TYPE_CHECKING:
    from derivintel.alerts.rules import KnownMetrics

COMPARE_OPS = (">", ">=", "<", "<=", "==", "!=")
CROSS_OPS = ("crosses_above", "crosses_below")
OPERATORS = COMPARE_OPS + CROSS_OPS
NUMERIC_ONLY_OPS = (">", ">=", "<", "<=", *CROSS_OPS)
SCAN_OPS = (">", ">=", "<", "<=")
DEFAULT_GAP_KINDS = ("unavailable", "blocked", "bad_payload")
ALL_GAP_KINDS = (*DEFAULT_GAP_KINDS, "not_covered", "not_configured", "insufficient_history")
SEVERITIES = ("info", "warning", "critical")

# Units whose values are bounded, so a number outside the bound is almost surely given in percent.
PERCENT_GUARDS: dict[str, tuple[float, float, str]] = {
    "share": (0.0, 1.0, "a share is a fraction in [0, 1]: 55 % is 0.55"),
    "fraction_per_hour": (-0.04, 0.04, "funding is a fraction per hour (cap 4 %/h = 0.04): 0.01 %/h is 0.0001"),
    "iv": (-5.0, 5.0, "implied volatility is a fraction: 55 % is 0.55"),
}


class RuleFieldError(ValueError):
    """A problem of one rule: ``field`` at fault (None: the rule's header line), ``problem`` in words."""

    def __init__(self, field: str | None, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule is checked against: the report's known metrics and the instrument universe (None: built-in)."""

    known: KnownMetrics
    universe: Universe | None = None


def is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _context(info: ValidationInfo) -> RuleContext:
    assert info.context is not None  # validate_rule always passes it
    return info.context["rule"]


def _metric_key(field: str, key: object, info: ValidationInfo, *, kind: str, required: bool) -> str | None:
    if key is None:
        if required:
            raise RuleFieldError(None, f"{kind} rule needs '{field}' (a report metric key)")
        return None
    if not isinstance(key, str):
        raise RuleFieldError(field, f"'{field}' must be a metric key string, got {key!r}")
    known = _context(info).known
    if known.unit_of(key) is None:
        hint = known.suggest(key)
        more = f" (did you mean {hint!r}?)" if hint else ""
        raise RuleFieldError(field, f"unknown metric key {key!r}{more}")
    return key


def _guard(unit: str | None, value: float, raw: object) -> None:
    guard = PERCENT_GUARDS.get(unit or "")
    if guard and not guard[0] <= value <= guard[1]:
        raise RuleFieldError("threshold", f"threshold {raw!r} out of range: {guard[2]}")


class RuleModel(BaseModel):
    """The fields every kind takes. ``cooldown_s`` is parsed by the caller (its line may be in ``[defaults]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    KIND: ClassVar[str]

    name: str
    kind: str
    cooldown_s: int
    severity: str = "warning"
    assets: tuple[str, ...] = ()
    note: str | None = None

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, v: object) -> str:
        if v not in SEVERITIES:
            raise RuleFieldError("severity", f"bad severity {v!r} (expected one of {', '.join(SEVERITIES)})")
        return str(v)

    @field_validator("assets", mode="before")
    @classmethod
    def _assets(cls, v: object, info: ValidationInfo) -> tuple[str, ...]:
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(a, str) for a in v):
            raise RuleFieldError("assets", '\'assets\' must be a list of symbols like ["BTC", "ETH"]')
        try:
            return tuple(dict.fromkeys(normalise_asset(a, _context(info).universe) for a in v))
        except UserInputError as exc:
            raise RuleFieldError("assets", str(exc)) from None

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, v: object) -> str | None:
        if v is not None and not isinstance(v, str):
            raise RuleFieldError("note", "'note' must be a string")
        return v


class ThresholdRule(RuleModel):
    """``metric <op> threshold`` in the metric's own units; labels compare with strings."""

    KIND = "threshold"
    metric: str | None = Field(None, validate_default=True)
    op: str | None = Field(None, validate_default=True)
    threshold: float | str | bool | None = Field(None, validate_default=True)

    @field_validator("metric", mode="before")
    @classmethod
    def _metric(cls, v: object, info: ValidationInfo) -> str | None:
        return _metric_key("metric", v, info, kind=cls.KIND, required=True)

    @field_validator("op", mode="before")
    @classmethod
    def _op(cls, v: object) -> str:
        if v not in OPERATORS:
            raise RuleFieldError("op", f"bad operator {v!r} (expected one of {', '.join(OPERATORS)})")
        return str(v)

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, v: object) -> object:
        if v is None:
            raise RuleFieldError(None, "threshold rule needs 'threshold' (in the metric's own units)")
        return v

    @model_validator(mode="after")
    def _by_unit(self, info: ValidationInfo) -> ThresholdRule:
        assert self.metric is not None
        assert self.op is not None
        unit = _context(info).known.unit_of(self.metric)
        v = self.threshold
        if unit == "label":
            if self.op in NUMERIC_ONLY_OPS:
                raise RuleFieldError("op", f"operator {self.op!r} needs a numeric metric; {self.metric} is a label")
            if not isinstance(v, (str, bool)):
                raise RuleFieldError("threshold", f'{self.metric} is a label: compare it with a string, e.g. "bearish"')
            return self
        if not is_number(v):
            raise RuleFieldError(
                "threshold",
                f"threshold must be a number in the metric's own units ({unit}; fractions, not percent), got {v!r}",
            )
        _guard(unit, float(v), v)  # type: ignore[arg-type]
        return self.model_copy(update={"threshold": float(v)})  # type: ignore[arg-type]


class DistanceRule(RuleModel):
    """``|metric / level − 1| ≤ within`` between two USD price levels (``metric`` defaults to ``price.last``)."""

    KIND = "distance"
    metric: str = "price.last"
    level: str | None = Field(None, validate_default=True)
    within: float | None = Field(None, validate_default=True)

    @field_validator("metric", mode="before")
    @classmethod
    def _metric(cls, v: object, info: ValidationInfo) -> str:
        return _metric_key("metric", v, info, kind=cls.KIND, required=False) or "price.last"

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, v: object, info: ValidationInfo) -> str | None:
        return _metric_key("level", v, info, kind=cls.KIND, required=True)

    @field_validator("within", mode="before")
    @classmethod
    def _within(cls, v: object) -> float:
        if not is_number(v) or not 0 < float(v) < 1:  # type: ignore[arg-type]
            raise RuleFieldError(
                "within", f"'within' must be a fraction between 0 and 1 (0.01 = 1 %, not percent), got {v!r}"
            )
        return float(v)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _usd(self, info: ValidationInfo) -> DistanceRule:
        known = _context(info).known
        for key in (self.metric, self.level):
            if known.unit_of(key) != "usd":  # type: ignore[arg-type]
                raise RuleFieldError("level", f"distance rules compare USD price levels; {key} is not one")
        return self


class ChangeRule(RuleModel):
    """The metric's value differs from the previous evaluation's (optionally only into ``to`` / out of ``from``)."""

    KIND = "change"
    metric: str | None = Field(None, validate_default=True)
    to_value: str | None = Field(None, alias="to")
    from_value: str | None = Field(None, alias="from")

    @field_validator("metric", mode="before")
    @classmethod
    def _metric(cls, v: object, info: ValidationInfo) -> str | None:
        return _metric_key("metric", v, info, kind=cls.KIND, required=True)

    @field_validator("to_value", "from_value", mode="before")
    @classmethod
    def _label(cls, v: object, info: ValidationInfo) -> str | None:
        field = "to" if info.field_name == "to_value" else "from"
        if v is not None and not isinstance(v, str):
            raise RuleFieldError(field, f"'{field}' must be a string value, e.g. \"bearish\"")
        return v


class ScanRule(RuleModel):
    """A scan figure of every scanned coin (``ASSET_METRIC_UNITS``) ``<op> threshold``."""

    KIND = "scan"
    metric: str | None = Field(None, validate_default=True)
    op: str | None = Field(None, validate_default=True)
    threshold: float | None = Field(None, validate_default=True)

    @field_validator("metric", mode="before")
    @classmethod
    def _metric(cls, v: object) -> str:
        if v not in ASSET_METRIC_UNITS:
            close = difflib.get_close_matches(str(v), list(ASSET_METRIC_UNITS), n=1, cutoff=0.6)
            more = f" (did you mean {close[0]!r}?)" if close else f" (one of {', '.join(ASSET_METRIC_UNITS)})"
            raise RuleFieldError("metric", f"unknown scan metric {v!r}{more}")
        return str(v)

    @field_validator("op", mode="before")
    @classmethod
    def _op(cls, v: object) -> str:
        if v not in SCAN_OPS:
            raise RuleFieldError("op", f"bad operator {v!r} for a scan rule (one of {', '.join(SCAN_OPS)})")
        return str(v)

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, v: object) -> object:
        return v  # checked with its metric's unit below

    @model_validator(mode="after")
    def _by_unit(self) -> ScanRule:
        unit = ASSET_METRIC_UNITS[self.metric]  # type: ignore[index]
        v = self.threshold
        if not is_number(v):
            raise RuleFieldError("threshold", f"threshold must be a number in {unit}, got {v!r}")
        _guard(unit, float(v), v)  # type: ignore[arg-type]
        return self.model_copy(update={"threshold": float(v)})  # type: ignore[arg-type]


class SourceDownRule(RuleModel):
    """A report gap whose source contains ``source`` with a kind in ``gap_kinds``, or ``metric`` missing."""

    KIND = "source_down"
    metric: str | None = None
    source: str | None = None
    gap_kinds: tuple[str, ...] = Field(DEFAULT_GAP_KINDS, validate_default=True)

    @field_validator("metric", mode="before")
    @classmethod
    def _metric(cls, v: object, info: ValidationInfo) -> str | None:
        return _metric_key("metric", v, info, kind=cls.KIND, required=False)

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, v: object) -> str | None:
        if v is not None and (not isinstance(v, str) or not v.strip()):
            raise RuleFieldError("source", "'source' must be a non-empty string, e.g. \"binance\"")
        return v

    @field_validator("gap_kinds", mode="before")
    @classmethod
    def _kinds(cls, v: object) -> tuple[str, ...]:
        if not isinstance(v, (list, tuple)) or any(k not in ALL_GAP_KINDS for k in v):
            raise RuleFieldError("gap_kinds", f"'gap_kinds' must be a list drawn from {', '.join(ALL_GAP_KINDS)}")
        return tuple(v)

    @model_validator(mode="after")
    def _something(self) -> SourceDownRule:
        if self.source is None and self.metric is None:
            raise RuleFieldError(None, "source_down rule needs 'source' (gap source text) and/or 'metric'")
        return self


MODELS: Mapping[str, type[RuleModel]] = {
    m.KIND: m for m in (ThresholdRule, DistanceRule, ChangeRule, SourceDownRule, ScanRule)
}
COMMON_FIELDS = ("name", "kind", "cooldown_s", "severity", "assets", "note")


def _field_of(model: type[RuleModel], loc: tuple[Any, ...]) -> str | None:
    if not loc:
        return None
    name = str(loc[0])
    info = model.model_fields.get(name)
    return info.alias if info is not None and info.alias else name


def validate_rule(kind: str, data: Mapping[str, Any], context: RuleContext) -> RuleModel:
    """The kind's model of ``data`` (a rule table with defaults merged and ``cooldown_s`` parsed), or ``RuleFieldError``
    for the first problem in the order a reader checks a rule: common fields, fields the kind does not take, then the
    kind's own fields in declaration order, then checks across fields."""
    model = MODELS[kind]
    try:
        return model.model_validate(dict(data), context={"rule": context})
    except ValidationError as exc:
        order = list(model.model_fields)
        ranked: list[tuple[tuple[int, int], RuleFieldError]] = []
        for err in exc.errors():
            field = _field_of(model, err["loc"])
            name = str(err["loc"][0]) if err["loc"] else None
            if err["type"] == "extra_forbidden":
                ranked.append(((1, 0), RuleFieldError(field, f"field {field!r} does not apply to a {kind} rule")))
                continue
            cause = (err.get("ctx") or {}).get("error")
            problem = cause if isinstance(cause, RuleFieldError) else RuleFieldError(field, err["msg"])
            index = order.index(name) if name in order else len(order)
            ranked.append(((0 if name in COMMON_FIELDS else 2, index), problem))
        raise min(ranked, key=lambda r: r[0])[1] from None
