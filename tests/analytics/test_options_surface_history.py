"""Surface key points and their readings against stored history: one week ago within the tolerance, the VRP
percentile only with enough stored values, and the key points the store keeps per chain (written by
``write_snapshot``, read back unchanged)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.options.surface_history import (
    MIN_PERCENTILE_POINTS,
    PointHistory,
    asset_key_points,
    percentile,
    week_ago,
)
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.sources.demo import build_demo_snapshot
from derivintel.store import HistoryStore

AS_OF = datetime(2026, 5, 20, 12, tzinfo=UTC)


def _history(hours_before: list[float], values: list[float]) -> PointHistory:
    end = np.datetime64(AS_OF.replace(tzinfo=None), "ms")
    ts = np.array([end - np.timedelta64(int(h * 3600_000), "ms") for h in hours_before], dtype="datetime64[ms]")
    return PointHistory("rr25_30d", ts, np.array(values, dtype=float))


def test_week_ago_takes_the_nearest_point_within_the_tolerance() -> None:
    h = _history([175, 165, 24], [-0.03, -0.01, 0.0])
    r = week_ago(h, 0.01, as_of=AS_OF).value
    assert r is not None
    assert r.then == -0.01
    assert r.change == pytest.approx(0.02)
    assert r.then_at == AS_OF - timedelta(hours=165)
    far = week_ago(_history([140, 24], [-0.03, 0.0]), 0.01, as_of=AS_OF)
    assert far.value is None
    assert "within 12 h" in far.reasons[0]
    assert week_ago(h, None, as_of=AS_OF).value is None


def test_percentile_needs_enough_history_and_excludes_now() -> None:
    n = MIN_PERCENTILE_POINTS
    hours = list(np.linspace(24 * 20, 1, n))
    values = list(np.arange(n) / n)
    p = percentile(_history(hours, values), 0.5, as_of=AS_OF).value
    assert p is not None
    assert p.n == n
    assert p.rank == pytest.approx(np.mean(np.array(values) <= 0.5))
    short = percentile(_history(hours[: n - 1], values[: n - 1]), 0.5, as_of=AS_OF)
    assert short.value is None
    assert f"needs at least {n}" in short.reasons[0]
    later = percentile(_history([*hours, -5.0], [*values, 9.0]), 0.5, as_of=AS_OF).value  # after as_of: unseen
    assert later is not None
    assert later.n == n


def test_write_snapshot_keeps_the_key_points_of_each_chain(tmp_path) -> None:
    demo = build_demo_snapshot("BTC", (), seed=7)
    btc = demo.assets["BTC"]
    data = AssetData(asset="BTC", candles=btc.candles, options=btc.options)
    points = asset_key_points(data)
    assert set(points) >= {"rr25_30d", "bf25_30d", "atm_iv_30d", "atm_iv_180d", "vrp_30d"}
    assert points["rr25_30d"] is not None
    assert points["rr25_30d"] < 0
    snap = MarketSnapshot(as_of=demo.as_of, primary="BTC", assets={"BTC": data}, synthetic=True)
    with HistoryStore(tmp_path / "demo.duckdb") as store:
        store.write_snapshot(snap)
        store.write_snapshot(snap)  # idempotent
        ts, values = store.surface_point_history("BTC", "rr25_30d", until=demo.as_of)
        n = store.row_counts()["option_surface_points"]
    assert list(values) == [pytest.approx(points["rr25_30d"])]
    assert ts[0] == np.datetime64(btc.options.source.as_of.replace(tzinfo=None), "ms")
    assert n == sum(v is not None for v in points.values())


@pytest.mark.real_data
def test_real_weekly_chains_stored_then_read_as_now_vs_a_week_ago(tmp_path) -> None:
    """The 38 real Deribit chains (mostly weekly, Dec 2025–Aug 2026) stored through ``write_snapshot``; at each
    chain's time the stored 30d RR25 of about one week before is found when a chain lies within ±12 h of it, and it
    is exactly what the store kept for that chain."""
    from derivintel.analytics.options.surface_history import PointHistory
    from derivintel.core.timeutil import to_ms
    from derivintel.sources.deribit.chain_file import read_chain_file
    from tests.realdata import real_path

    folder = real_path("deribit_options", "svcj_snapshots")
    chains = [read_chain_file(f) for f in sorted(folder.glob("*.csv"))]
    stored: dict[int, float] = {}  # chain time in ms (the store keeps ms) → its 30d RR25
    with HistoryStore(tmp_path / "real.duckdb") as store:
        for c in chains:
            data = AssetData(asset=c.currency, options=c)
            store.write_snapshot(MarketSnapshot(as_of=c.source.as_of, primary=c.currency, assets={c.currency: data}))
            stored[to_ms(c.source.as_of)] = asset_key_points(data)["rr25_30d"]
        found = 0
        for c in chains[1:]:
            ts, values = store.surface_point_history("BTC", "rr25_30d", until=c.source.as_of)
            r = week_ago(PointHistory("rr25_30d", ts, values), stored[to_ms(c.source.as_of)], as_of=c.source.as_of)
            if r.value is not None:
                found += 1
                assert r.value.then == pytest.approx(stored[to_ms(r.value.then_at)])
                assert abs((c.source.as_of - r.value.then_at) - timedelta(days=7)) <= timedelta(hours=12)
    assert len(chains) == 38
    print(f"week-ago 30d RR25 found for {found} of {len(chains) - 1} real chains")
    assert found >= 30  # measured 33 of 37 (snapshots off the weekly grid have none)
