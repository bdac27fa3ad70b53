"""Markdown renderer in the layout of the seed report: TL;DR, ten phases, limitations, freshness."""

from __future__ import annotations

from derivintel.core.timeutil import format_utc
from derivintel.report.format import format_metric
from derivintel.report.model import Cell, Metric, Report, Table


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cell_text(cell: Cell, metrics: dict[str, Metric], asset: str) -> str:
    if cell.metric is not None:
        return format_metric(metrics[cell.metric], asset=asset)
    return cell.text or ""


def _row_source(row: list[Cell], metrics: dict[str, Metric]) -> str:
    for cell in row:
        if cell.metric is not None:
            return metrics[cell.metric].source
    return ""


def render_table(table: Table, metrics: dict[str, Metric], asset: str) -> list[str]:
    """A GitHub-flavoured Markdown table; a Source column is appended when any row cites a metric."""
    with_source = any(c.metric for row in table.rows for c in row)
    columns = [*table.columns, "Source"] if with_source else list(table.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table.rows:
        cells = [_escape(_cell_text(c, metrics, asset)) for c in row]
        if with_source:
            cells.append(_escape(_row_source(row, metrics)))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def freshness_age(age_s: float) -> str:
    """Human age: seconds under a minute, minutes under two hours, else hours or days."""
    if age_s < 60:
        return f"{age_s:.0f}s"
    if age_s < 7200:
        return f"{age_s / 60:.0f}m"
    if age_s < 172_800:
        return f"{age_s / 3600:.1f}h"
    return f"{age_s / 86_400:.1f}d"


def render_markdown(report: Report) -> str:
    metrics = {m.key: m for m in report.all_metrics()}
    asset = report.symbol
    scope = report.symbol + (f" primary analysis ({', '.join(report.secondary)} secondary)" if report.secondary else "")
    out: list[str] = []
    if report.banner:
        out += [f"> **{report.banner}**", ""]
    out += [f"# Crypto Derivatives Intelligence Report — {report.symbol} — {format_utc(report.as_of)}", ""]
    out += ["## TL;DR", ""]
    out += [f"Report Timestamp: {format_utc(report.as_of)}", ""]
    out += [f"Scope: {scope}. Data cutoff: {format_utc(report.as_of)}.", ""]
    out += [report.tldr, ""]
    for phase in report.phases:
        out += [f"## PHASE {phase.number} — {phase.title}", ""]
        out += [f"**{phase.headline}**", ""]
        if phase.summary:
            out += [phase.summary, ""]
        for table in phase.tables:
            out += render_table(table, metrics, asset)
            out.append("")
        out += [f"Reasoning: {phase.reasoning}", ""]
    out += ["## Data Limitations", ""]
    out += [f"- {_escape(item)}" for item in report.data_limitations] or ["- none"]
    out.append("")
    out += ["## Data Freshness Note", ""]
    out += [f"Metrics as of {format_utc(report.as_of)}. Each source's observation time and age against its budget:", ""]
    out += ["| Source | Observed | Age | Budget | Stale |", "|---|---|---|---|---|"]
    for f in report.freshness:
        out.append(
            f"| {_escape(f.source)} | {format_utc(f.as_of)} | {freshness_age(f.age_s)} | "
            f"{freshness_age(f.budget_s)} | {'STALE' if f.stale else 'ok'} |"
        )
    out.append("")
    if report.banner:
        out += [f"> **{report.banner}**", ""]
    return "\n".join(out)
