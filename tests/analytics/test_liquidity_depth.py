"""Book depth map: hand case for bands, walls, thin zones, imbalance and the cumulative curve."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.liquidity.book_depth import book_depth
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.orderbook import OrderBook

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _book(venue: str, bids: list[tuple[float, float]], asks: list[tuple[float, float]]) -> OrderBook:
    return OrderBook(
        venue,
        "BTC",
        np.array(bids, dtype=float).reshape(-1, 2),
        np.array(asks, dtype=float).reshape(-1, 2),
        Source(venue, "depth", T0, T0),
    )


# Mid 100, grid 1 % (cells of 1 USD), bands 2 % and 5 %.
# A: bids 99.5×2, 97.5×20, 95.5×2 ; asks 100.5×2, 101.5×2, 102.5×2, 103.5×2, 104.5×1
# B: bids 98.5×2, 94.5×2 ; asks 104.5×1
# Bid cells (distance [i, i+1) %): 0: 2, 1: 2, 2: 20, 3: 0, 4: 2 (A reaches 4.5 % → 5 cells, B 5.5 % → 5 cells)
# Ask cells: 2, 2, 2, 2, 2 (104.5: 1 + 1). Median of the 10 cells = 2.
# Wall ≥ 5 × 2 = 10: bid cell 2 = [97, 98), 20 coins. Thin < 0.2 × 2 = 0.4: bid cell 3 = [96, 97).
# Band 2 %: bids ≥ 98: 99.5×2 + 98.5×2 = 4 coins, 199 + 197 = 396 USD; asks ≤ 102: 4 coins, 201 + 203 = 404 USD.
#   imbalance = (396 − 404) / 800 = −0.01.
# Band 5 %: bids ≥ 95: 26 coins, 199 + 197 + 1950 + 191 = 2537 USD; asks ≤ 105: 9 coins + 1 = 10 coins,
#   2 × (100.5 + 101.5 + 102.5 + 103.5) + 104.5 × 2 = 816 + 209 = 1025 USD.  A's bids stop at 4.5 % < 5 %.
def _hand():
    a = _book("A", [(99.5, 2), (97.5, 20), (95.5, 2)], [(100.5, 2), (101.5, 2), (102.5, 2), (103.5, 2), (104.5, 1)])
    b = _book("B", [(98.5, 2), (94.5, 2)], [(104.5, 1)])
    return book_depth([a, b], mid_usd=100.0, bands=(0.02, 0.05), grid_fraction=0.01)


def test_hand_bands() -> None:
    res = _hand()
    m = res.value
    assert m is not None
    b2, b5 = m.bands
    assert (b2.bid_base, b2.ask_base) == (pytest.approx(4.0), pytest.approx(4.0))
    assert (b2.bid_usd, b2.ask_usd) == (pytest.approx(396.0), pytest.approx(404.0))
    assert b2.imbalance == pytest.approx(-0.01)
    assert b2.covered
    assert (b5.bid_base, b5.ask_base) == (pytest.approx(26.0), pytest.approx(10.0))
    assert (b5.bid_usd, b5.ask_usd) == (pytest.approx(2537.0), pytest.approx(1025.0))
    assert b5.imbalance == pytest.approx((2537 - 1025) / (2537 + 1025))
    assert not b5.covered  # venue A's bids stop at 4.5 %
    assert res.status is Status.PARTIAL
    assert any(r.startswith("A:") for r in res.reasons)
    va, vb = m.venues
    assert va.bid_reach_fraction == pytest.approx(0.045)
    assert vb.bands[0].bid_base == pytest.approx(2.0)


def test_hand_walls_and_gaps() -> None:
    m = _hand().value
    assert m is not None
    np.testing.assert_allclose(m.bid_cells_base, [2, 2, 20, 0, 2])
    np.testing.assert_allclose(m.ask_cells_base, [2, 2, 2, 2, 2])
    assert m.median_cell_base == pytest.approx(2.0)
    (wall,) = m.walls
    assert wall.side == "bid"
    assert (wall.price_low_usd, wall.price_high_usd) == (pytest.approx(97.0), pytest.approx(98.0))
    assert wall.size_base == pytest.approx(20.0)
    assert wall.multiple_of_median == pytest.approx(10.0)
    (gap,) = m.thin_zones
    assert gap.side == "bid"
    assert (gap.price_low_usd, gap.price_high_usd, gap.n_cells) == (pytest.approx(96.0), pytest.approx(97.0), 1)


def test_curve_is_cumulative_usd() -> None:
    m = _hand().value
    assert m is not None
    # bid curve clipped to the shallower venue's reach (A: 4.5 %): 99.5×2, 98.5×2, 97.5×20, 95.5×2 = 2537 USD.
    assert m.bid_curve.total_usd == pytest.approx(2537.0)
    assert m.bid_curve.reach_fraction == pytest.approx(0.045)
    np.testing.assert_allclose(m.bid_curve.distance_fraction, [0, 0.005, 0.015, 0.025, 0.045])
    assert m.ask_curve.reach_fraction == pytest.approx(0.045)  # B's only ask


def test_missing_inputs() -> None:
    assert book_depth([], mid_usd=100.0).status is Status.INSUFFICIENT_DATA
    empty = _book("A", [], [])
    assert book_depth([empty], mid_usd=100.0).status is Status.INSUFFICIENT_DATA
    one = _book("A", [(99.0, 1.0)], [])
    res = book_depth([one], mid_usd=100.0)
    assert res.status is Status.PARTIAL
    assert any("one-sided" in r for r in res.reasons)


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.floats(0.001, 50.0), min_size=4, max_size=60),
    seed=st.integers(0, 1000),
)
def test_band_depth_monotone_and_imbalance_bounded(sizes: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = len(sizes) // 2
    bid_px = np.sort(100 - rng.uniform(0.01, 3.0, n))[::-1]
    ask_px = np.sort(100 + rng.uniform(0.01, 3.0, len(sizes) - n))
    bids = np.unique(np.round(bid_px, 4))[::-1]
    asks = np.unique(np.round(ask_px, 4))
    book = _book(
        "X", list(zip(bids, sizes[: len(bids)], strict=False)), list(zip(asks, sizes[n : n + len(asks)], strict=False))
    )
    m = book_depth([book], mid_usd=100.0, bands=(0.005, 0.01, 0.02)).value
    assert m is not None
    usd = [b.bid_usd + b.ask_usd for b in m.bands]
    assert usd == sorted(usd)
    for b in m.bands:
        assert b.imbalance is None or -1.0 <= b.imbalance <= 1.0
    assert np.all(np.diff(m.bid_curve.cumulative_usd) >= 0)
