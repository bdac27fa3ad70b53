"""One way to show a decision rule's measured record: metrics for each row, and the difference between two groups of
calls with its bootstrap interval, or the record's absence with the reason (a missing record is never a zero)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from derivintel.core.result import Result
from derivintel.report.metric_book import MetricBook

if TYPE_CHECKING:  # the records' types only: importing research would load pandas and duckdb on the report path
    from derivintel.research.dealer_regime import RegimeRecord
    from derivintel.research.macro_record import MacroRecord


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One figure of a record: metric key, label, how to read it from the record, unit."""

    key: str
    label: str
    read: Callable[[Any], float | int | None]
    unit: str


def record_metrics(
    b: MetricBook, rec: Result[RegimeRecord] | Result[MacroRecord], rows: Sequence[RecordRow], difference: RecordRow
) -> list[str]:
    """Register ``rows`` and the ``difference`` (whose note carries the interval and the calls' span) of the
    record ``rec``; each is missing with the record's reasons when there is no record."""
    v = rec.value
    keys = [b.add_result(r.key, r.label, rec, r.read(v) if v else None, r.unit) for r in rows]
    measured = v is not None and v.difference is not None
    note = (
        f"{v.ci_level:.0%} interval {v.ci_low:+.2%} to {v.ci_high:+.2%}; calls {v.first_call} to {v.last_call}"
        if measured
        else "; ".join(rec.reasons) or None
    )
    keys.append(
        b.add(
            difference.key,
            difference.label,
            difference.read(v) if measured else None,
            difference.unit,
            sources=rec.sources if measured else (),
            note=note,
        )
    )
    return keys


def record_sentence(
    b: MetricBook, rec: Result[RegimeRecord] | Result[MacroRecord], rule: str, measured_text: str, separates: str
) -> str:
    """The record in one sentence: absent (with the reason), too thin, or the measured figures (``measured_text``, a
    template of metric keys) with a verdict: ``separates`` when the interval excludes zero on the rule's side."""
    v = rec.value
    if v is None:
        return f"The {rule} has no measured record in this report (" + "; ".join(rec.reasons) + ")."
    if v.difference is None:
        return f"The {rule}'s record is too thin to measure (" + "; ".join(rec.reasons) + ")."
    verdict = separates if v.ci_low > 0 else "the record does not separate the calls: the interval includes zero"
    return b.text(measured_text) + verdict + "."
