"""Phase 3 basis curve: the JSON keys, the per-contract table, the chart, and null-with-reason without futures."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from derivintel.assessment.analyze import analyze_snapshot
from derivintel.report.builder import build_report
from derivintel.report.html import render_html
from derivintel.report.json_render import render_json
from tests.report.conftest import GENERATED_AT


def test_cm_3m_and_shape_are_in_the_json(demo_snapshot, demo_report) -> None:
    curve = analyze_snapshot(demo_snapshot).primary.basis_curve.value
    data = json.loads(render_json(demo_report))
    metrics = {m["key"]: m for p in data["phases"] for m in p["metrics"]}
    cm = metrics["positioning.basis_curve.cm_3m"]
    assert cm["unit"] == "fraction_per_year"
    assert cm["value"] == pytest.approx(curve.cm_3m.basis_annualised)
    assert 0.0 < cm["value"] < 0.2  # the synthetic curve is a contango of about 5 % a year
    assert "demo/deribit/book_summary_future" in cm["source"]
    assert metrics["positioning.basis_curve.shape"]["value"] == curve.shape.value == "contango"
    phase3 = next(p for p in data["phases"] if p["number"] == 3)
    table = next(t for t in phase3["tables"] if t["columns"] == ["Venue", "Expiry", "Days", "Basis (annualised)"])
    assert len(table["rows"]) == len(curve.points)
    first = table["rows"][0]
    assert metrics[first[3]["metric"]]["value"] == pytest.approx(curve.points[0].basis_annualised)
    assert metrics[first[2]["metric"]]["unit"] == "days"


def test_chart_series_match_the_curve(demo_snapshot, demo_report) -> None:
    curve = analyze_snapshot(demo_snapshot).primary.basis_curve.value
    chart = demo_report.charts.basis_curve
    assert chart is not None
    assert {v.venue for v in chart.venues} == set(curve.venues) == {"binance", "bybit", "deribit", "okx"}
    assert len(chart.composite_days) == len(curve.composite)
    assert chart.cm_3m_days == pytest.approx(91.3125)
    assert chart.cm_3m_basis_annualised == pytest.approx(curve.cm_3m.basis_annualised, rel=1e-6)
    html = render_html(demo_report)
    assert 'data-chart="basis_curve"' in html
    assert "Dated-futures basis curve" in html


def test_without_dated_futures_the_keys_are_null_with_a_reason(demo_snapshot) -> None:
    assets = {k: replace(v, futures=()) for k, v in demo_snapshot.assets.items()}
    snap = replace(demo_snapshot, assets=assets)
    report = build_report(snap, analyze_snapshot(snap), generated_at=GENERATED_AT)
    for key in ("positioning.basis_curve.cm_3m", "positioning.basis_curve.shape"):
        m = report.metric(key)
        assert m.value is None
        assert m.status == "insufficient_data"
        assert "no dated futures" in (m.note or "")
    assert report.charts.basis_curve is None
    assert "no dated futures" in report.charts.missing["basis_curve"]
    assert any(item.startswith("BTC basis curve (insufficient_data)") for item in report.data_limitations)
