"""Bias track record: vector inputs equal the report's scalar analytics, no look-ahead, the bootstrap's block sums,
and hit-rate arithmetic on hand cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.positioning.cvd import cvd_from_candles
from derivintel.analytics.structure.avwap import calendar_vwap
from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_ms
from derivintel.domain.series import CandleSeries, FundingSeries
from derivintel.research.bias_inputs import (
    EXCLUDED,
    INCLUDED,
    bias_columns,
    cvd_usd_vector,
    history_rules,
    quarter_avwap_vector,
)
from derivintel.research.bias_track import _horizon_record, block_sums, stationary_blocks, track_record_from_series
from derivintel.synthesis.bias import DEFAULT_BIAS_RULES, bias_series

T0 = datetime(2025, 12, 20, tzinfo=UTC)  # crosses the 2026-01-01 quarter anchor
SRC = Source("test", "synthetic", T0, T0, synthetic=True)
H4 = 14_400


def synthetic_candles(n: int = 160, start: datetime = T0, seed: int = 3) -> CandleSeries:
    rng = np.random.default_rng(seed)
    close = 50_000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    high = close * (1 + rng.uniform(0, 0.01, n))
    low = close * (1 - rng.uniform(0, 0.01, n))
    vol = rng.uniform(100, 1000, n)
    taker = vol * rng.uniform(0.3, 0.7, n)
    taker[5] = np.nan  # one bar without taker volume
    ts = np.datetime64(to_ms(start), "ms") + np.arange(n) * np.timedelta64(H4 * 1000, "ms")
    return CandleSeries("test", "BTC", "perp", H4, ts, close.copy(), high, low, close, vol, taker, SRC)


def synthetic_funding(start: datetime = T0 - timedelta(days=40), n: int = 200, seed: int = 4) -> FundingSeries:
    rng = np.random.default_rng(seed)
    ts = np.datetime64(to_ms(start), "ms") + np.arange(n) * np.timedelta64(8 * 3_600_000, "ms")
    return FundingSeries("test", "BTC", ts, rng.normal(1e-4, 1e-4, n), np.full(n, 8.0), SRC)


def _close_times(c: CandleSeries) -> np.ndarray:
    return c.ts.astype("datetime64[ms]").astype(np.int64) + c.interval_s * 1000


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def test_quarter_avwap_vector_equals_calendar_vwap_at_every_close():
    c = synthetic_candles()
    at = _close_times(c)
    vwap, bars = quarter_avwap_vector(c, at)
    checked_new_quarter = 0
    for k in range(len(at)):
        live = calendar_vwap(c, "quarter", _dt(int(at[k])))
        if live.value is None:
            assert np.isnan(vwap[k])
            assert bars[k] == 0
        else:
            assert vwap[k] == pytest.approx(live.value.vwap_usd, rel=1e-12)
            assert bars[k] == live.value.bars_used
            checked_new_quarter += live.value.anchor.month == 1
    assert checked_new_quarter > 50
    # the candles start after the 2025-Q4 anchor: no AVWAP before the new quarter, as live
    assert np.isnan(vwap[0])
    # 2026-01-01T00:00 (close of the last Q4 bar): the new quarter has no closed bar yet
    k_anchor = int(np.flatnonzero(at == to_ms(datetime(2026, 1, 1, tzinfo=UTC)))[0])
    assert bars[k_anchor] == 0
    assert bars[k_anchor + 1] == 1


def test_cvd_vector_equals_cvd_from_candles():
    c = synthetic_candles()
    at = _close_times(c)
    vec = cvd_usd_vector(c, at)
    for k in range(0, len(at), 7):
        live = cvd_from_candles([c], market="perp", as_of=_dt(int(at[k])), window=timedelta(hours=24))
        assert vec[k] == pytest.approx(live.value.delta_usd, rel=1e-12)


def test_walk_forward_has_no_look_ahead():
    c, f = synthetic_candles(), synthetic_funding()
    at, full = bias_columns(c, f, None)
    full_labels = bias_series(full, history_rules()).label
    for k in (20, 71, 72, 73, 150):
        t = _dt(int(at[k]))
        _, cut = bias_columns(c.until(t), f.until(t), None)
        for name, col in cut.items():
            a, b = col[-1], full[name][k]
            assert a == b or (a is None and b is None) or (np.isnan(a) and np.isnan(b)), name
        assert bias_series(cut, history_rules()).label[-1] == full_labels[k]


def test_history_rules_are_the_live_rules_restricted():
    rules = history_rules()
    assert all(r in DEFAULT_BIAS_RULES for r in rules)
    assert {r.signal for r in rules} == set(INCLUDED)
    assert {r.signal for r in DEFAULT_BIAS_RULES} == set(INCLUDED) | set(EXCLUDED)


def test_block_sums_equal_the_explicit_resample():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3, 50))
    starts, lengths = stationary_blocks(50, 20, 6.0, rng)
    assert (lengths.sum(axis=1) == 50).all()
    sums = block_sums(x, starts, lengths)
    for b in range(20):
        idx = np.concatenate([(s + np.arange(n)) % 50 for s, n in zip(starts[b], lengths[b], strict=True)])
        assert len(idx) == 50
        np.testing.assert_allclose(sums[:, b], x[:, idx].sum(axis=1), rtol=1e-12)


def _record(labels, fwd, min_calls=5):
    return _horizon_record(
        1,
        np.array(labels, dtype=object),
        np.array(fwd, dtype=float),
        interval_s=86_400,
        rng=np.random.default_rng(1),
        n_boot=200,
        confidence=0.9,
        min_calls=min_calls,
    )


def test_perfect_caller_has_an_edge_over_the_mixed_base_rate():
    fwd = [0.01, -0.02, 0.03, -0.01] * 10
    labels = ["bullish" if r > 0 else "bearish" for r in fwd]
    rec = _record(labels, fwd)
    assert rec.hit_rate == 1.0
    assert rec.base_up_rate == 0.5
    assert rec.base_hit_rate == 0.5  # half bullish × P(up) + half bearish × P(down)
    assert rec.edge == 0.5
    assert rec.signed_mean_return == pytest.approx(np.mean(np.abs(fwd)))
    assert rec.hit_ci_low == 1.0  # every resample of a perfect record is perfect
    assert rec.has_edge is True


def test_always_wrong_caller_and_neutral_rows():
    fwd = [0.01, -0.02, 0.03, -0.01] * 10
    labels = ["bearish" if r > 0 else "bullish" for r in fwd]
    labels[0] = "neutral"  # in the span, not a call
    labels[1] = None  # not computable: outside the span
    rec = _record(labels, fwd)
    assert rec.n_calls == 38
    assert rec.n_span == 39
    assert rec.hit_rate == 0.0
    assert rec.has_edge is False
    few = _record(labels[:6], fwd[:6], min_calls=30)
    assert few.hit_rate is None
    assert few.has_edge is None


def test_track_record_result_lists_included_and_excluded():
    c, f = synthetic_candles(600), synthetic_funding(n=400)
    res = track_record_from_series("BTC", c, f, None, min_calls=10, n_boot=200)
    rec = res.value
    assert rec.included == INCLUDED
    assert set(rec.excluded) == {"macro.regime", "options.rr25"}
    assert rec.feature_spans["positioning.quadrant"] is None  # no OI given
    assert any("no stored history for positioning.quadrant" in r for r in res.reasons)
    for h in rec.horizons:
        if h.hit_rate is not None:
            assert h.hit_ci_low <= h.hit_rate <= h.hit_ci_high
    again = track_record_from_series("BTC", c, f, None, min_calls=10, n_boot=200).value
    assert again.horizons == rec.horizons  # seeded
