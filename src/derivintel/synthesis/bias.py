"""Directional bias from explicit, weighted rules over named signals (rules as data).

Score = Σ weight·vote / Σ weight over the signals that are present (votes clipped to [−1, 1]). Signals that are
missing are listed and excluded, never counted as neutral; below ``min_coverage`` of the total weight the bias is
not called.

Each piece of evidence votes once. The market phase of Phase 2 is NOT a vote: it is built from the quarterly AVWAP
side and slope, funding, CVD and the OI trend, which vote here directly (counting it too would count them twice).
An anchored level votes only after a stated minimum of closed bars since its anchor (``QUARTER_AVWAP_MIN_BARS``):
right after a quarter opens the quarterly AVWAP is one bar's typical price, and "above it" says nothing.

The rules are evaluated by ``bias_series`` on columns of readings; ``decide_bias`` (the live call) evaluates the same
function on one row, and the walk-forward track record (``research.bias_track``) on every bar of stored history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from derivintel.core.result import Result
from derivintel.synthesis.rules import CategoryRule, Rule, ThresholdRule, Vote

QUARTER_AVWAP_MIN_BARS = 6  # closed bars since the quarter's anchor before its AVWAP votes (24 h on 4h bars)
AVWAP_QUARTER_BARS = "structure.avwap_quarter_bars"  # signal: closed bars in the quarterly AVWAP

DEFAULT_BIAS_RULES: tuple[Rule, ...] = (
    CategoryRule("macro.regime", {"risk_on": 1.0, "risk_off": -1.0}, weight=1.0, why="macro regime"),
    ThresholdRule(
        "structure.price_vs_avwap_quarter",
        ">",
        0.0,
        1.0,
        weight=1.0,
        why="above quarterly AVWAP",
        min_count_signal=AVWAP_QUARTER_BARS,
        min_count=QUARTER_AVWAP_MIN_BARS,
    ),
    ThresholdRule(
        "structure.price_vs_avwap_quarter",
        "<",
        0.0,
        -1.0,
        weight=1.0,
        why="below quarterly AVWAP",
        min_count_signal=AVWAP_QUARTER_BARS,
        min_count=QUARTER_AVWAP_MIN_BARS,
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
    ThresholdRule("options.rr25", "<=", -0.03, -0.5, weight=0.5, why="puts bid over calls"),
    ThresholdRule("options.rr25", ">=", 0.03, 0.5, weight=0.5, why="calls bid over puts"),
)

# Display unit of each default signal's reading (report.format units).
SIGNAL_UNITS: Mapping[str, str] = {
    "macro.regime": "label",
    "structure.price_vs_avwap_quarter": "fraction",
    "positioning.quadrant": "label",
    "positioning.funding_zscore": "zscore",
    "positioning.cvd_perp_24h_usd": "usd_notional",
    "options.rr25": "fraction",
}


@dataclass(frozen=True, slots=True)
class BiasCall:
    """``bias`` is bullish / bearish / neutral; ``score`` in [−1, 1]; ``coverage`` = weight present / total.
    ``votes``: one per signal present (its reading, summed vote and weight); ``missing``: signals without a usable
    reading (absent, or an anchored level below its minimum of bars)."""

    bias: str
    score: float
    coverage: float
    votes: tuple[Vote, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class BiasSeries:
    """The bias on each row of a column set. ``score``/``coverage`` are floats (score NaN where the coverage is
    below the minimum); ``label`` is an object array of bullish/bearish/neutral, None where not called;
    ``signal_votes`` maps each signal to its vote in [−1, 1] per row, NaN where the evidence is missing."""

    score: np.ndarray
    coverage: np.ndarray
    label: np.ndarray
    signal_votes: Mapping[str, np.ndarray]


def signal_weights(rules: Sequence[Rule]) -> dict[str, float]:
    """Weight of each signal: the max weight of its rules (two one-sided rules on a signal count once)."""
    weights: dict[str, float] = {}
    for rule in rules:
        weights[rule.signal] = max(weights.get(rule.signal, 0.0), rule.weight)
    return weights


def _column(columns: Mapping[str, np.ndarray], name: str, n: int) -> np.ndarray:
    col = columns.get(name)
    return np.full(n, np.nan) if col is None else np.asarray(col)


def bias_series(
    columns: Mapping[str, np.ndarray],
    rules: Sequence[Rule] = DEFAULT_BIAS_RULES,
    *,
    threshold: float = 0.2,
    min_coverage: float = 0.5,
) -> BiasSeries:
    """Apply ``rules`` to every row of ``columns`` (signal name → readings; absent signals are missing)."""
    n = len(next(iter(columns.values()))) if columns else 0
    weights = signal_weights(rules)
    votes: dict[str, np.ndarray] = {}
    for rule in rules:
        v = rule.votes(_column(columns, rule.signal, n))
        if rule.min_count_signal is not None:
            count = _column(columns, rule.min_count_signal, n).astype(float)
            with np.errstate(invalid="ignore"):
                v = np.where(count >= rule.min_count, v, np.nan)
        votes[rule.signal] = v if rule.signal not in votes else votes[rule.signal] + v
    present_w = np.zeros(n)
    weighted = np.zeros(n)
    for s, v in votes.items():
        ok = np.isfinite(v)
        present_w += weights[s] * ok
        weighted += weights[s] * np.where(ok, np.clip(v, -1.0, 1.0), 0.0)
    total = sum(weights.values())
    coverage = present_w / total if total else np.zeros(n)
    called = (coverage >= min_coverage) & (present_w > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(called, weighted / present_w, np.nan)
    label = np.full(n, None, dtype=object)
    label[called] = "neutral"
    label[called & (score >= threshold)] = "bullish"
    label[called & (score <= -threshold)] = "bearish"
    return BiasSeries(score=score, coverage=coverage, label=label, signal_votes=votes)


def _one_row(value: float | str | None) -> np.ndarray:
    if value is None:
        return np.array([np.nan])
    if isinstance(value, str):
        return np.array([value], dtype=object)
    return np.array([float(value)])


def decide_bias(
    signals: Mapping[str, float | str | None],
    rules: Sequence[Rule] = DEFAULT_BIAS_RULES,
    *,
    threshold: float = 0.2,
    min_coverage: float = 0.5,
) -> Result[BiasCall]:
    """Apply ``rules`` to ``signals`` (one row of ``bias_series``); ``|score| ≥ threshold`` calls a direction."""
    series = bias_series(
        {k: _one_row(v) for k, v in signals.items()}, rules, threshold=threshold, min_coverage=min_coverage
    )
    weights = signal_weights(rules)
    present = [s for s in weights if np.isfinite(series.signal_votes[s][0])]
    missing = tuple(sorted(s for s in weights if s not in present))
    coverage = float(series.coverage[0])
    params = {"threshold": threshold, "min_coverage": min_coverage, "rules": [r.describe() for r in rules]}
    reasons = []
    for rule in rules:
        if rule.min_count_signal is None or signals.get(rule.signal) is None or rule.signal not in missing:
            continue
        text = (
            f"{rule.signal} not counted: {signals.get(rule.min_count_signal)} {rule.min_count_signal} "
            f"< {rule.min_count} required"
        )
        if text not in reasons:
            reasons.append(text)
    if series.label[0] is None:
        return Result.missing(
            f"only {coverage:.0%} of the bias inputs are available (missing: {', '.join(missing)})",
            *reasons,
            params=params,
        )
    rules_of: dict[str, list[str]] = {}
    for rule in rules:
        rules_of.setdefault(rule.signal, []).append(rule.condition())
    votes = tuple(
        Vote(s, signals[s], float(np.clip(series.signal_votes[s][0], -1.0, 1.0)), weights[s], "; ".join(rules_of[s]))
        for s in present
    )
    if missing:
        reasons.insert(0, f"missing inputs excluded: {', '.join(missing)}")
    call = BiasCall(
        bias=str(series.label[0]), score=float(series.score[0]), coverage=coverage, votes=votes, missing=missing
    )
    return Result.of(call, params=params, reasons=reasons, partial=bool(missing))
