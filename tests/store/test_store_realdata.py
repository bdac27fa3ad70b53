"""Real recorded data: Binance BTCUSDT klines + funding (2021–2026) and macro series import; re-import changes
nothing; a point-in-time snapshot on 2024-01-01 12:00 UTC uses only closed bars."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from derivintel.analytics.price import reference_price
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps, import_series
from derivintel.store.snapshot_at import build_snapshot_at
from tests.realdata import real_path

BINANCE = ("futures_BTCUSDT_1d.csv", "futures_BTCUSDT_4h.csv", "futures_BTCUSDT_funding.csv", "spot_BTCUSDT_4h.csv")
MACRO = {
    "vix": "fterm_vix.csv",
    "nasdaq": "fterm_nasdaq100.csv",
    "dxy": "fterm_dollar_index.csv",
    "wti": "fterm_wti_crude.csv",
    "btc_dominance": "fterm_btc_dominance.csv",
    "stablecoin_supply": "fterm_stablecoin_supply.csv",
}
AS_OF = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def _import_all(store: HistoryStore) -> list[str]:
    files = [real_path("perp_history", "binance_btcusdt_um", f) for f in BINANCE]
    import_dumps("binance-vision", files, store)
    notes: list[str] = []
    for name, f in MACRO.items():
        notes += import_series(name, real_path("macro", f), store).notes
    return notes


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("real") / "h.duckdb"
    with HistoryStore(path) as s:
        notes = _import_all(s)
        yield s, notes


def _csv_rows(path: Path) -> int:
    with path.open() as fh:
        return sum(1 for _ in fh) - 1


def test_import_counts_and_reimport_changes_nothing(real_store) -> None:
    store, notes = real_store
    counts = store.row_counts()
    expected_candles = sum(
        _csv_rows(real_path("perp_history", "binance_btcusdt_um", f)) for f in BINANCE if "funding" not in f
    )
    assert counts["candles"] == expected_candles  # 2038 + 12228 + 12304, no gaps or duplicates in the files
    funding_file = real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_funding.csv")
    assert counts["funding"] == _csv_rows(funding_file)
    again = import_dumps("binance-vision", [real_path("perp_history", "binance_btcusdt_um", f) for f in BINANCE], store)
    assert again.total_inserted == 0
    for name, f in MACRO.items():
        assert import_series(name, real_path("macro", f), store).total_inserted == 0
    assert store.row_counts() == counts
    assert any("btc_dominance" in n and "percent" in n for n in notes)
    dom = store.macro_series("btc_dominance")
    assert dom is not None
    assert dom.values.min() > 0.5
    assert dom.values.max() < 0.6


def test_point_in_time_snapshot_has_no_look_ahead(real_store) -> None:
    store, _ = real_store
    snap = build_snapshot_at(store, "BTC", (), AS_OF)
    btc = snap.asset("BTC")
    four_h = btc.candles_for(market="perp", interval_s=14_400)
    daily = btc.candles_for(market="perp", interval_s=86_400)
    assert four_h is not None
    assert daily is not None
    cutoff = np.datetime64("2024-01-01T12:00", "ms")
    assert (four_h.ts + np.timedelta64(4, "h") <= cutoff).all()
    assert four_h.ts[-1] == np.datetime64("2024-01-01T08:00", "ms")  # the 12:00 bar closes at 16:00: not used
    assert daily.ts[-1] == np.datetime64("2023-12-31", "ms")  # 2024-01-01 daily bar closes at midnight
    # the price is the close of the last CLOSED 4h perp bar, read independently from the CSV
    with real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_4h.csv").open() as fh:
        row = next(r for r in csv.DictReader(fh) if r["open_time"] == "1704096000000")  # 2024-01-01 08:00
    price = reference_price(btc, as_of=AS_OF).value
    assert price is not None
    four_h_close = float(row["close"])
    assert four_h.close[-1] == pytest.approx(four_h_close)
    assert price.method == "last_close"
    # funding settlements only up to 08:00; macro values only once published
    (funding,) = btc.funding
    assert funding.ts[-1] == np.datetime64("2024-01-01T08:00", "ms")
    vix = snap.macro["vix"]
    assert vix.available_ts is not None
    assert (vix.available_ts <= cutoff).all()
    assert vix.ts[-1] == np.datetime64("2023-12-28", "ms")  # Fri 29 Dec is published Mon 1 Jan → known from Tue
    assert "btc_dominance" not in snap.macro  # the dominance file starts in 2026
    assert any(g.dataset == "macro_btc_dominance" for g in snap.gaps)


def test_analyze_snapshot_runs_on_a_historical_snapshot(real_store) -> None:
    from derivintel.assessment.analyze import analyze_snapshot

    store, _ = real_store
    snap = build_snapshot_at(store, "BTC", (), AS_OF)
    analyses = analyze_snapshot(snap)
    assert analyses.primary.price.value is not None
    assert analyses.primary.positioning.value is not None
    z = analyses.primary.positioning.value.funding_zscore_30d
    assert z is not None
    assert np.isfinite(z)
