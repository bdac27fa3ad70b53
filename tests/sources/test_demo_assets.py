"""The demo scenario's ten assets: each has every perp dataset on the four venues, options only where listed,
prices at its synthetic level, and a complete report (SOL end to end)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.app.pipeline import SnapshotRequest, build_report_for
from derivintel.assessment.analyze import AnalysisOptions
from derivintel.core.result import Status
from derivintel.sources.demo import DEMO_ASSETS, build_demo_snapshot
from derivintel.sources.demo.profiles import ASSETS, PERP_VENUES
from derivintel.sources.demo.scenario import DEMO_AS_OF

GENERATED = datetime(2026, 3, 14, 6, tzinfo=UTC)


def test_at_least_ten_demo_assets_options_only_for_btc_and_eth() -> None:
    assert len(DEMO_ASSETS) >= 10
    assert {a for a in DEMO_ASSETS if ASSETS[a].options is not None} == {"BTC", "ETH"}


@pytest.mark.parametrize("asset", [a for a in DEMO_ASSETS if a not in ("BTC", "ETH")])
def test_alt_snapshot_has_every_perp_dataset(asset: str) -> None:
    snap = build_demo_snapshot(asset, ("BTC",))
    data = snap.assets[asset]
    assert snap.synthetic
    assert {p.venue for p in data.perps} == set(PERP_VENUES)
    assert len(data.books) == len(PERP_VENUES)
    assert data.funding
    assert data.open_interest
    assert data.long_short
    assert data.liquidations
    assert data.options is None  # no listed options: none invented
    lo, hi = ASSETS[asset].end_price_range_usd
    closes = data.candles_for(market="spot", interval_s=3600).close
    assert lo * 0.97 <= float(closes[-1]) <= hi * 1.03
    for book in data.books:  # a coin at 0.15 USD gets a tick fine enough for a spread below 0.1 %
        assert float(book.asks[0, 0] - book.bids[0, 0]) / float(book.bids[0, 0]) < 1e-3
    sources = [p.source for p in data.perps] + [b.source for b in data.books] + [f.source for f in data.funding]
    assert all(s.synthetic and s.name == "demo" for s in sources)


def test_alt_paths_leave_btc_and_eth_unchanged() -> None:
    alone = build_demo_snapshot("BTC", ("ETH",))
    with_alt = build_demo_snapshot("BTC", ("ETH", "SOL"))
    for asset in ("BTC", "ETH"):
        a = alone.assets[asset].candles_for(market="spot", interval_s=3600)
        b = with_alt.assets[asset].candles_for(market="spot", interval_s=3600)
        np.testing.assert_array_equal(a.close, b.close)
    assert alone.macro.keys() == with_alt.macro.keys()


def test_alts_move_with_btc() -> None:
    snap = build_demo_snapshot("SOL", ("BTC",))
    r_sol = np.diff(np.log(snap.assets["SOL"].candles_for(market="spot", interval_s=3600).close))
    r_btc = np.diff(np.log(snap.assets["BTC"].candles_for(market="spot", interval_s=3600).close))
    assert 0.6 < float(np.corrcoef(r_sol, r_btc)[0, 1]) < 0.98


def test_sol_demo_report_is_complete() -> None:
    report = build_report_for(
        "sol", secondary=None, request=SnapshotRequest(demo=True), options=AnalysisOptions(), generated_at=GENERATED
    )
    assert report.symbol == "SOL"
    assert report.secondary == ["BTC"]  # the default secondary of an alt
    assert report.synthetic
    assert report.as_of == DEMO_AS_OF
    assert [p.number for p in report.phases] == list(range(1, 11))
    metrics = {m.key: m for p in report.phases for m in p.metrics}
    for key in ("price.last", "positioning.oi.total_usd", "positioning.funding.oi_weighted_1h", "structure.phase"):
        assert metrics[key].status == Status.OK.value, key
        assert metrics[key].value is not None, key
    options = next(p for p in report.phases if p.number == 5)
    assert options.summary.startswith("Options analytics unavailable: no listed options for SOL")
    assert "neutral" not in options.headline.lower()
    assert "Options: none read: no listed options for SOL" in report.tldr
    tactical = next(p for p in report.phases if p.number == 9)
    assert tactical.headline.startswith("BTC secondary:")
    assert "tactical.btc.price" in metrics


def test_phase_9_names_every_secondary() -> None:
    report = build_report_for(
        "SOL",
        secondary=("BTC", "ETH", "DOGE"),
        request=SnapshotRequest(demo=True),
        options=AnalysisOptions(),
        generated_at=GENERATED,
    )
    tactical = next(p for p in report.phases if p.number == 9)
    for asset in ("BTC", "ETH", "DOGE"):
        assert asset in tactical.headline
        assert f"{asset}: price" in tactical.summary
