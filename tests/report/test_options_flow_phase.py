"""Phase 5 flow and inventory metrics end to end (snapshot → analyses → report) against hand-computed trades, and
the history readings (30d RR25 against a week ago, VRP percentile) from a given stored history."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from derivintel.analytics.options.surface_history import PointHistory, SurfaceHistory
from derivintel.assessment.analyze import UNCALIBRATED, AnalysisOptions, analyze_snapshot
from derivintel.core.provenance import Source
from derivintel.domain.option_trades import OptionTrades
from derivintel.report.builder import build_report
from tests.report.conftest import GENERATED_AT


def _hand_trades(snapshot) -> tuple[OptionTrades, float]:
    """Three trades on one demo option in the last 24 h: taker buys 2, sells 1 (a block), buys 4 of a put without
    an IV. Returns them and the expected net delta (coins) computed by hand."""
    chain = snapshot.assets["BTC"].options
    as_of = snapshot.as_of
    end = np.datetime64(as_of.replace(tzinfo=None), "ms")
    i = int(np.argmax(chain.oi_base))
    k, exp, call = float(chain.strike[i]), chain.expiry[i], bool(chain.is_call[i])
    ts = np.array([end - np.timedelta64(h, "h") for h in (3, 2, 1)], dtype="datetime64[ms]")
    index = 70_000.0
    trades = OptionTrades(
        "BTC", ("a", "b", "c"), (chain.instrument[i],) * 3, ts, np.full(3, exp), np.full(3, k),
        np.array([call, call, not call]), np.array([2.0, 1.0, 4.0]), np.array([0.02, 0.02, 0.01]),
        np.array([1, -1, 1], dtype=np.int8), np.array([0.6, 0.6, np.nan]), np.full(3, index),
        np.array([False, True, False]), np.zeros(3, dtype=bool), Source("deribit", "option_trades", as_of, as_of),
        covered_from=as_of - timedelta(hours=24),
    )  # fmt: skip
    expected = 0.0
    for j, sign, amount in ((0, 1, 2.0), (1, -1, 1.0)):
        t = (exp - ts[j]).astype(np.int64) / (365 * 86_400_000)
        d1 = (math.log(index / k) + 0.5 * 0.36 * t) / (0.6 * math.sqrt(t))
        nd1 = 0.5 * (1 + math.erf(d1 / math.sqrt(2)))
        expected += sign * amount * (nd1 if call else nd1 - 1)
    return trades, expected


def _metrics(report) -> dict:
    return {m.key: m for m in report.all_metrics()}


def test_flow_metrics_match_hand_computed_trades(demo_snapshot) -> None:
    trades, net_delta = _hand_trades(demo_snapshot)
    btc = replace(demo_snapshot.assets["BTC"], option_trades=trades)
    snap = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": btc})
    m = _metrics(build_report(snap, analyze_snapshot(snap, AnalysisOptions()), generated_at=GENERATED_AT))
    assert m["options.flow.net_delta_24h"].value == pytest.approx(net_delta, rel=1e-9)
    assert m["options.flow.net_delta_24h"].unit == "base"
    assert m["options.flow.net_delta_24h"].status == "partial"  # the put without an IV is left out of the greeks
    assert m["options.flow.block_share_24h"].value == pytest.approx(1 / 7)
    assert m["options.flow.premium_24h_usd"].value == pytest.approx((2 * 0.02 + 1 * 0.02 + 4 * 0.01) * 70_000)
    assert m["options.flow.notional_24h_usd"].value == pytest.approx(7 * 70_000)
    # one day of flow: the inventory is shown, its GEX withheld with the rule, the regime call on the scenario
    gex = m["options.gex_flow_usd_per_1pct"]
    assert gex.value is None
    assert "1.0 d < 7 d" in (gex.note or "")
    assert "withheld unless" in (gex.note or "")
    assert m["options.flow.inventory_days"].value == pytest.approx(1.0)
    assert m["options.regime_gex_driver"].value == "fixed scenario"
    assert "deribit/option_trades" in m["options.flow.net_delta_24h"].source


def test_no_trades_is_missing_never_zero(demo_snapshot) -> None:
    btc = replace(demo_snapshot.assets["BTC"], option_trades=None)
    snap = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": btc})
    m = _metrics(build_report(snap, analyze_snapshot(snap, AnalysisOptions()), generated_at=GENERATED_AT))
    for key in ("options.flow.net_delta_24h", "options.flow.block_share_24h", "options.gex_flow_usd_per_1pct"):
        assert m[key].value is None
        assert m[key].status == "insufficient_data"


def test_history_readings_from_a_given_stored_history(demo_snapshot, demo_report) -> None:
    as_of = demo_snapshot.as_of
    now_rr = _metrics(demo_report)["options.surface.rr25_30d"].value
    now_vrp = _metrics(demo_report)["options.vrp_30d"].value
    end = np.datetime64(as_of.replace(tzinfo=None), "ms")
    hours = np.arange(30 * 24, 0, -6)  # every 6 h over 30 days, strictly before as_of
    ts = (end - hours.astype("timedelta64[h]")).astype("datetime64[ms]")
    rr = np.full(len(ts), -0.02)
    vrp = np.linspace(-0.2, 0.2, len(ts))
    history = SurfaceHistory(
        {"rr25_30d": PointHistory("rr25_30d", ts, rr), "vrp_30d": PointHistory("vrp_30d", ts, vrp)},
        Source("store", "option_surface_points", as_of, as_of),
    )
    calibration = replace(UNCALIBRATED, surface_history=history)
    report = build_report(
        demo_snapshot, analyze_snapshot(demo_snapshot, AnalysisOptions(), calibration), generated_at=GENERATED_AT
    )
    m = _metrics(report)
    assert m["options.surface.rr25_30d_1w_ago"].value == pytest.approx(-0.02)
    assert m["options.surface.rr25_30d_change_1w"].value == pytest.approx(now_rr + 0.02)
    assert m["options.vrp_30d_percentile"].value == pytest.approx(float((vrp <= now_vrp).mean()))
    assert f"{len(ts)} stored values" in m["options.vrp_30d_percentile"].note


def test_an_inventory_that_passes_its_rule_drives_the_regime_call(demo_snapshot) -> None:
    """Eight days of flow in which takers bought half the open interest of every live option: dealers are short
    gamma everywhere, the flow-based GEX is given (8 d ≥ 7 d, 50 % ≥ 25 % of OI) and the regime call follows it."""
    chain = demo_snapshot.assets["BTC"].options
    as_of = demo_snapshot.as_of
    live = np.flatnonzero((chain.expiry > np.datetime64(as_of.replace(tzinfo=None), "ms")) & (chain.oi_base > 0))
    n = len(live)
    end = np.datetime64(as_of.replace(tzinfo=None), "ms")
    trades = OptionTrades(
        "BTC", tuple(f"t{i}" for i in range(n)), tuple(chain.instrument[i] for i in live),
        np.full(n, end - np.timedelta64(2, "h")), chain.expiry[live], chain.strike[live], chain.is_call[live],
        0.5 * chain.oi_base[live], chain.mark_price_coin[live], np.ones(n, dtype=np.int8), chain.mark_iv[live],
        np.full(n, chain.index_price_usd), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool),
        Source("deribit", "option_trades", as_of, as_of), covered_from=as_of - timedelta(days=8),
    )  # fmt: skip
    btc = replace(demo_snapshot.assets["BTC"], option_trades=trades)
    snap = replace(demo_snapshot, assets={**demo_snapshot.assets, "BTC": btc})
    m = _metrics(build_report(snap, analyze_snapshot(snap, AnalysisOptions()), generated_at=GENERATED_AT))
    gex = m["options.gex_flow_usd_per_1pct"].value
    assert gex is not None
    assert gex < 0
    assert m["options.flow.inventory_coverage"].value == pytest.approx(0.5)
    assert m["options.regime_gex_driver"].value == "flow inventory"
    assert m["mm.regime"].value == "amplifying"  # dealers short gamma, whatever the scenario assumed
