"""Phase 8's bias: the vote table shows each input's reading (a metric), one row per piece of evidence."""

from __future__ import annotations


def _phase8(report):
    return next(p for p in report.phases if p.number == 8)


def test_vote_table_shows_readings_not_see_its_phase(demo_report):
    p8 = _phase8(demo_report)
    votes = next(t for t in p8.tables if t.columns[:3] == ["Input", "Reading", "Vote"])
    names = [r[0].text for r in votes.rows]
    assert len(names) == len(set(names))
    assert "structure.phase" not in names
    for r in votes.rows:
        assert r[1].text != "see its phase"
        if r[1].metric is not None:
            metric = demo_report.metric(r[1].metric)
            assert metric.value is not None
    cvd = next(r for r in votes.rows if r[0].text == "positioning.cvd_perp_24h_usd")
    assert demo_report.metric(cvd[1].metric).value == demo_report.metric("positioning.cvd.perp_24h_usd").value


def test_demo_says_no_track_record_with_stable_keys(demo_report):
    p8 = _phase8(demo_report)
    assert "No track record: no stored history" in p8.summary
    assert demo_report.metric("decision.track_record.hit_rate_3d").value is None
    assert demo_report.metric("decision.track_record.n").value is None


def test_track_record_line_and_table_from_a_measured_record(demo_snapshot):
    from datetime import UTC, datetime

    from derivintel.assessment.analyze import UNCALIBRATED, AnalysisOptions, Calibration, analyze_snapshot
    from derivintel.report.builder import build_report
    from derivintel.research.bias_track import track_record_from_series
    from tests.research.test_bias_track import synthetic_candles, synthetic_funding

    rec = track_record_from_series("BTC", synthetic_candles(900), synthetic_funding(n=400), None, n_boot=200)
    cal = Calibration(UNCALIBRATED.short_squeeze, UNCALIBRATED.long_squeeze, rec)
    report = build_report(
        demo_snapshot,
        analyze_snapshot(demo_snapshot, AnalysisOptions(), cal),
        generated_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    p8 = _phase8(report)
    three = rec.value.at(3)
    assert report.metric("decision.track_record.n").value == three.n_calls
    assert report.metric("decision.track_record.hit_rate_3d").value == three.hit_rate
    assert "Track record (3d):" in p8.summary
    assert "vs base" in p8.summary
    assert ("no measurable edge" in p8.summary) == (rec.value.has_edge is False)
    table = next(t for t in p8.tables if t.columns[0] == "Horizon")
    assert [r[0].text for r in table.rows] == ["1d", "3d", "7d"]
    assert "macro.regime" in p8.summary  # the excluded evidence is named
    assert f"Calls from {rec.value.span_start:%Y-%m-%d} to {rec.value.span_end:%Y-%m-%d}." in p8.summary
    windowed = rec.__class__.of(rec.value, params={**rec.params, "lookback_days": 1826.0})
    cal = Calibration(UNCALIBRATED.short_squeeze, UNCALIBRATED.long_squeeze, windowed)
    again = build_report(
        demo_snapshot,
        analyze_snapshot(demo_snapshot, AnalysisOptions(), cal),
        generated_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    assert "(window: the 1826 days before the report)." in _phase8(again).summary


def test_no_call_still_shows_the_readings_that_exist(demo_snapshot):
    from dataclasses import replace
    from datetime import UTC, datetime

    from derivintel.assessment.analyze import analyze_snapshot
    from derivintel.core.result import Result
    from derivintel.report.builder import build_report

    an = analyze_snapshot(demo_snapshot)
    no_call = replace(an, bias=Result.missing("only 40% of the bias inputs are available"))
    report = build_report(demo_snapshot, no_call, generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    votes = next(t for t in _phase8(report).tables if t.columns[:3] == ["Input", "Reading", "Vote"])
    cvd = next(r for r in votes.rows if r[0].text == "positioning.cvd_perp_24h_usd")
    assert report.metric(cvd[1].metric).value == an.bias_inputs["positioning.cvd_perp_24h_usd"]
    assert cvd[2].text.startswith("no call")
