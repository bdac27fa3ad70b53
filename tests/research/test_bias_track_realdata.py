"""The bias track record on real Binance BTCUSDT history: the walk-forward inputs and call equal the live report's
at sampled times (same rules, no look-ahead), and the 2026-04-01T04:00Z replay no longer counts a one-bar AVWAP."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.analytics.macro import analyze_macro
from derivintel.assessment.analyze import AnalysisOptions, analyze_asset, bias_signals
from derivintel.core.timeutil import to_ms
from derivintel.research.bias_inputs import INCLUDED, bias_columns, history_rules
from derivintel.research.bias_track import bias_track_record
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps, import_oi_csv
from derivintel.store.snapshot_at import build_snapshot_at
from derivintel.synthesis.bias import AVWAP_QUARTER_BARS, bias_series, decide_bias
from tests.realdata import real_path

OI_FILE = "viraj_binance_btcusdt_perp_hourly_features_2023-12_2024-10.csv"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    files = [
        real_path("perp_history", "binance_btcusdt_um", f)
        for f in ("futures_BTCUSDT_4h.csv", "futures_BTCUSDT_funding.csv")
    ]
    with HistoryStore(tmp_path_factory.mktemp("bt") / "h.duckdb") as s:
        import_dumps("binance-vision", files, s)
        import_oi_csv(real_path("perp_history", OI_FILE), s, venue="binance-usdm", asset="BTC", interval_s=3600)
        yield s


def _live_signals(store, as_of):
    snap = build_snapshot_at(store, "BTC", (), as_of)
    primary = analyze_asset(snap.asset("BTC"), snap, AnalysisOptions())
    return bias_signals(primary, analyze_macro(snap.macro, None, as_of=as_of))


@pytest.mark.parametrize(
    "as_of",
    [
        datetime(2022, 6, 15, 0, tzinfo=UTC),  # no OI stored: quadrant missing in both
        datetime(2024, 3, 15, 12, tzinfo=UTC),
        datetime(2024, 7, 1, 8, tzinfo=UTC),  # 2 bars into the quarter: AVWAP not counted in both
    ],
)
def test_walk_forward_row_equals_the_live_bias(store, as_of):
    grid = max((c for c in store.candle_series("BTC") if c.interval_s == 14_400), key=len)
    funding = max(store.funding_series("BTC"), key=len)
    oi = max(store.open_interest_series("BTC"), key=len)
    at, cols = bias_columns(grid, funding, oi)
    k = int(np.flatnonzero(at == to_ms(as_of))[0])
    live = _live_signals(store, as_of)
    if as_of.year == 2024:
        assert isinstance(live["positioning.quadrant"], str)  # the OI file covers it: the quadrant is compared
    for name in (*INCLUDED, AVWAP_QUARTER_BARS):
        hist, now = cols[name][k], live.get(name)
        if now is None:
            assert hist is None or np.isnan(hist) or (name == AVWAP_QUARTER_BARS and hist == 0), name
        elif isinstance(now, str):
            assert hist == now, name
        else:
            assert hist == pytest.approx(now, rel=1e-9, abs=1e-9), name
    series = bias_series(cols, history_rules())
    call = decide_bias({s: live.get(s) for s in (*INCLUDED, AVWAP_QUARTER_BARS)}, history_rules())
    assert series.label[k] == (call.value.bias if call.value else None)
    if call.value:
        assert series.score[k] == pytest.approx(call.value.score)


def test_2026_04_01_0400_quarter_avwap_of_one_bar_does_not_vote(store):
    live = _live_signals(store, datetime(2026, 4, 1, 4, tzinfo=UTC))
    assert live[AVWAP_QUARTER_BARS] == 1
    call = decide_bias(live)
    assert any("structure.avwap_quarter_bars < 6" in r for r in call.reasons)
    if call.value is not None:
        assert "structure.price_vs_avwap_quarter" not in [v.signal for v in call.value.votes]


def test_track_record_on_real_history(store):
    res = bias_track_record(store, "BTC")
    rec = res.value
    assert rec is not None
    assert rec.span_start.year == 2021
    assert set(rec.excluded) == {"macro.regime", "options.rr25"}
    for h in rec.horizons:
        assert h.n_calls > 5000
        assert h.n_bullish + h.n_bearish == h.n_calls <= h.n_span
        assert h.hit_ci_low <= h.hit_rate <= h.hit_ci_high
        assert h.edge_ci_low <= h.edge <= h.edge_ci_high
        assert 0.4 < h.base_up_rate < 0.6
    # point in time: a record as of 2024-01-02 uses no bar after it
    early = bias_track_record(store, "BTC", datetime(2024, 1, 2, tzinfo=UTC)).value
    assert early.span_end <= datetime(2024, 1, 2, tzinfo=UTC)
    assert early.at(3).n_calls < rec.at(3).n_calls


def test_study_includes_the_bias_as_a_signal(store):
    from derivintel.research import DEFAULT_SIGNALS, run_study
    from derivintel.research.signals import BIAS_SIGNALS

    assert set(BIAS_SIGNALS) <= set(DEFAULT_SIGNALS)
    study = run_study(store, "BTC", BIAS_SIGNALS, (3,), n_boot=200).value
    rows = {r.signal: r for r in study.rows}
    assert set(rows) == {"bias_bullish", "bias_bearish"}
    assert rows["bias_bullish"].direction == 1
    assert rows["bias_bearish"].direction == -1
    assert all(r.n_events > 100 for r in rows.values())
    assert study.feature_spans["bias"][0].year == 2021


def test_bounded_window_equals_the_whole_history_restricted_to_it(store):
    """The bounded read (window + warm-up) gives the record the whole history gives when only the window's decision
    times count: the warm-up covers every input's look-back, so nothing before it changes a counted call."""
    from derivintel.research.bias_track import BIAS_WARMUP_MS, track_record_from_series
    from derivintel.research.vectors import DAY_MS

    as_of = datetime(2024, 8, 15, 4, tzinfo=UTC)
    lookback_days = 326.0  # first counted call 2023-09-24, 85 days into its quarter: it needs the 2023-07-01 anchor
    bounded = bias_track_record(store, "BTC", as_of, lookback_days=lookback_days, n_boot=200)
    grid = max((c for c in store.candle_series("BTC", until=as_of) if c.interval_s == 14_400), key=len)
    whole = track_record_from_series(
        "BTC",
        grid,
        max(store.funding_series("BTC", until=as_of), key=len),
        max(store.open_interest_series("BTC", until=as_of), key=len),
        n_boot=200,
        first_decision_ms=to_ms(as_of) - round(lookback_days * DAY_MS),
    )
    assert bounded.value.horizons == whole.value.horizons
    assert bounded.value.n_decisions == whole.value.n_decisions
    assert (bounded.value.span_start, bounded.value.span_end) == (whole.value.span_start, whole.value.span_end)
    assert bounded.value.feature_spans == whole.value.feature_spans
    assert bounded.value.span_start >= datetime(2023, 9, 24, tzinfo=UTC)  # as_of − 326 d
    assert grid.ts[0] < np.datetime64(to_ms(as_of) - round(lookback_days * DAY_MS) - BIAS_WARMUP_MS, "ms")
    # the whole history (no window) counts more calls: the window is what bounds the read
    unbounded = track_record_from_series(
        "BTC", grid, max(store.funding_series("BTC", until=as_of), key=len), None, n_boot=200
    )
    assert unbounded.value.at(3).n_calls > bounded.value.at(3).n_calls
