"""Event-study building blocks on hand-computed cases; vector features equal the report's scalar analytics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.positioning.funding import funding_zscore
from derivintel.analytics.positioning.open_interest import open_interest_change
from derivintel.analytics.positioning.positioning_analysis import price_change
from derivintel.core.provenance import Source
from derivintel.core.timeutil import from_ms
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.research.calibration import base_rate_from_frame, wilson_interval
from derivintel.research.event_study import (
    benjamini_hochberg,
    forward_extremes,
    forward_returns,
    non_overlapping,
    study_frame,
)
from derivintel.research.features import FeatureFrame
from derivintel.research.signals import SignalSpec
from derivintel.research.vectors import (
    DAY_MS,
    funding_zscore_vector,
    oi_change_vector,
    price_change_vector,
    quadrant_labels,
)

SRC = Source("t", "t", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
H = 3_600_000


def test_forward_returns_hand_case() -> None:
    ts = np.array([0, 1, 2, 3]) * DAY_MS
    close = np.array([100.0, 110.0, 99.0, 120.0])
    fwd = forward_returns(ts, close, DAY_MS)
    # 110/100−1 = 0.1; 99/110−1 = −0.1; 120/99−1 = 0.2121…; last: no data after → NaN
    np.testing.assert_allclose(fwd[:3], [0.1, -0.1, 120 / 99 - 1])
    assert np.isnan(fwd[3])
    up, down = forward_extremes(ts, close, close + 5, close - 5, 2 * DAY_MS)
    # from t0 over bars 1..2: max high 115 → 0.15, min low 94 → −0.06
    assert up[0] == pytest.approx(0.15)
    assert down[0] == pytest.approx(-0.06)
    assert np.isnan(up[2])
    assert np.isnan(up[3])


def test_non_overlapping_enforces_the_gap() -> None:
    ts = np.array([0, 1, 2, 3, 4, 5, 6]) * DAY_MS
    mask = np.array([1, 1, 1, 1, 0, 1, 1], dtype=bool)
    # gap 3 days: keep t=0, next allowed t≥3 → 3, next ≥6 → 6
    assert non_overlapping(ts, mask, 3 * DAY_MS).tolist() == [0, 3, 6]


def test_benjamini_hochberg_hand_case() -> None:
    # p sorted 0.01, 0.02, 0.03, 0.5 (m=4): raw ×m/rank = 0.04, 0.04, 0.04, 0.5 → monotone from the top
    np.testing.assert_allclose(benjamini_hochberg([0.03, 0.5, 0.01, 0.02]), [0.04, 0.5, 0.04, 0.04])


def test_wilson_interval_known_value() -> None:
    # 5/10 at 95 %: centre 0.5, half-width 1.96·sqrt(0.025+0.0096)/1.384 = 0.2634 → (0.2366, 0.7634)
    lo, hi = wilson_interval(5, 10, 0.95)
    assert lo == pytest.approx(0.2366, abs=1e-4)
    assert hi == pytest.approx(0.7634, abs=1e-4)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(10, 200))
def test_funding_zscore_vector_matches_report_function(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    ts = (np.arange(n) * 8 * H).astype("datetime64[ms]")
    f = FundingSeries("v", "BTC", ts, rng.normal(1e-4, 5e-5, n), np.full(n, 8.0), SRC)
    at = np.array([k * 8 * H + 3 * H])
    cur, z = funding_zscore_vector(f, at)
    ref = funding_zscore(f, as_of=from_ms(int(at[0])))
    assert ref.value is not None
    assert ref.value.zscore is not None
    assert z[0] == pytest.approx(ref.value.zscore, rel=1e-9, abs=1e-9)
    assert cur[0] == pytest.approx(ref.value.current_1h)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(0, 120))
def test_oi_and_price_change_vectors_match_report_functions(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    n = 100
    ts = (np.arange(n) * H).astype("datetime64[ms]")
    oi_base = rng.uniform(90, 110, n)
    oi = OpenInterestSeries("v", "BTC", 3600, ts, oi_base, oi_base * 100, SRC)
    close = rng.uniform(90, 110, n)
    candles = CandleSeries("v", "BTC", "perp", 3600, ts, close, close, close, close, np.ones(n), None, SRC)
    at_ms = k * H + int(rng.integers(0, H))
    at = from_ms(at_ms)
    ref_oi = open_interest_change([oi], as_of=at, window=timedelta(hours=24))
    got_oi = oi_change_vector(oi, np.array([at_ms]))[0]
    if ref_oi.value is None:
        assert np.isnan(got_oi)
    else:
        assert got_oi == pytest.approx(ref_oi.value.change_fraction)
    ref_px = price_change(candles, as_of=at, window=timedelta(hours=24), max_sample_lag=timedelta(hours=2))
    got_px = price_change_vector(candles, np.array([at_ms]))[0]
    assert (ref_px is None and np.isnan(got_px)) or got_px == pytest.approx(ref_px)


def test_quadrant_labels_use_the_report_classifier() -> None:
    labels = quadrant_labels(np.array([0.02, -0.02, np.nan, 0.001]), np.array([-0.03, -0.03, 0.1, 0.001]))
    assert labels.tolist() == ["short_covering", "long_liquidation", None, "flat"]


def _frame(close: np.ndarray, feature: np.ndarray) -> FeatureFrame:
    ts = (np.arange(len(close)) * DAY_MS).astype("datetime64[ms]")
    return FeatureFrame("BTC", 86_400, ts, close, close, close, {"x": feature})


def test_study_detects_a_planted_signal_and_is_seeded() -> None:
    rng = np.random.default_rng(0)
    n = 1500
    fires = rng.random(n) < 0.15
    # next-day return +3 % after a firing day, else noise with zero mean
    ret = np.where(np.roll(fires, 1), 0.03, 0.0) + rng.normal(0, 0.01, n)
    ret[0] = 0.0
    close = 100 * np.cumprod(1 + ret)
    frame = _frame(close, fires.astype(float))
    specs = [SignalSpec("planted", "x", ">=", 1.0, 1), SignalSpec("noise", "x", "<", 1.0, 1)]
    res = study_frame(frame, specs, (1,), seed=3, n_boot=500)
    planted = next(r for r in res.rows if r.signal == "planted")
    noise = next(r for r in res.rows if r.signal == "noise")
    assert planted.mean_return == pytest.approx(0.03, abs=0.003)
    assert planted.ci_low is not None
    assert planted.ci_low > noise.mean_return
    assert planted.hit_rate is not None
    assert planted.hit_rate > 0.95
    assert planted.p_value is not None
    assert planted.p_value < 0.01
    assert planted.significant is True
    assert noise.significant is False
    assert planted.n_events == int(fires[:-1].sum())  # 1-day horizon on daily grid: every firing day is an event
    again = study_frame(frame, specs, (1,), seed=3, n_boot=500)
    assert again.rows == res.rows


def test_study_marks_small_samples_as_not_computable() -> None:
    close = np.linspace(100, 110, 50)
    feature = np.zeros(50)
    feature[[5, 20]] = 1.0
    res = study_frame(_frame(close, feature), [SignalSpec("rare", "x", ">=", 1.0, 1)], (1,), min_events=5)
    (row,) = res.rows
    assert row.n_events == 2
    assert row.mean_return is None
    assert row.significant is None


def test_base_rate_missing_when_history_is_short_and_counts_when_long() -> None:
    n = 400
    ts = (np.arange(n) * DAY_MS).astype("datetime64[ms]")
    close = np.full(n, 100.0)
    high = close.copy()
    z = np.full(n, np.nan)
    oi = np.full(n, np.nan)
    z[:300:10] = -3.0  # 30 setups, every 10 days
    oi[:300:10] = -0.02
    z[1:300:10] = 0.0
    oi[1:300:10] = 0.0
    hits = np.arange(0, 300, 10)[::3]  # every third setup is followed next day by a +6 % high
    high[hits + 1] = 106.0
    frame = FeatureFrame("BTC", 86_400, ts, close, high, close, {"funding_zscore_30d": z, "oi_change_24h": oi})
    as_of = from_ms(int(ts[-1].astype(np.int64)))
    res = base_rate_from_frame(frame, as_of=as_of, horizon_days=3, min_events=20)
    assert res.value is not None
    assert res.value.n_events == 30
    assert res.value.hits == 10
    assert res.value.probability == pytest.approx(1 / 3)
    assert res.value.ci_low < 1 / 3 < res.value.ci_high
    early = from_ms(int(ts[100].astype(np.int64)))  # only setups whose 3-day window ended by day 100
    short = base_rate_from_frame(frame, as_of=early, horizon_days=3, min_events=20)
    assert short.value is None
    assert "uncalibrated: insufficient history (N=10" in short.reasons[0]
