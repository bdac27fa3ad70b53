"""``scripts/liquidity_real_figures.py --store``: the walk-forward ledger over a history store (temporary store)."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from derivintel.core.provenance import Source
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.series import CandleSeries, OpenInterestSeries
from derivintel.store import HistoryStore

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "liquidity_real_figures.py"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _script():
    spec = importlib.util.spec_from_file_location("liquidity_real_figures_store", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fill(path: Path) -> None:
    n = 24 * 30
    ts = (np.datetime64("2024-01-01T00:00", "ms") + np.arange(n) * np.timedelta64(3_600_000, "ms")).astype(
        "datetime64[ms]"
    )
    rng = np.random.default_rng(5)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    src = Source("binance-usdm", "test", T0, T0)
    candles = CandleSeries(
        "binance-usdm", "BTC", "perp", 3600, ts, close, close * 1.001, close * 0.999, close, np.ones(n), None, src
    )
    oi_base = 1000.0 + np.cumsum(rng.uniform(0, 5, n))
    oi = OpenInterestSeries("binance-usdm", "BTC", 3600, ts, oi_base, oi_base * close, src)
    events = [
        LiquidationEvent(
            "okx",
            "BTC",
            LiquidatedSide.LONG,
            float(close[24 * d]) * 0.99,
            1.0,
            Source("okx", "liquidation-orders", T0 + timedelta(days=d, minutes=30), T0 + timedelta(days=d, minutes=30)),
        )
        for d in range(8, 29)
    ]
    with HistoryStore(path) as st:
        st.write_candles(candles)
        st.write_open_interest(oi)
        st.write_liquidations(events)


def test_store_ledger(tmp_path: Path, capsys) -> None:
    path = tmp_path / "history.duckdb"
    _fill(path)
    module = _script()
    assert module.main(["--store", str(path), "--asset", "BTC"]) == 0
    out = capsys.readouterr().out
    assert "| 2024-01-08 00:00 | train | all venues |" in out
    assert "held_out" in out


def test_store_ledger_bad_input(tmp_path: Path, capsys) -> None:
    module = _script()
    assert module.main(["--store", str(tmp_path / "missing.duckdb")]) == 2
    assert "no history store" in capsys.readouterr().err
