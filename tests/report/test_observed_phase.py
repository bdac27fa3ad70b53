"""Phase 4 shows the observed Hyperliquid map beside the modelled one; null with a reason when nothing observed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.core.timeutil import dt64_to_datetime as to_datetime
from derivintel.core.timeutil import to_datetime64
from derivintel.report.builder import build_report
from derivintel.report.markdown import render_markdown
from tests.report.conftest import GENERATED_AT

KEYS = ("coverage", "long_cluster", "short_cluster", "model_overlap")
PREFIX = "liquidity.observed.hyperliquid"


def _metrics(report) -> dict:
    phase4 = next(p for p in report.phases if p.number == 4)
    return {m.key: m for m in phase4.metrics}


def test_demo_report_has_observed_keys(demo_report, demo_snapshot) -> None:
    metrics = _metrics(demo_report)
    for k in KEYS:
        m = metrics[f"{PREFIX}.{k}"]
        assert m.value is not None, k
        assert m.source.startswith("demo/hyperliquid/clearinghouseState")
    cov = metrics[f"{PREFIX}.coverage"]
    assert cov.unit == "share"
    assert 0.0 < cov.value < 1.0
    price = demo_snapshot.asset("BTC").candles_for(market="perp").close[-1]
    assert metrics[f"{PREFIX}.long_cluster"].value < price < metrics[f"{PREFIX}.short_cluster"].value
    overlap = metrics[f"{PREFIX}.model_overlap"].value
    baseline = metrics[f"{PREFIX}.model_overlap_baseline"].value
    assert 0.0 <= baseline <= 1.0
    assert 0.0 <= overlap <= 1.0
    text = render_markdown(demo_report)
    assert "Observed (SYNTHETIC demo; Hyperliquid positions)" in text
    assert "Observed Hyperliquid positions (SYNTHETIC demo; coverage" in text


def test_without_observed_positions_the_keys_are_null_with_a_reason(demo_snapshot) -> None:
    data = replace(demo_snapshot.asset("BTC"), observed_positions=None)
    snap = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": data})
    report = build_report(snap, analyze_snapshot(snap, AnalysisOptions()), generated_at=GENERATED_AT)
    metrics = _metrics(report)
    for k in KEYS:
        m = metrics[f"{PREFIX}.{k}"]
        assert m.value is None
        assert m.status == "insufficient_data"
        assert "no observed positions" in (m.note or "")
    assert "Observed Hyperliquid positions: not available" in render_markdown(report)


@pytest.mark.parametrize("asset", ["BTC", "ETH"])
def test_demo_positions_are_synthetic_and_survivors(demo_snapshot, asset) -> None:
    obs = demo_snapshot.asset(asset).observed_positions
    assert obs is not None
    assert obs.source.synthetic
    assert obs.source.name == "demo"
    assert len(obs) > 0
    as_of = to_datetime64(demo_snapshot.as_of)
    assert (obs.observed_at <= as_of).all()
    assert (obs.observed_at >= as_of - np.timedelta64(50, "m")).all()
    # Survivors: no long's liquidation price at or above the current price, no short's at or below it.
    price = next(p.mark_price_usd for p in demo_snapshot.asset(asset).perps if p.venue == "hyperliquid")
    liq = obs.liquidation_price_usd
    has = np.isfinite(liq)
    assert not (has & (obs.size_base > 0) & (liq >= price)).any()
    assert not (has & (obs.size_base < 0) & (liq <= price)).any()


def test_chart_draws_observed_beside_modelled_on_one_price_axis(demo_report) -> None:
    c = demo_report.charts
    assert c.liquidation_map is not None
    assert c.observed_liquidation_map is not None
    assert c.observed_liquidation_map.label.startswith("observed positions")
    assert c.observed_liquidation_map.source.startswith("demo/hyperliquid/clearinghouseState")
    # Same grid as the model (same reference, bin width and range), so bins line up on the price axis.
    assert c.observed_liquidation_map.bin_center_usd == c.liquidation_map.bin_center_usd
    assert "observed_liquidation_map" not in c.missing


def test_chart_missing_observed_says_why(demo_snapshot) -> None:
    data = replace(demo_snapshot.asset("BTC"), observed_positions=None)
    snap = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": data})
    report = build_report(snap, analyze_snapshot(snap, AnalysisOptions()), generated_at=GENERATED_AT)
    assert report.charts.observed_liquidation_map is None
    assert "no observed positions" in report.charts.missing["observed_liquidation_map"]


def test_freshness_lists_the_observed_positions_by_their_oldest_read(demo_report, demo_snapshot) -> None:
    entry = next(f for f in demo_report.freshness if f.source == "BTC demo/hyperliquid/clearinghouseState")
    obs = demo_snapshot.asset("BTC").observed_positions
    assert entry.as_of == obs.source.as_of
    assert entry.as_of == to_datetime(obs.observed_at.min())
    assert entry.budget_s == 7200.0
    assert not entry.stale


def _phase6(report) -> dict:
    phase6 = next(p for p in report.phases if p.number == 6)
    return {m.key: m for m in phase6.metrics}


def test_cascade_uses_observed_levels_when_coverage_passes_the_threshold(demo_report, demo_snapshot) -> None:
    observed_cov = _metrics(demo_report)[f"{PREFIX}.coverage"].value
    metrics = _phase6(demo_report)
    assert observed_cov >= 0.25  # the demo's synthetic accounts cover enough of the venue's OI
    assert metrics["cascade.observed_levels.used"].value == "model with observed hyperliquid positions"
    assert metrics["cascade.observed_levels.coverage"].value == pytest.approx(observed_cov)
    text = render_markdown(demo_report)
    assert "observed positions replace" in text

    # Without observed positions the same snapshot's cascade runs on the model alone, and its bands differ.
    data = replace(demo_snapshot.asset("BTC"), observed_positions=None)
    snap = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": data})
    model_only = _phase6(build_report(snap, analyze_snapshot(snap, AnalysisOptions()), generated_at=GENERATED_AT))
    assert model_only["cascade.observed_levels.used"].value == "model only"
    assert model_only["cascade.observed_levels.coverage"].value is None
    assert "no observed positions" in (model_only["cascade.observed_levels.used"].note or "")
    assert model_only["cascade.long_within_5pct_usd"].value != metrics["cascade.long_within_5pct_usd"].value
