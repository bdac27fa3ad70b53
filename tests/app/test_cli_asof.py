"""`report --asof --store`: a point-in-time report from the history store, through the CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np

from derivintel.app.cli import main
from derivintel.core.timeutil import to_datetime64
from derivintel.sources.demo import DEMO_AS_OF, build_demo_snapshot
from derivintel.store import HistoryStore


def test_asof_report_uses_only_closed_bars(tmp_path, capsys):
    snap = build_demo_snapshot("BTC", (), seed=7)
    db = tmp_path / "history.duckdb"
    with HistoryStore(db) as store:
        store.write_snapshot(snap)
    as_of = DEMO_AS_OF - timedelta(hours=10, minutes=30)  # mid-bar: the bar opened at 18:00 has not closed
    out = tmp_path / "r.json"
    argv = ["report", "BTC", "--secondary", "ETH", "--asof", as_of.strftime("%Y-%m-%dT%H:%MZ"), "--store", str(db)]
    assert main([*argv, "-q", "--format", "json", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["as_of"] == as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
    candles = snap.asset("BTC").candles_for(market="perp", interval_s=3600)
    closed = candles.ts.astype(np.int64) + 3_600_000 <= to_datetime64(as_of).astype(np.int64)
    price = next(m for p in data["phases"] for m in p["metrics"] if m["key"] == "price.last")
    # No perp snapshot is within 15 min of as_of, so the price is the last closed bar's close (no look-ahead).
    assert price["value"] == candles.close[closed][-1]
    assert price["value"] != candles.close[np.argmax(~closed)]


def test_asof_without_a_store_is_exit_2(tmp_path, capsys):
    assert main(["report", "BTC", "--asof", "2024-01-01T12:00Z", "--store", str(tmp_path / "none.duckdb"), "-q"]) == 2
    assert "no history store" in capsys.readouterr().err


def test_asof_and_demo_are_exclusive(capsys):
    assert main(["report", "BTC", "--demo", "--asof", "2024-01-01", "-q"]) == 2
    assert "exclusive" in capsys.readouterr().err


def test_bad_asof_date_is_exit_2(capsys):
    assert main(["report", "BTC", "--asof", "yesterday", "-q"]) == 2
    assert "not a timestamp" in capsys.readouterr().err


def test_asof_on_imported_binance_dumps_uses_stored_oi_and_settled_funding(tmp_path):
    """Real Binance dumps of 2024-01-01 (5-min metrics, 8 h funding, 4 h klines), no perp snapshot: phase 3 shows
    the OI of the 20:00 sample and the 16:00 settlement per hour; the price is the last closed 4 h bar's close."""
    from tests.realdata import real_path

    files = [
        real_path("perp_history", "binance_btcusdt_um", name)
        for name in ("BTCUSDT-4h-2024-01.csv", "BTCUSDT-fundingRate-2024-01.csv", "BTCUSDT-metrics-2024-01-01.csv")
    ]
    db = tmp_path / "history.duckdb"
    assert main(["import", "binance-vision", *map(str, files), "--store", str(db)]) == 0
    out = tmp_path / "r.json"
    argv = ["report", "BTC", "--asof", "2024-01-01T20:00Z", "--store", str(db), "-q", "--format", "json"]
    assert main([*argv, "--out", str(out)]) == 0
    metrics = {m["key"]: m for p in json.loads(out.read_text())["phases"] for m in p["metrics"]}
    assert metrics["positioning.oi.total_base"]["value"] == 75858.813  # sum_open_interest at 20:00
    assert metrics["positioning.oi.total_usd"]["value"] == 3304121630.7906
    assert metrics["positioning.funding.oi_weighted_1h"]["value"] == 0.00033601 / 8  # settled at 16:00, 8 h
    assert metrics["positioning.oi.total_base"]["status"] == "partial"
    assert "no perp snapshot" in metrics["positioning.oi.total_base"]["note"]
    price = metrics["price.last"]
    assert price["value"] == 43556.20  # the 16:00 bar, closed at 20:00
    assert "last closed candle" in price["note"]
