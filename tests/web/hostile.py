"""A report carrying hostile strings where outside text ends up: a gap reason, a limitation, a table text cell
(instrument name), a venue name in chart data and a freshness source label."""

from __future__ import annotations

from derivintel.report.model import Cell, GapEntry, Report

XSS = "<script>alert(1)</script>"
INSTRUMENT = f"BTC-27MAR26-70000-C{XSS}"
VENUE = f"evil-venue{XSS}"


def with_hostile_strings(report: Report) -> Report:
    phases = list(report.phases)
    first = phases[0]
    table = first.tables[0]
    rows = [[Cell(text=INSTRUMENT), *table.rows[0][1:]], *table.rows[1:]]
    phases[0] = first.model_copy(update={"tables": [table.model_copy(update={"rows": rows}), *first.tables[1:]]})
    charts = report.charts
    oi = [charts.open_interest[0].model_copy(update={"venue": VENUE}), *charts.open_interest[1:]]
    fresh = [report.freshness[0].model_copy(update={"source": VENUE}), *report.freshness[1:]]
    gap = GapEntry(source="deribit/instrument", kind="bad_payload", reason=f"unparsable instrument {INSTRUMENT}")
    return report.model_copy(
        update={
            "phases": phases,
            "gaps": [*report.gaps, gap],
            "data_limitations": [*report.data_limitations, f"venue said: {XSS}"],
            "charts": charts.model_copy(update={"open_interest": oi}),
            "freshness": fresh,
        }
    )
