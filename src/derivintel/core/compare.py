"""Comparison operators shared by every rule mechanism (macro regime, bias rules, research signals, alerts)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

INEQUALITIES: Mapping[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
COMPARISONS: Mapping[str, Callable[[Any, Any], Any]] = {**INEQUALITIES, "==": operator.eq, "!=": operator.ne}


def comparison(op: str, allowed: Mapping[str, Callable[[Any, Any], Any]] = COMPARISONS) -> Callable[[Any, Any], Any]:
    """The function for ``op`` (works on scalars and numpy arrays); ``ValueError`` naming the allowed operators."""
    try:
        return allowed[op]
    except KeyError:
        raise ValueError(f"unknown operator {op!r} (expected one of {', '.join(allowed)})") from None
