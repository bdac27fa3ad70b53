"""Chart series in the report model (report/charts.py): resampling, levels, per-venue histories, options charts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.assessment.analyze import analyze_snapshot
from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.report.builder import build_report
from derivintel.report.charts import (
    PRICE_WINDOW_DAYS,
    funding_history,
    last_per_bucket,
    oi_history,
    price_levels,
    resample_ohlcv,
    round_sig,
)
from derivintel.report.model import Metric

T0 = datetime(2026, 1, 1, tzinfo=UTC)
H = 3600
SRC = Source("test", "klines_1h", T0, T0)


def _candles(start: datetime, o, h, low, c, v) -> CandleSeries:
    n = len(o)
    ts = to_datetime64(start) + np.arange(n) * np.timedelta64(H * 1000, "ms")
    arr = lambda x: np.asarray(x, dtype=float)  # noqa: E731
    return CandleSeries("test", "BTC", "perp", H, ts, arr(o), arr(h), arr(low), arr(c), arr(v), None, SRC)


def test_resample_to_4h_by_hand():
    # Six 1h bars opening 02:00..07:00 → buckets 00:00 (02, 03) and 04:00 (04..07).
    c = _candles(T0 + timedelta(hours=2), [10, 11, 12, 13, 14, 15], [12, 15, 13, 20, 16, 17],
                 [9, 10, 8, 12, 13, 14], [11, 12, 13, 14, 15, 16], [1, 2, 3, 4, 5, 6])  # fmt: skip
    bars = resample_ohlcv(c, interval_s=4 * H, start=T0, as_of=T0 + timedelta(hours=8))
    assert bars.ts.tolist() == [to_datetime64(T0).item(), to_datetime64(T0 + timedelta(hours=4)).item()]
    assert bars.open.tolist() == [10, 12]  # first open of each bucket
    assert bars.high.tolist() == [15, 20]  # max(12, 15); max(13, 20, 16, 17)
    assert bars.low.tolist() == [9, 8]  # min(9, 10); min(8, 12, 13, 14)
    assert bars.close.tolist() == [12, 16]  # last close
    assert bars.volume_base.tolist() == [3, 18]  # 1+2; 3+4+5+6
    # At 07:30 the 07:00 bar is not closed yet: the second bucket holds 04..06 only.
    early = resample_ohlcv(c, interval_s=4 * H, start=T0, as_of=T0 + timedelta(hours=7, minutes=30))
    assert early.close.tolist() == [12, 15]
    assert early.volume_base.tolist() == [3, 12]
    # ``start`` cuts bars opened before it: from 04:00 only the second bucket remains.
    later = resample_ohlcv(c, interval_s=4 * H, start=T0 + timedelta(hours=4), as_of=T0 + timedelta(hours=8))
    assert later.open.tolist() == [12]


def test_resample_drops_non_finite_bars_and_handles_empty():
    c = _candles(T0, [10, np.nan, 12], [11, 12, 13], [9, 9, 11], [10, 11, 12], [1, 1, 1])
    bars = resample_ohlcv(c, interval_s=4 * H, start=T0, as_of=T0 + timedelta(hours=3))
    assert bars.volume_base.tolist() == [2]  # the NaN-open bar is dropped
    none = resample_ohlcv(c, interval_s=4 * H, start=T0, as_of=T0)
    assert len(none.ts) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(1, 1e6), st.floats(0, 0.1), st.floats(0, 0.1), st.floats(0, 1e3)), min_size=1, max_size=60
    ),
    st.integers(0, 23),
)
def test_resample_conserves_volume_and_extremes(rows, offset_h):
    mid = np.array([r[0] for r in rows])
    high = mid * (1 + np.array([r[1] for r in rows]))
    low = mid * (1 - np.array([r[2] for r in rows]))
    vol = np.array([r[3] for r in rows])
    c = _candles(T0 + timedelta(hours=offset_h), mid, high, low, mid, vol)
    end = T0 + timedelta(hours=offset_h + len(rows))
    bars = resample_ohlcv(c, interval_s=4 * H, start=T0, as_of=end)
    assert np.isclose(bars.volume_base.sum(), vol.sum())
    assert bars.high.max() == high.max()
    assert bars.low.min() == low.min()
    assert bars.open[0] == mid[0]
    assert bars.close[-1] == mid[-1]
    assert len(bars.ts) == len(np.unique((offset_h + np.arange(len(rows))) // 4))
    assert np.all(bars.low <= bars.high)


def test_last_per_bucket():
    ts = to_datetime64(T0) + np.array([0, 1, 3, 4, 9], dtype="timedelta64[h]").astype("timedelta64[ms]")
    # 4h buckets: {0, 1, 3} → last is index 2; {4} → 3; {9} → 4
    assert last_per_bucket(ts, 4 * H).tolist() == [2, 3, 4]
    assert last_per_bucket(ts[:0], 4 * H).tolist() == []


def test_round_sig():
    assert round_sig([67090.4996971309, 0.000012345678, -1.23456789e10]) == [67090.5, 1.234568e-05, -1.234568e10]


def _metric(key: str, value, unit="usd") -> Metric:
    return Metric(key=key, label=key, value=value, unit=unit, source="s", as_of=T0)


def test_price_levels_take_usd_metrics_of_known_groups():
    metrics = [
        _metric("structure.avwap.week", 100.0),
        _metric("structure.atr", 5.0),  # a distance, not a level
        _metric("options.max_pain", None),  # missing: not drawn
        _metric("risk.long.stop", 90.0),
        _metric("positioning.oi.total_usd", 1e9, unit="usd_notional"),
        _metric("options.call_wall", 120.0),
    ]
    levels = price_levels(metrics)
    assert [(lv.metric, lv.group, lv.price_usd) for lv in levels] == [
        ("structure.avwap.week", "avwap", 100.0),
        ("risk.long.stop", "plan", 90.0),
        ("options.call_wall", "options", 120.0),
    ]


def test_funding_history_is_per_hour_and_windowed():
    ts = to_datetime64(T0) + np.array([-40 * 24, 0, 8], dtype="timedelta64[h]").astype("timedelta64[ms]")
    f = FundingSeries("binance-usdm", "BTC", ts, np.array([0.0002, 0.0001, 0.0004]), np.array([8.0, 8.0, 4.0]), SRC)
    h = funding_history(f, as_of=T0 + timedelta(hours=8))
    # The -40d settlement is outside the 30-day window; 0.0001/8h = 0.0000125/h, 0.0004/4h = 0.0001/h.
    assert h.rate_1h == [1.25e-05, 0.0001]
    assert h.interval_hours == 4.0
    assert h.source == "test/klines_1h"


def test_oi_history_keeps_the_last_sample_per_4h():
    ts = to_datetime64(T0) + (np.arange(6) * np.timedelta64(H * 1000, "ms"))
    oi = OpenInterestSeries("okx", "BTC", H, ts, np.arange(6.0), np.arange(6.0) * 100, SRC)
    h = oi_history(oi, as_of=T0 + timedelta(hours=4, minutes=30))
    # Known samples 00:00..04:00; buckets {0..3} → sample 3, {4} → sample 4.
    assert h.oi_base == [3.0, 4.0]
    assert h.oi_usd == [300.0, 400.0]


def test_demo_report_charts_are_complete_and_point_in_time(demo_report, demo_snapshot):
    c = demo_report.charts
    assert c.missing == {}
    bars = c.price.bars
    assert bars.interval_s == 4 * H
    assert bars.venue == "binance-usdm"
    assert bars.ts[-1] <= demo_snapshot.as_of
    assert bars.ts[0] >= demo_snapshot.as_of - timedelta(days=PRICE_WINDOW_DAYS)
    assert len(bars.ts) == len(bars.close_usd) == len(bars.volume_base)
    # Levels are report metrics, value for value.
    for lv in c.price.levels:
        assert demo_report.metric(lv.metric).value == lv.price_usd
    assert {"avwap", "volume_profile", "liquidation", "options", "plan"} <= {lv.group for lv in c.price.levels}
    assert {h.venue for h in c.open_interest} == {o.venue for o in demo_snapshot.asset("BTC").open_interest}
    assert {h.venue for h in c.funding} == {f.venue for f in demo_snapshot.asset("BTC").funding}
    assert c.gex.gamma_flip_usd == demo_report.metric("options.gamma_flip").value
    assert len(c.gex.strike_usd) == len(c.gex.net_gex_usd_per_1pct) > 0
    assert c.iv_smiles
    assert all(0 < v < 5 for s in c.iv_smiles for v in s.iv)
    assert c.iv_term.days_to_expiry == sorted(c.iv_term.days_to_expiry)
    assert c.volume_profile.poc_usd == demo_report.metric("structure.poc").value
    assert c.liquidation_map.label.lower().startswith("model")
    assert all(x >= 0 for x in c.liquidation_map.long_notional_usd + c.liquidation_map.short_notional_usd)
    # downsampled: the chart data stays small (compact JSON; the report's metrics grow with its phases, not here)
    assert len(c.model_dump_json()) < 150_000


def test_missing_options_become_a_reason_not_an_empty_chart(demo_snapshot):
    no_options = {k: replace(v, options=None) for k, v in demo_snapshot.assets.items()}
    snap = replace(demo_snapshot, assets=no_options)
    report = build_report(snap, analyze_snapshot(snap), generated_at=T0)
    assert report.charts.gex is None
    assert report.charts.iv_smiles == []
    assert report.charts.iv_term is None
    assert "no option chain" in report.charts.missing["options"]
    assert report.charts.price is not None  # the rest still draws


def test_hourly_funding_is_averaged_per_4h_bucket():
    ts = to_datetime64(T0) + np.arange(6) * np.timedelta64(H * 1000, "ms")
    rates = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) * 1e-5
    f = FundingSeries("hyperliquid", "BTC", ts, rates, np.ones(6), SRC)
    h = funding_history(f, as_of=T0 + timedelta(hours=5))
    # Buckets {00..03} → mean 2.5e-5 stamped 03:00; {04, 05} → mean 5.5e-5 stamped 05:00.
    assert h.rate_1h == [2.5e-05, 5.5e-05]
    assert h.ts == [T0 + timedelta(hours=3), T0 + timedelta(hours=5)]
    assert h.bucket_hours == 4.0
    assert h.interval_hours == 1.0


def test_pain_curve_is_the_headline_expiry_and_its_minimum_is_max_pain(demo_report):
    pc = demo_report.charts.pain_curve
    assert pc is not None
    assert pc.expiry == demo_report.metric("options.headline_expiry").value
    assert pc.max_pain_usd == demo_report.metric("options.max_pain").value
    lowest = min(range(len(pc.pain_usd)), key=lambda i: (pc.pain_usd[i], pc.strike_usd[i]))
    assert pc.strike_usd[lowest] == pc.max_pain_usd
