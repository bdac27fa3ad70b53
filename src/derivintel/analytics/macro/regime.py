"""Macro regime (report phase 3): components with changes and signals, and a regime voted by rules held as data.

Missing components are listed in ``missing`` and make the result partial; they never vote neutral.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np

from derivintel.analytics.macro.correlation import DailySeries, log_return_correlation, series_from_macro
from derivintel.core.compare import INEQUALITIES, comparison
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime, to_datetime64, utc
from derivintel.domain.macro import MACRO_UNITS, MacroSeries


class Signal(StrEnum):
    RISK_ON = "risk_on"
    NEUTRAL = "neutral"
    RISK_OFF = "risk_off"


_VOTE = {Signal.RISK_ON: 1.0, Signal.RISK_OFF: -1.0, Signal.NEUTRAL: 0.0}


@dataclass(frozen=True, slots=True)
class Rule:
    """If ``component``'s ``field`` (``value`` or ``change``) ``op`` ``threshold``, vote ``vote`` with ``weight``."""

    component: str
    op: str
    threshold: float
    vote: Signal
    weight: float = 1.0
    field: str = "value"

    def __post_init__(self) -> None:
        comparison(self.op, INEQUALITIES)  # raises on an unknown operator
        if self.field not in ("value", "change"):
            raise ValueError("rule field must be 'value' or 'change'")
        if self.weight <= 0 or self.vote is Signal.NEUTRAL:
            raise ValueError("a rule votes risk_on or risk_off with a positive weight")

    def fires(self, x: float) -> bool:
        return bool(INEQUALITIES[self.op](x, self.threshold))

    @property
    def text(self) -> str:
        return f"{self.component}.{self.field} {self.op} {self.threshold:g} → {self.vote.value} (w {self.weight:g})"


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """How to build a component from macro series ``series``: change over ``lookback`` observations
    (``lookback_unit='obs'``, trading days for exchange-traded series) or calendar days (``'days'``); ``change_kind``
    ``fraction`` (new/old − 1) or ``absolute`` (new − old, in the series unit)."""

    name: str
    series: str
    lookback: int
    lookback_unit: str
    change_kind: str


DEFAULT_SPECS: tuple[ComponentSpec, ...] = (
    ComponentSpec("vix", "vix", 5, "obs", "absolute"),
    ComponentSpec("nasdaq", "nasdaq", 5, "obs", "fraction"),
    ComponentSpec("dxy", "dxy", 20, "obs", "fraction"),
    ComponentSpec("wti", "wti", 20, "obs", "fraction"),
    ComponentSpec("stablecoin_supply_7d", "stablecoin_supply", 7, "days", "fraction"),
    ComponentSpec("stablecoin_supply_30d", "stablecoin_supply", 30, "days", "fraction"),
    ComponentSpec("btc_dominance", "btc_dominance", 7, "days", "absolute"),
    ComponentSpec("eth_btc", "eth_btc", 7, "days", "fraction"),
)

CORRELATION_COMPONENT = "btc_nasdaq_corr_30d"

# Heuristic thresholds; documented in docs/analytics/macro.md. Change thresholds: VIX in index points, dominance in
# fraction points (0.01 = 1 pp), the rest relative fractions.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("vix", ">", 25.0, Signal.RISK_OFF, 1.0),
    Rule("vix", "<", 16.0, Signal.RISK_ON, 1.0),
    Rule("vix", ">", 3.0, Signal.RISK_OFF, 0.5, "change"),
    Rule("vix", "<", -3.0, Signal.RISK_ON, 0.5, "change"),
    Rule("nasdaq", ">", 0.02, Signal.RISK_ON, 1.0, "change"),
    Rule("nasdaq", "<", -0.02, Signal.RISK_OFF, 1.0, "change"),
    Rule("dxy", ">", 0.01, Signal.RISK_OFF, 0.5, "change"),
    Rule("dxy", "<", -0.01, Signal.RISK_ON, 0.5, "change"),
    Rule("wti", ">", 0.15, Signal.RISK_OFF, 0.5, "change"),
    Rule("stablecoin_supply_30d", ">", 0.02, Signal.RISK_ON, 1.0, "change"),
    Rule("stablecoin_supply_30d", "<", -0.01, Signal.RISK_OFF, 1.0, "change"),
    Rule("stablecoin_supply_7d", ">", 0.01, Signal.RISK_ON, 0.5, "change"),
    Rule("stablecoin_supply_7d", "<", -0.005, Signal.RISK_OFF, 0.5, "change"),
    Rule("btc_dominance", ">", 0.01, Signal.RISK_OFF, 0.5, "change"),
    Rule("btc_dominance", "<", -0.01, Signal.RISK_ON, 0.5, "change"),
    Rule("eth_btc", ">", 0.05, Signal.RISK_ON, 0.5, "change"),
    Rule("eth_btc", "<", -0.05, Signal.RISK_OFF, 0.5, "change"),
)


@dataclass(frozen=True, slots=True)
class MacroParams:
    """Component specs, rules, regime cut-offs on the score, correlation window and staleness budget."""

    specs: tuple[ComponentSpec, ...] = DEFAULT_SPECS
    rules: tuple[Rule, ...] = DEFAULT_RULES
    risk_on_score: float = 0.25
    risk_off_score: float = -0.25
    correlation_window_days: int = 30
    correlation_min_obs: int = 15
    max_staleness: timedelta = timedelta(days=4)
    calendar_tolerance: timedelta = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class MacroComponent:
    """One macro input: ``value`` in ``unit`` at ``as_of``; ``change`` over ``change_window`` in ``change_unit``
    (``fraction`` or the series unit); ``signal`` from the rules that fired (``rule`` lists them, or the thresholds
    checked when none fired)."""

    name: str
    value: float
    unit: str
    change: float | None
    change_window: str
    signal: Signal
    rule: str | None
    as_of: datetime
    source: Source | None
    change_unit: str = "fraction"


@dataclass(frozen=True, slots=True)
class MacroRegime:
    """Regime from the rule votes: ``score`` = Σ fired vote·weight ÷ Σ per (component, field) of the larger of its
    risk-on and risk-off weight sums, over available components; in [−1, 1]."""

    regime: Signal
    score: float
    components: Mapping[str, MacroComponent]
    missing: tuple[str, ...]
    nasdaq_correlation_30d: float | None
    evidence: tuple[str, ...] = field(default=())


def _change(ts: np.ndarray, v: np.ndarray, spec: ComponentSpec, tolerance: timedelta) -> float | None:
    if spec.lookback_unit == "obs":
        if len(v) <= spec.lookback:
            return None
        old = v[-1 - spec.lookback]
    elif spec.lookback_unit == "days":
        target = ts[-1] - np.timedelta64(spec.lookback, "D")
        i = int(np.searchsorted(ts, target, side="right")) - 1
        if i < 0 or (target - ts[i]) > np.timedelta64(int(tolerance.total_seconds() * 1000), "ms"):
            return None
        old = v[i]
    else:
        raise ValueError(f"unknown lookback unit {spec.lookback_unit!r}")
    if spec.change_kind == "absolute":
        return float(v[-1] - old)
    return float(v[-1] / old - 1.0) if old != 0 else None


def _window_text(spec: ComponentSpec) -> str:
    return f"{spec.lookback} {'trading days' if spec.lookback_unit == 'obs' else 'days'}"


def _signal(name: str, value: float, change: float | None, rules: tuple[Rule, ...]) -> tuple[Signal, str | None]:
    mine = [r for r in rules if r.component == name]
    fired = [r for r in mine if (x := (value if r.field == "value" else change)) is not None and r.fires(x)]
    s = sum(_VOTE[r.vote] * r.weight for r in fired)
    sig = Signal.RISK_ON if s > 0 else Signal.RISK_OFF if s < 0 else Signal.NEUTRAL
    if fired:
        return sig, "; ".join(r.text for r in fired)
    return sig, ("none of: " + "; ".join(r.text for r in mine)) if mine else None


def regime_score(components: Mapping[str, MacroComponent], rules: tuple[Rule, ...]) -> tuple[float, tuple[str, ...]]:
    """Score in [−1, 1] and the fired rules as evidence. Only rules whose component (and field) is available count."""
    num = 0.0
    groups: dict[tuple[str, str], list[float]] = {}
    evidence: list[str] = []
    for r in rules:
        comp = components.get(r.component)
        if comp is None:
            continue
        x = comp.value if r.field == "value" else comp.change
        if x is None:
            continue
        g = groups.setdefault((r.component, r.field), [0.0, 0.0])
        g[0 if r.vote is Signal.RISK_ON else 1] += r.weight
        if r.fires(x):
            num += _VOTE[r.vote] * r.weight
            evidence.append(f"{r.text} (observed {x:.6g})")
    denom = sum(max(on, off) for on, off in groups.values())
    return (num / denom if denom > 0 else 0.0), tuple(evidence)


def analyze_macro(
    macro: Mapping[str, MacroSeries],
    btc_daily_close_usd: DailySeries | None,
    *,
    as_of: datetime,
    params: MacroParams = MacroParams(),
) -> Result[MacroRegime]:
    """Macro components and regime as known at ``as_of`` (series cut with ``MacroSeries.until``).

    ``btc_daily_close_usd`` is keyed by the UTC date of each daily bar (a ``DailySeries``, or a pandas Series
    indexed by those dates); see ``log_return_correlation``.
    """
    as_of = utc(as_of)
    comps: dict[str, MacroComponent] = {}
    missing: list[str] = []
    reasons: list[str] = []
    sources: list[Source] = []
    cut = {k: s.until(as_of) for k, s in macro.items()}
    as_of64 = to_datetime64(as_of)
    for spec in params.specs:
        s = cut.get(spec.series)
        if s is None or len(s) == 0:
            missing.append(spec.name)
            reasons.append(f"{spec.name}: no {spec.series} series known at as_of")
            continue
        ok = np.isfinite(s.values.astype(float))
        ts, v = s.ts[ok], s.values.astype(float)[ok]
        if len(v) == 0 or (as_of64 - ts[-1]) > np.timedelta64(int(params.max_staleness.total_seconds() * 1000), "ms"):
            missing.append(spec.name)
            reasons.append(f"{spec.name}: latest {spec.series} value is older than {params.max_staleness.days} d")
            continue
        change = _change(ts, v, spec, params.calendar_tolerance)
        if change is None:
            missing.append(f"{spec.name}.change")
            reasons.append(f"{spec.name}: not enough history for the {_window_text(spec)} change")
        sig, rule = _signal(spec.name, float(v[-1]), change, params.rules)
        comps[spec.name] = MacroComponent(
            name=spec.name,
            value=float(v[-1]),
            unit=s.unit or MACRO_UNITS.get(spec.series, "unknown"),
            change=change,
            change_window=_window_text(spec),
            signal=sig,
            rule=rule,
            as_of=dt64_to_datetime(ts[-1]),
            source=s.source,
            change_unit="fraction" if spec.change_kind == "fraction" else s.unit,
        )
        if s.source not in sources:
            sources.append(s.source)

    rho = None
    nasdaq = cut.get("nasdaq")
    if btc_daily_close_usd is None or nasdaq is None or len(nasdaq) == 0:
        missing.append(CORRELATION_COMPONENT)
        reasons.append(f"{CORRELATION_COMPONENT}: needs BTC daily closes and the NASDAQ series")
    else:
        cr = log_return_correlation(
            btc_daily_close_usd,
            series_from_macro(nasdaq),
            as_of=as_of,
            window_days=params.correlation_window_days,
            min_obs=params.correlation_min_obs,
            max_staleness=params.max_staleness,
        )
        if cr.value is None:
            missing.append(CORRELATION_COMPONENT)
            reasons.extend(f"{CORRELATION_COMPONENT}: {r}" for r in cr.reasons)
        else:
            rho = cr.value.rho
            sig, rule = _signal(CORRELATION_COMPONENT, rho, None, params.rules)
            comps[CORRELATION_COMPONENT] = MacroComponent(
                name=CORRELATION_COMPONENT,
                value=rho,
                unit="pearson_correlation",
                change=None,
                change_window=f"{cr.value.n_obs} aligned daily log returns over {cr.value.window_days} d",
                signal=sig,
                rule=rule,
                as_of=cr.value.end,
                source=nasdaq.source,
                change_unit="none",
            )

    record = {
        "rules": [r.text for r in params.rules],
        "risk_on_score": params.risk_on_score,
        "risk_off_score": params.risk_off_score,
        "correlation_window_days": params.correlation_window_days,
        "max_staleness_days": params.max_staleness / timedelta(days=1),
    }
    if not comps:
        return Result.missing("no macro component known at as_of", *reasons, params=record)
    score, evidence = regime_score(comps, params.rules)
    if not any(r.component in comps for r in params.rules):
        return Result.missing("no rule applies to the available macro components", *reasons, params=record)
    regime = (
        Signal.RISK_ON
        if score >= params.risk_on_score
        else Signal.RISK_OFF
        if score <= params.risk_off_score
        else Signal.NEUTRAL
    )
    value = MacroRegime(
        regime=regime,
        score=score,
        components=comps,
        missing=tuple(missing),
        nasdaq_correlation_30d=rho,
        evidence=evidence,
    )
    return Result.of(value, sources=sources, params=record, reasons=reasons, partial=bool(missing))
