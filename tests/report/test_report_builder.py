"""The builder: phase build order is no hidden contract (every metric is registered before any text cites it), and
gaps print their asset scope."""

from __future__ import annotations

import pytest

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.report import builder
from derivintel.report.builder import build_report
from derivintel.report.metric_book import MetricBook
from derivintel.report.model import Cell, Phase, Table
from tests.report.conftest import GENERATED_AT


def test_reversed_build_order_gives_the_same_report(demo_snapshot, demo_report, monkeypatch):
    monkeypatch.setattr(builder, "PHASES", tuple(reversed(builder.PHASES)))
    reversed_report = build_report(
        demo_snapshot, analyze_snapshot(demo_snapshot, AnalysisOptions()), generated_at=GENERATED_AT
    )
    assert reversed_report.model_dump_json() == demo_report.model_dump_json()


def test_no_template_left_unrendered(demo_report):
    text = demo_report.model_dump_json()
    assert not MetricBook.has_template(text)


def test_text_cites_a_metric_registered_later():
    book = MetricBook("BTC", GENERATED_AT)
    sentence = book.text("Price {price.last}.")
    book.add("price.last", "Last price", 100.0, "usd")
    assert book.render(sentence) == f"Price {book.formatted('price.last')}."
    with pytest.raises(KeyError):
        book.render(book.text("{price.unknown}"))


def test_a_template_in_a_table_cell_is_refused():
    book = MetricBook("BTC", GENERATED_AT)
    cell = Cell(text=book.text("{price.last}"))
    phase = Phase(
        number=1, title="t", headline="h", summary="s", tables=[Table(columns=["a"], rows=[[cell]])],
        reasoning="r", metrics=[], status="ok",
    )  # fmt: skip
    with pytest.raises(ValueError, match="table cell"):
        builder._render(book, phase)


def test_a_table_cell_citing_an_unknown_metric_is_refused():
    book = MetricBook("BTC", GENERATED_AT)
    phase = Phase(
        number=1, title="t", headline="h", summary="s", tables=[Table(columns=["a"], rows=[[book.cell("no.such")]])],
        reasoning="r", metrics=[], status="ok",
    )  # fmt: skip
    with pytest.raises(KeyError, match=r"no\.such"):
        builder._render(book, phase)


def test_a_gap_scoped_to_an_asset_prints_its_scope(demo_snapshot):
    from dataclasses import replace

    from derivintel.core.provenance import Gap, GapKind

    gap = Gap("okx", "funding", GapKind.UNAVAILABLE, "timeout", asset="ETH")
    snapshot = replace(demo_snapshot, gaps=(*demo_snapshot.gaps, gap))
    report = build_report(snapshot, analyze_snapshot(snapshot, AnalysisOptions()), generated_at=GENERATED_AT)
    assert "Missing [ETH]: okx/funding (unavailable): timeout" in report.data_limitations
    assert report.gaps[-1].asset == "ETH"


def test_phase3_names_the_venues_whose_open_interest_it_sums(demo_snapshot, demo_report):
    """The OI total is a sum over the venues that reported OI; the report names them in the text and the table."""
    phase = next(p for p in demo_report.phases if p.number == 3)
    with_oi = [p.venue for p in demo_snapshot.assets["BTC"].perps if p.oi_base is not None]
    assert with_oi  # the check can fail: the demo has venues with OI
    named = ", ".join(with_oi)
    assert f"sum of {named};" in phase.summary
    cells = [cell for table in phase.tables for r in table.rows for cell in r]
    assert any(f"summed over {named}" in str(c) for c in cells)
