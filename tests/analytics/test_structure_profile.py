"""Volume profile: exact distribution, POC, CBOT value area, HVN/LVN; properties on random bars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.structure.volume_profile import (
    distribute_volume,
    point_of_control,
    value_area,
    volume_nodes,
    volume_profile,
)
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.core.timeutil import to_ms
from derivintel.domain.series import CandleSeries

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SRC = Source("test", "hand", T0, T0)


def candles(high, low, close, volume, *, start=T0, interval_s=3600) -> CandleSeries:
    high, low, close, volume = (np.asarray(x, dtype=float) for x in (high, low, close, volume))
    ts = np.datetime64(to_ms(start), "ms") + np.arange(len(high)) * np.timedelta64(interval_s * 1000, "ms")
    return CandleSeries("test", "BTC", "perp", interval_s, ts, close.copy(), high, low, close, volume, None, SRC)


def test_distribute_volume_by_overlap():
    edges = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    # [0, 4] V 8 → 2 per bin; [1, 2] V 3 → bin 1; flat bar at 3.5 V 1 → bin 3; [0.5, 1.5] V 2 → 1 in bins 0 and 1
    out = distribute_volume(np.array([0, 1, 3.5, 0.5]), np.array([4, 2, 3.5, 1.5]), np.array([8, 3, 1, 2]), edges)
    np.testing.assert_allclose(out, [3.0, 6.0, 2.0, 3.0], atol=1e-12)
    # a flat bar exactly on the top edge goes into the last bin
    top = distribute_volume(np.array([4.0]), np.array([4.0]), np.array([5.0]), edges)
    np.testing.assert_allclose(top, [0, 0, 0, 5.0])


def test_value_area_cbot_two_steps():
    # volumes [5, 1, 1, 10, 2, 2, 4, 0], total 25, target 0.7 × 25 = 17.5; POC = bin 3 (10)
    # step 1: above (2 + 2) = 4 > below (1 + 1) = 2 → add bins 4, 5: 14
    # step 2: above (4 + 0) = 4 > below (5 … only bins 1, 2 = 1 + 1) = 2 → add bins 6, 7: 18 ≥ 17.5 → stop
    # the value area is bins 3..7 (18/25 = 0.72): bin 0 (5) stays outside though it is the second-largest bin
    vol = np.array([5, 1, 1, 10, 2, 2, 4, 0], dtype=float)
    poc = point_of_control(vol)
    assert poc == 3
    assert value_area(vol, poc, 0.70) == (3, 7)


def test_value_area_tie_adds_both_sides():
    # [1, 2, 3, 10, 4, 1, 1]: above (4 + 1) = 5 = below (3 + 2) = 5 → both: bins 1..5, 20/22 ≥ 0.7
    assert value_area(np.array([1, 2, 3, 10, 4, 1, 1.0]), 3, 0.70) == (1, 5)


def test_poc_tie_goes_to_middle_then_lower():
    assert point_of_control(np.array([5, 1, 5, 1, 1, 5.0])) == 2  # middle = 2.5: bins 2 (dist .5) vs 0, 5
    assert point_of_control(np.array([5, 1, 1, 5.0])) == 0  # middle 1.5: bins 0 and 3 equally far → lower


def test_volume_nodes_without_smoothing():
    vol = np.array([0, 1, 5, 1, 0, 0, 1, 3, 1, 0], dtype=float)
    hvn, lvn = volume_nodes(vol, smoothing_bins=1)
    assert hvn.tolist() == [2, 7]  # strongest first
    assert lvn.tolist() == [4]  # plateau 4–5 counted once, at its first bin; the end bins are never nodes


def test_volume_nodes_smoothing_removes_a_one_bin_spike():
    vol = np.array([1, 1, 1, 1, 1.2, 1, 1, 1, 1, 1])
    assert volume_nodes(vol, smoothing_bins=1)[0].tolist() == [4]
    # a 5-bin moving average spreads the spike into a flat top: s[2..6] equal, s[2] > s[1] → one node at bin 2
    assert volume_nodes(vol, smoothing_bins=5)[0].tolist() == [2]


def test_volume_profile_on_candles():
    # window bars: [100, 104] V 8, [101, 102] V 3, flat 103.5 V 1 → 4 bins of 1 USD: [2, 5, 2, 3]
    # POC = bin 1, centre 101.5; target 0.7 × 12 = 8.4: 5, then above (2 + 3) = 5 > below 2 → bins 1..3 (10/12)
    c = candles([104, 102, 103.5], [100, 101, 103.5], [102, 101.5, 103.5], [8, 3, 1])
    r = volume_profile(c, as_of=T0 + timedelta(hours=3), window_days=1, n_bins=4, smoothing_bins=1)
    p = r.value
    assert r.status is Status.PARTIAL  # the candles start inside the 1-day window, said in the reasons
    assert "inside the 1-day window" in r.reasons[0]
    np.testing.assert_allclose(p.volume_base, [2, 5, 2, 3], atol=1e-12)
    np.testing.assert_allclose(p.bin_edges_usd, [100, 101, 102, 103, 104])
    assert p.poc_usd == pytest.approx(101.5)
    assert (p.val_usd, p.vah_usd) == (101.0, 104.0)
    assert p.value_area_share == pytest.approx(10 / 12)
    assert p.bars_used == 3
    assert p.total_volume_base == pytest.approx(12)


def test_volume_profile_point_in_time_and_missing():
    c = candles([104, 102, 300], [100, 101, 200], [102, 101.5, 250], [8, 3, 100])
    # as of 02:30 the third bar is open: the profile spans only 100..104
    p = volume_profile(c, as_of=T0 + timedelta(hours=2, minutes=30), window_days=1, n_bins=4).value
    assert p.bin_edges_usd[-1] == 104.0
    assert p.bars_used == 2
    assert volume_profile(c, as_of=T0 + timedelta(minutes=30), window_days=1).status is Status.INSUFFICIENT_DATA
    flat = candles([100, 100], [100, 100], [100, 100], [1, 1])
    assert volume_profile(flat, as_of=T0 + timedelta(hours=2), window_days=1).status is Status.INSUFFICIENT_DATA


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1e6), min_size=1, max_size=60), st.floats(0.05, 1.0))
def test_value_area_contains_poc_and_fraction(vol_list, fraction):
    vol = np.array(vol_list)
    vol[len(vol) // 2] += 1.0  # nonzero total
    poc = point_of_control(vol)
    assert vol[poc] == vol.max()
    lo, hi = value_area(vol, poc, fraction)
    assert lo <= poc <= hi
    assert vol[lo : hi + 1].sum() >= fraction * vol.sum() * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 50).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(100.0, 200.0), min_size=n, max_size=n),
            st.lists(st.floats(0.0, 30.0), min_size=n, max_size=n),
            st.lists(st.floats(0.0, 1e3), min_size=n, max_size=n),
        )
    ),
    st.integers(1, 80),
)
def test_profile_conserves_volume_and_value_area(bars, n_bins):
    low, rng, vol = (np.array(x) for x in bars)
    vol[0] += 1.0
    rng[0] += 0.5  # a price range exists
    c = candles(low + rng, low, low + rng / 2, vol)
    p = volume_profile(c, as_of=T0 + timedelta(hours=len(low)), window_days=10, n_bins=n_bins).value
    assert len(p.volume_base) == n_bins
    assert (p.volume_base >= 0).all()
    assert p.volume_base.sum() == pytest.approx(vol.sum(), rel=1e-9)
    assert p.val_usd <= p.poc_usd <= p.vah_usd
    assert p.value_area_share >= 0.70 - 1e-9
    assert all(p.bin_edges_usd[0] <= x <= p.bin_edges_usd[-1] for x in p.hvn_usd + p.lvn_usd)


def test_distribution_matches_per_bar_loop():
    """The prefix-sum distribution equals a plain per-bar, per-bin overlap loop."""
    rng = np.random.default_rng(7)
    low = rng.uniform(100, 200, 300)
    high = low + rng.uniform(0, 20, 300)
    high[::17] = low[::17]  # some flat bars
    vol = rng.uniform(0, 10, 300)
    edges = np.linspace(low.min(), high.max(), 41)
    expected = np.zeros(40)
    for lo_, hi_, v in zip(low, high, vol, strict=True):
        if hi_ == lo_:
            expected[min(int(np.searchsorted(edges, lo_, side="right")) - 1, 39)] += v
            continue
        for j in range(40):
            overlap = max(0.0, min(hi_, edges[j + 1]) - max(lo_, edges[j]))
            expected[j] += v * overlap / (hi_ - lo_)
    np.testing.assert_allclose(distribute_volume(low, high, vol, edges), expected, rtol=1e-9, atol=1e-9)
