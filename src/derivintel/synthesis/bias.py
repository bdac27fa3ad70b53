"""Directional bias from explicit, weighted rules over named signals (rules as data).

Score = Σ weight·vote / Σ weight over the signals that are present (votes in [−1, 1]). Signals that are missing are
listed and excluded, never counted as neutral; below ``min_coverage`` of the total weight the bias is not called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from derivintel.core.result import Result
from derivintel.synthesis.rules import CategoryRule, Rule, ThresholdRule, Vote

DEFAULT_BIAS_RULES: tuple[Rule, ...] = (
    CategoryRule("macro.regime", {"risk_on": 1.0, "risk_off": -1.0}, weight=1.0, why="macro regime"),
    CategoryRule(
        "structure.phase",
        {"markup": 1.0, "accumulation": 0.5, "distribution": -0.5, "markdown": -1.0},
        weight=1.5,
        why="market phase",
    ),
    CategoryRule(
        "positioning.quadrant",
        {"new_longs": 0.5, "short_covering": 0.25, "new_shorts": -0.5, "long_liquidation": -0.25},
        weight=1.0,
        why="price vs OI, 24h",
    ),
    ThresholdRule("positioning.funding_zscore", ">=", 2.0, -1.0, weight=0.75, why="crowded longs pay: contrarian"),
    ThresholdRule("positioning.funding_zscore", "<=", -2.0, 1.0, weight=0.75, why="crowded shorts pay: contrarian"),
    ThresholdRule("positioning.cvd_perp_24h_usd", ">", 0.0, 0.5, weight=0.5, why="perp taker buying"),
    ThresholdRule("positioning.cvd_perp_24h_usd", "<", 0.0, -0.5, weight=0.5, why="perp taker selling"),
    ThresholdRule("structure.price_vs_avwap_quarter", ">", 0.0, 1.0, weight=1.0, why="above quarterly AVWAP"),
    ThresholdRule("structure.price_vs_avwap_quarter", "<", 0.0, -1.0, weight=1.0, why="below quarterly AVWAP"),
    ThresholdRule("options.rr25", "<=", -0.03, -0.5, weight=0.5, why="puts bid over calls"),
    ThresholdRule("options.rr25", ">=", 0.03, 0.5, weight=0.5, why="calls bid over puts"),
)


@dataclass(frozen=True, slots=True)
class BiasCall:
    """``bias`` is bullish / bearish / neutral; ``score`` in [−1, 1]; ``coverage`` = weight present / total."""

    bias: str
    score: float
    coverage: float
    votes: tuple[Vote, ...]
    missing: tuple[str, ...]


def _signal_weights(rules: Sequence[Rule]) -> dict[str, float]:
    """Weight of each signal: the max weight of its rules (two one-sided rules on a signal count once)."""
    weights: dict[str, float] = {}
    for rule in rules:
        weights[rule.signal] = max(weights.get(rule.signal, 0.0), rule.weight)
    return weights


def decide_bias(
    signals: Mapping[str, float | str | None],
    rules: Sequence[Rule] = DEFAULT_BIAS_RULES,
    *,
    threshold: float = 0.2,
    min_coverage: float = 0.5,
) -> Result[BiasCall]:
    """Apply ``rules`` to ``signals``; ``|score| ≥ threshold`` calls a direction, else neutral."""
    weights = _signal_weights(rules)
    present = {s for s in weights if signals.get(s) is not None}
    missing = tuple(sorted(s for s in weights if s not in present))
    total_weight = sum(weights.values())
    coverage = sum(weights[s] for s in present) / total_weight if total_weight else 0.0
    params = {"threshold": threshold, "min_coverage": min_coverage, "rules": [r.describe() for r in rules]}
    if coverage < min_coverage:
        return Result.missing(
            f"only {coverage:.0%} of the bias inputs are available (missing: {', '.join(missing)})", params=params
        )
    votes: list[Vote] = []
    signal_votes: dict[str, float] = {}
    for rule in rules:
        value = signals.get(rule.signal)
        if value is None:
            continue
        v = rule.evaluate(str(value)) if isinstance(rule, CategoryRule) else rule.evaluate(float(value))
        if v != 0.0 or isinstance(rule, CategoryRule):
            votes.append(Vote(rule.signal, value, v, rule.weight, rule.describe()))
        signal_votes[rule.signal] = signal_votes.get(rule.signal, 0.0) + v
    weighted = sum(weights[s] * max(-1.0, min(1.0, v)) for s, v in signal_votes.items())
    present_weight = sum(weights[s] for s in present)
    score = weighted / present_weight if present_weight else 0.0
    bias = "bullish" if score >= threshold else "bearish" if score <= -threshold else "neutral"
    reasons = [f"missing inputs excluded: {', '.join(missing)}"] if missing else []
    return Result.of(
        BiasCall(bias=bias, score=score, coverage=coverage, votes=tuple(votes), missing=missing),
        params=params,
        reasons=reasons,
        partial=bool(missing),
    )
