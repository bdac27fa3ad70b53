"""Rule primitives shared by the synthesis modules: a rule turns one named signal into a vote in [−1, 1]."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from derivintel.core.compare import INEQUALITIES, comparison


@dataclass(frozen=True, slots=True)
class ThresholdRule:
    """Vote ``vote`` (weighted by ``weight``) when ``signal op threshold`` holds, else abstain with 0."""

    signal: str
    op: str
    threshold: float
    vote: float
    weight: float = 1.0
    why: str = ""

    def __post_init__(self) -> None:
        comparison(self.op, INEQUALITIES)  # raises on an unknown operator

    def evaluate(self, value: float) -> float:
        return self.vote if INEQUALITIES[self.op](value, self.threshold) else 0.0

    def describe(self) -> str:
        return f"{self.signal} {self.op} {self.threshold:g} → {self.vote:+g}"


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """Vote by category: ``votes[label]`` (labels not listed vote 0)."""

    signal: str
    votes: Mapping[str, float] = field(default_factory=dict)
    weight: float = 1.0
    why: str = ""

    def evaluate(self, value: str) -> float:
        return float(self.votes.get(value, 0.0))

    def describe(self) -> str:
        return f"{self.signal}: " + ", ".join(f"{k} {v:+g}" for k, v in self.votes.items())


Rule = ThresholdRule | CategoryRule


@dataclass(frozen=True, slots=True)
class Vote:
    """The outcome of one rule on one signal value."""

    signal: str
    value: float | str
    vote: float
    weight: float
    rule: str
