"""Top-decile share of realised liquidations in the map's bins, against the random-bin baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.liquidity.liquidation_map import LiquidationMapParams
from derivintel.analytics.liquidity.map_accuracy import current_map_accuracy, top_decile_share
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.series import CandleSeries, OpenInterestSeries
from derivintel.sources.margins import VENUE_MARGINS

PARAMS = LiquidationMapParams(margins=VENUE_MARGINS)  # the venues' declared maintenance margins

EDGES = np.arange(0.0, 21.0)  # 20 bins of width 1: [0,1), [1,2), …


def test_hand_case() -> None:
    # Modelled notional peaks in bins 5 and 12 (top 10 % of 20 bins = 2 bins). Realised: 30 @ 5.5, 10 @ 12.2,
    # 60 @ 17.0, 25 outside the map (25.0): share = 40 / 125 = 0.32; random mean = 2/20 × 100/125 = 0.08.
    model = np.zeros(20)
    model[5], model[12], model[3] = 10.0, 8.0, 1.0
    res = top_decile_share(EDGES, model, np.array([5.5, 12.2, 17.0, 25.0]), np.array([30.0, 10.0, 60.0, 25.0]))
    s = res.value
    assert s is not None
    assert s.n_top == 2
    assert s.top_share == pytest.approx(0.32)
    assert s.baseline_mean == pytest.approx(0.08)
    assert s.outside_range_usd == pytest.approx(25.0)
    assert s.n_events == 4
    # random pairs of bins hold 0, 10, 30, 60, 40, 70 or 90 of 125: the 90 % interval lies within [0, 0.72]
    assert 0.0 <= s.baseline_low <= s.baseline_mean <= s.baseline_high <= 0.72
    assert res.status is Status.OK


def test_baseline_matches_the_exact_distribution() -> None:
    # One realised event of 1 USD in bin 0; k = 2 of n = 20 bins: P(bin 0 drawn) = 2/20 = 0.1, so the share is 1 with
    # probability 0.1 and 0 otherwise. The 2000 fixed-seed draws' mean is within 4 binomial σ of 0.1 (σ ≈ 0.0067);
    # the 90 % interval is [0, 1] (the 95th percentile of a 0/1 variable with p = 0.1 is 1).
    model = np.arange(20.0)
    res = top_decile_share(EDGES, model, np.array([0.5]), np.array([1.0]))
    s = res.value
    assert s is not None
    assert s.top_share == 0.0  # bin 0 holds the least modelled notional
    assert s.baseline_mean == pytest.approx(0.1)
    assert (s.baseline_low, s.baseline_high) == (0.0, 1.0)


def test_perfect_map_and_gaps() -> None:
    model = np.zeros(20)
    model[7], model[8] = 5.0, 5.0
    s = top_decile_share(EDGES, model, np.array([7.1, 8.9]), np.array([3.0, 4.0])).value
    assert s is not None
    assert s.top_share == pytest.approx(1.0)
    # random pairs: neither bin (p = 153/190), bin 7 only (3/7 of the notional), bin 8 only (4/7, p = 18/190), both
    # (1, p = 1/190): P(share ≥ 4/7) = 0.1 ≫ 0.05 and P(share = 1) ≈ 0.005 < 0.05, so the 95th percentile is 4/7.
    assert s.baseline_high == pytest.approx(4 / 7)
    assert s.beats_baseline
    assert top_decile_share(EDGES, model, np.array([]), np.array([])).status is Status.INSUFFICIENT_DATA
    assert top_decile_share(EDGES, np.zeros(20), np.array([1.0]), np.array([1.0])).status is Status.INSUFFICIENT_DATA
    one = np.zeros(20)
    one[3] = 1.0
    partial = top_decile_share(EDGES, one, np.array([3.5]), np.array([1.0]))
    assert partial.status is Status.PARTIAL  # only one bin holds modelled notional
    assert partial.value is not None
    assert partial.value.n_top == 1
    with pytest.raises(ValueError, match="bin_edges"):
        top_decile_share(EDGES[:-1], model, np.array([1.0]), np.array([1.0]))


T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _inputs(n_hours: int = 24 * 12):
    ts = (np.datetime64("2024-01-01T00:00", "ms") + np.arange(n_hours) * np.timedelta64(3_600_000, "ms")).astype(
        "datetime64[ms]"
    )
    rng = np.random.default_rng(3)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.002, n_hours)))
    src = Source("binance-usdm", "test", T0, T0)
    candles = CandleSeries(
        "binance-usdm", "BTC", "perp", 3600, ts, close, close * 1.001, close * 0.999, close, np.ones(n_hours), None, src
    )
    oi = 1000.0 + np.cumsum(rng.uniform(0, 5, n_hours))
    return OpenInterestSeries("binance-usdm", "BTC", 3600, ts, oi, oi * close, src), candles


def _event(t: datetime, price: float, venue: str = "okx") -> LiquidationEvent:
    return LiquidationEvent(venue, "BTC", LiquidatedSide.LONG, price, 1.0, Source(venue, "liq", t, t))


def test_current_accuracy_windows() -> None:
    oi, candles = _inputs()
    as_of = T0 + timedelta(days=12)
    assert (
        current_map_accuracy([oi], {"binance-usdm": candles}, [], as_of=as_of, params=PARAMS).status
        is Status.INSUFFICIENT_DATA
    )
    late = [_event(as_of - timedelta(hours=2), 90.0)]
    short = current_map_accuracy([oi], {"binance-usdm": candles}, late, as_of=as_of, params=PARAMS)
    assert short.status is Status.INSUFFICIENT_DATA  # 2 h of realised history
    events = [_event(as_of - timedelta(days=d), 95.0 + d, v) for d in (1, 2, 3) for v in ("okx", "bybit")]
    res = current_map_accuracy([oi], {"binance-usdm": candles}, events, as_of=as_of, params=PARAMS)
    acc = res.value
    assert acc is not None
    assert acc.evaluated_at == as_of - timedelta(days=3) - timedelta(milliseconds=1)
    assert acc.window_days == pytest.approx(3.0, abs=1e-6)
    assert acc.pooled.n_events == 6
    assert [v.label for v in acc.venues] == ["bybit", "okx"]
    assert res.status is Status.PARTIAL
    assert any("3.0 of 7 days" in r for r in res.reasons)


def test_walk_forward_history_windows() -> None:
    from derivintel.analytics.liquidity.map_accuracy import score_map_history

    oi, candles = _inputs(24 * 40)
    start = T0 + timedelta(days=7)
    events = [_event(start + timedelta(days=d, hours=5), 99.0, v) for d in range(0, 33) for v in ("okx", "bybit")]
    res = score_map_history(
        [oi], {"binance-usdm": candles}, events, start=start, end=T0 + timedelta(days=40), params=PARAMS
    )
    rows = res.value
    assert rows is not None
    times = sorted({r.evaluated_at for r in rows})
    assert times == [start + timedelta(days=7 * i) for i in range(4)]  # 7 + 28 ≤ 40 < 7 + 35
    assert {r.window for r in rows if r.evaluated_at in times[:2]} == {"train"}
    assert {r.window for r in rows if r.evaluated_at in times[2:]} == {"held_out"}
    pooled = [r for r in rows if r.score.label == "all venues"]
    assert [r.score.n_events for r in pooled] == [14, 14, 14, 14]  # 7 days × 2 venues each, windows disjoint
    assert len(rows) == 4 * 3
    short = score_map_history(
        [oi], {"binance-usdm": candles}, events, start=start, end=start + timedelta(days=3), params=PARAMS
    )
    assert short.status is Status.INSUFFICIENT_DATA
