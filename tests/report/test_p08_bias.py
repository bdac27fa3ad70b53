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
