"""Stop clusters at structure levels: sides, ordering, and sizes only from a map (never invented)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.analytics.liquidity.liquidation_map import LiquidationMap
from derivintel.analytics.liquidity.stop_clusters import ReferenceKind, ReferenceLevel, stop_clusters
from derivintel.core.result import Status

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _map() -> LiquidationMap:
    # 1-USD bins centred on integers 40..160; longs 70 @ 95, 30 @ 90; shorts 40 @ 105, 25 @ 106, 10 @ 120.
    centers = np.arange(40.0, 161.0)
    edges = np.concatenate((centers - 0.5, [160.5]))
    lo = np.zeros_like(centers)
    sh = np.zeros_like(centers)
    lo[centers == 95] = 70.0
    lo[centers == 90] = 30.0
    sh[centers == 105] = 40.0
    sh[centers == 106] = 25.0
    sh[centers == 120] = 10.0
    return LiquidationMap("BTC", T0, 100.0, 1.0, edges, centers, lo, sh, 0.0, 0.0, {}, {}, (), (), (), 175.0, 0.0, 0.0)


LEVELS = [
    ReferenceLevel(105.2, ReferenceKind.EQUAL_HIGHS),
    ReferenceLevel(120.0, ReferenceKind.RANGE_HIGH),
    ReferenceLevel(95.0, ReferenceKind.SWING_LOW),
    ReferenceLevel(80.0, ReferenceKind.RANGE_LOW),
]


def test_sizes_from_map() -> None:
    res = stop_clusters(LEVELS, price_usd=100.0, liq_map=_map(), window_fraction=0.01)
    assert res.status is Status.OK
    v = res.value
    assert v is not None
    # above: 105.2 (window 104.148..106.252 → shorts at 105 + 106 = 65), then 120 (118.8..121.2 → 10)
    assert [s.price_usd for s in v.above] == [105.2, 120.0]
    assert v.above[0].stop_side == "buy_stops"
    assert v.above[0].liquidation_side == "short"
    assert v.above[0].modelled_liquidation_usd == pytest.approx(65.0)
    assert v.above[1].modelled_liquidation_usd == pytest.approx(10.0)
    assert v.above[0].distance_fraction == pytest.approx(0.052)
    # below, nearest first: 95 (94.05..95.95 → longs at 95 = 70), 80 (79.2..80.8 → 0: nothing modelled there)
    assert [s.price_usd for s in v.below] == [95.0, 80.0]
    assert v.below[0].stop_side == "sell_stops"
    assert v.below[0].liquidation_side == "long"
    assert v.below[0].modelled_liquidation_usd == pytest.approx(70.0)
    assert v.below[1].modelled_liquidation_usd == 0.0


def test_without_map_sizes_are_none() -> None:
    res = stop_clusters(LEVELS, price_usd=100.0, liq_map=None)
    assert res.status is Status.PARTIAL
    assert res.value is not None
    assert all(s.modelled_liquidation_usd is None for s in res.value.above + res.value.below)


def test_missing_levels() -> None:
    assert stop_clusters([], price_usd=100.0, liq_map=None).status is Status.INSUFFICIENT_DATA
