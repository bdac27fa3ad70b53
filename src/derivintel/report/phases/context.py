"""Shared context and helpers for the phase builders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from derivintel.assessment.analyze import Analyses
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.report.metric_book import MetricBook, text_cell
from derivintel.report.model import Cell, Phase, StatusName, Table


@dataclass(frozen=True, eq=False)
class PhaseContext:
    snapshot: MarketSnapshot
    analyses: Analyses
    book: MetricBook

    @property
    def asset(self) -> str:
        return self.snapshot.primary


def row(*cells: str | Cell) -> list[Cell]:
    """A table row; plain strings become text cells, ``Cell`` objects pass through."""
    return [c if isinstance(c, Cell) else text_cell(c) for c in cells]


def status_of(book: MetricBook, keys: Sequence[str]) -> StatusName:
    metrics = book.take(keys)
    missing = sum(m.status == "insufficient_data" for m in metrics)
    if metrics and missing == len(metrics):
        return "insufficient_data"
    if missing or any(m.status == "partial" for m in metrics):
        return "partial"
    return "ok"


def make_phase(
    ctx: PhaseContext,
    *,
    number: int,
    title: str,
    headline: str,
    summary: str,
    tables: Iterable[Table],
    reasoning: str,
    keys: Sequence[str],
) -> Phase:
    """Assemble a phase; ``keys`` are the metrics this phase owns (each appears in exactly one phase)."""
    return Phase(
        number=number,
        title=title,
        headline=headline,
        summary=summary,
        tables=list(tables),
        reasoning=reasoning,
        metrics=ctx.book.take(keys),
        status=status_of(ctx.book, keys),
    )
