"""JSON renderer and the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

from derivintel.report.model import Report

SCHEMA_PATH = Path(__file__).with_name("schema") / "report.schema.json"


def render_json(report: Report) -> str:
    """Deterministic JSON (stable key order, two-space indent, trailing newline)."""
    return report.model_dump_json(indent=2) + "\n"


def report_json_schema() -> str:
    """The JSON Schema of ``Report`` as text (the file under ``report/schema`` is this, committed)."""
    return json.dumps(Report.model_json_schema(), indent=2, sort_keys=True) + "\n"
