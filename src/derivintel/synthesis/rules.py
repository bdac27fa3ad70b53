"""Rule primitives shared by the synthesis modules: a rule turns one named signal into a vote in [−1, 1].

Every rule has a scalar form (``evaluate``) and a vectorised form (``votes``) over a column of readings; the bias
uses the vectorised form both live (a one-row column) and in its walk-forward track record (one row per bar), so
the two can never disagree. In the vectorised form an unknown reading (NaN, or None for labels) gives NaN: the
evidence is missing, not a vote of 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from derivintel.core.compare import INEQUALITIES, comparison


@dataclass(frozen=True, slots=True)
class ThresholdRule:
    """Vote ``vote`` (weighted by ``weight``) when ``signal op threshold`` holds, else abstain with 0.

    ``min_count_signal``/``min_count``: the reading is used only when the signal named ``min_count_signal`` is
    ≥ ``min_count`` (e.g. an anchored VWAP votes only after ``min_count`` closed bars since its anchor); below it
    the evidence counts as missing, not neutral.
    """

    signal: str
    op: str
    threshold: float
    vote: float
    weight: float = 1.0
    why: str = ""
    min_count_signal: str | None = None
    min_count: int = 0

    def __post_init__(self) -> None:
        comparison(self.op, INEQUALITIES)  # raises on an unknown operator

    def evaluate(self, value: float) -> float:
        return self.vote if INEQUALITIES[self.op](value, self.threshold) else 0.0

    def votes(self, values: np.ndarray) -> np.ndarray:
        """Vote per reading: ``vote`` where the condition holds, 0 where it does not, NaN where unknown."""
        v = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            fired = INEQUALITIES[self.op](v, self.threshold)
        return np.where(np.isfinite(v), np.where(fired, self.vote, 0.0), np.nan)

    def condition(self) -> str:
        """The rule without its signal name, e.g. ``> 0 → +1 (after ≥ 6 structure.avwap_quarter_bars)``."""
        gate = f" (after ≥ {self.min_count} {self.min_count_signal})" if self.min_count_signal else ""
        return f"{self.op} {self.threshold:g} → {self.vote:+g}{gate}"

    def describe(self) -> str:
        return f"{self.signal} {self.condition()}"


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """Vote by category: ``votes[label]`` (labels not listed vote 0)."""

    signal: str
    table: Mapping[str, float] = field(default_factory=dict)
    weight: float = 1.0
    why: str = ""
    min_count_signal: str | None = None
    min_count: int = 0

    def evaluate(self, value: str) -> float:
        return float(self.table.get(value, 0.0))

    def votes(self, values: np.ndarray) -> np.ndarray:
        """Vote per label (None or NaN → NaN: unknown)."""
        return np.array([np.nan if _unknown(v) else self.evaluate(str(v)) for v in values], dtype=float)

    def condition(self) -> str:
        """The vote table, e.g. ``risk_on +1, risk_off -1`` (other labels 0)."""
        return ", ".join(f"{k} {v:+g}" for k, v in self.table.items())

    def describe(self) -> str:
        return f"{self.signal}: {self.condition()}"


def _unknown(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)


Rule = ThresholdRule | CategoryRule


@dataclass(frozen=True, slots=True)
class Vote:
    """One signal's reading ``value``, its ``vote`` in [−1, 1] (summed over its rules), its ``weight`` and the
    ``rule`` text (conditions without the signal name)."""

    signal: str
    value: float | str
    vote: float
    weight: float
    rule: str
