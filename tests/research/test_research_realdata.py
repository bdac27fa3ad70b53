"""Event study and calibration on real recorded BTC history (Binance 4h klines, funding, spot; hourly OI file)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.research import run_study, squeeze_base_rates
from derivintel.research.signals import OI_SIGNALS, PRICE_FUNDING_SIGNALS
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps, import_oi_csv
from tests.realdata import real_path

OI_FILE = "viraj_binance_btcusdt_perp_hourly_features_2023-12_2024-10.csv"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    files = [
        real_path("perp_history", "binance_btcusdt_um", f)
        for f in ("futures_BTCUSDT_4h.csv", "futures_BTCUSDT_funding.csv", "spot_BTCUSDT_4h.csv")
    ]
    with HistoryStore(tmp_path_factory.mktemp("rs") / "h.duckdb") as s:
        import_dumps("binance-vision", files, s)
        import_oi_csv(real_path("perp_history", OI_FILE), s, venue="binance-usdm", asset="BTC", interval_s=3600)
        yield s


def test_event_study_on_real_history(store) -> None:
    res = run_study(store, "BTC", (*PRICE_FUNDING_SIGNALS, *OI_SIGNALS), (1, 3, 7), n_boot=400)
    study = res.value
    assert study is not None
    assert len(study.rows) == 14 * 3
    oi_span = study.feature_spans["oi_change_24h"]
    assert oi_span is not None
    assert oi_span[0].date() == datetime(2023, 12, 4).date()
    assert oi_span[1].date() == datetime(2024, 10, 23).date()
    for r in study.rows:
        assert r.baseline_n > 1000
        if r.mean_return is not None:
            assert r.ci_low <= r.mean_return <= r.ci_high
            assert 0.0 <= r.hit_rate <= 1.0
            assert 0.0 < r.p_value <= 1.0
            assert r.first_event is not None
            assert r.last_event is not None
    funding_low = next(r for r in study.rows if r.signal == "funding_z_le_-2" and r.horizon_days == 7)
    # non-overlapping 7-day events over ~5.5 years: at most one per week
    span_weeks = (study.span_end - study.span_start).days / 7
    assert 20 <= funding_low.n_events <= span_weeks
    oi_drop = next(r for r in study.rows if r.signal == "oi_drop_24h_le_-5pct" and r.horizon_days == 1)
    assert oi_drop.n_events > 0
    assert oi_drop.first_event >= datetime(2023, 12, 4, tzinfo=UTC)
    assert set(study.spa_pvalues) == {1, 3, 7}


def test_calibration_respects_as_of_and_reports_n(store) -> None:
    as_of = datetime(2024, 11, 1, tzinfo=UTC)
    strict = squeeze_base_rates(store, "BTC", as_of, funding_z=2.0, min_events=20)
    assert strict.value is None
    assert strict.reasons[0].startswith("uncalibrated: insufficient history (N=")
    loose = squeeze_base_rates(store, "BTC", as_of, funding_z=1.0, min_events=5)
    assert loose.value is not None
    assert loose.value.span_end <= as_of
    assert loose.value.ci_low <= loose.value.probability <= loose.value.ci_high
    assert np.isfinite(loose.value.baseline_probability)
    before_oi = squeeze_base_rates(store, "BTC", datetime(2023, 6, 1, tzinfo=UTC), funding_z=1.0, min_events=5)
    assert before_oi.value is None
    assert "N=0" in before_oi.reasons[0]
