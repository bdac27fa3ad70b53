from derivintel.app.report_providers import demo_known_metrics


def test_demo_known_metrics_cover_report_keys():
    known = demo_known_metrics()
    for key in ("price.last", "options.gamma_flip", "decision.bias", "macro.regime", "positioning.quadrant"):
        assert known.unit_of(key) is not None
    assert known.unit_of("positioning.funding.oi_weighted_1h") == "fraction_per_hour"
