"""render_html: a self-contained offline document with the same text and figures as the Markdown."""

from __future__ import annotations

import json
import re
from html import unescape

from markupsafe import escape

from derivintel.report.format import format_metric
from derivintel.report.html import chart_data, charts_missing, render_body, render_html, safe_json
from derivintel.report.markdown import freshness_age
from tests.web.hostile import INSTRUMENT, VENUE, XSS, with_hostile_strings


def _embedded_json(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert m, "no embedded report data"
    return json.loads(m.group(1))


def test_self_contained_offline_document(demo_report):
    page = render_html(demo_report)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src=" not in page  # nothing loaded: plotly.js and the chart script are inline
    assert '<link rel="stylesheet"' not in page
    markup = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)  # the HTML outside inline scripts
    assert not re.search(r"(src|href)=\"https?://", markup)
    assert "Plotly" in page
    assert "default-src 'none'" in page  # CSP: the page may not fetch anything


def test_all_phases_tables_limitations_and_banner(demo_report):
    page = render_html(demo_report)
    for phase in demo_report.phases:
        assert f"PHASE {phase.number} — {escape(phase.title)}" in page
        assert escape(phase.headline) in page
    assert page.count("SYNTHETIC DEMO DATA") >= 2  # banner top and bottom (and in the title)
    for item in demo_report.data_limitations:
        assert f"<li>{escape(item)}</li>" in page
    assert "Venue health" in page
    for f in demo_report.freshness:
        assert escape(f.source) in page
        assert f">{freshness_age(f.age_s)}<" in page


def test_every_metric_cell_shows_the_formatted_metric(demo_report):
    """Numbers in tables are ``format_metric`` of the referenced metric, as in the Markdown renderer."""
    body = render_body(demo_report)
    cells = re.findall(r'<td class="num status-(\w+)" data-metric="([a-z0-9_.]+)"[^>]*>(.*?)</td>', body)
    referenced = {c.metric for p in demo_report.phases for t in p.tables for row in t.rows for c in row if c.metric}
    assert {key for _, key, _ in cells} == referenced
    for status, key, text in cells:
        m = demo_report.metric(key)
        assert unescape(text) == format_metric(m, asset=demo_report.symbol)
        assert status == m.status


def test_embedded_chart_data_is_the_report_model(demo_report):
    data = _embedded_json(render_html(demo_report))
    assert data == json.loads(json.dumps(chart_data(demo_report)))
    assert data["charts"] == json.loads(demo_report.charts.model_dump_json())
    assert charts_missing(demo_report) == {}
    for name in ("price", "open_interest", "funding", "liquidation_map", "volume_profile", "gex", "iv_smile"):
        assert f'data-chart="{name}"' in render_body(demo_report)


def test_missing_chart_shows_its_reason(demo_report):
    missing = {"options": "no option chain for this asset"}
    charts = demo_report.charts.model_copy(update={"gex": None, "iv_smiles": [], "iv_term": None, "missing": missing})
    body = render_body(demo_report.model_copy(update={"charts": charts}))
    assert 'data-chart="gex"' not in body
    assert body.count("Not available: no option chain for this asset") == 3  # GEX, smile, term structure


def test_safe_json_cannot_close_the_script_element():
    text = str(safe_json({"a": "</script><script>alert(1)</script>", "b": "x & y", "c": "\u2028"}))
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert "\u2028" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>", "b": "x & y", "c": "\u2028"}


def test_hostile_strings_render_as_text(demo_report):
    page = render_html(with_hostile_strings(demo_report))
    assert XSS not in page
    assert f"<td>{escape(INSTRUMENT)}</td>" in page  # instrument name in a table cell
    assert f"unparsable instrument {escape(INSTRUMENT)}" in page  # gap reason in venue health
    assert f"<li>venue said: {escape(XSS)}</li>" in page  # limitation
    data = _embedded_json(page)
    assert data["charts"]["open_interest"][0]["venue"] == VENUE  # the JSON still carries the original text
    assert data["freshness"][0]["source"] == VENUE
