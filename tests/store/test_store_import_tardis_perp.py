"""``import tardis``: Tardis.dev derivative_ticker, liquidations and book_snapshot_25 CSVs (issue 14 §3).

Real files where published ones exist (Deribit derivative_ticker fixture, Binance futures book_snapshot_25 in
../shared/data/real); liquidations and Binance ticker rows are CONSTRUCTED here in the documented header order
(no published sample was found; tests/fixtures/tardis/SOURCES.md).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from derivintel.app.cli import main
from derivintel.domain.liquidations import LiquidatedSide
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps
from tests.realdata import real_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tardis"
TICKER_HEADER = (
    "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,"
    "open_interest,last_price,index_price,mark_price"
)
LIQ_HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
T0_US = 1704067200_000000  # 2024-01-01T00:00Z
MIN_US = 60_000000


def _write(tmp_path: Path, name: str, header: str, rows: list[str]) -> Path:
    p = tmp_path / name
    p.write_text("\n".join([header, *rows]) + "\n")
    return p


def _run(argv: list[str], capsys) -> tuple[int, list[str]]:
    rc = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, [ln for ln in err.splitlines() if ln.startswith("derivintel:")]


def test_deribit_ticker_fixture_becomes_a_perp_snapshot_and_an_oi_sample(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.duckdb") as st:
        rep = import_dumps("tardis", [FIXTURES / "deribit_derivative_ticker.csv"], st, every_s=300)
        again = import_dumps("tardis", [FIXTURES / "deribit_derivative_ticker.csv"], st, every_s=300)
        at = datetime(2026, 8, 10, 0, 12, tzinfo=UTC)
        (perp,) = st.latest_perps("BTC", as_of=at, max_age_s=900)
        (oi,) = st.read("open_interest", "BTC")
    assert rep.inserted == {"perp_snapshots": 1, "open_interest": 1}
    assert again.total_inserted == 0  # idempotent
    # the last of the three updates (…645000 µs): mark 65237.9, index 65221.3, OI 705041730 USD → coins at the mark
    assert perp.venue == "deribit"
    assert perp.venue_symbol == "BTC-PERPETUAL"
    assert perp.mark_price_usd == 65237.9
    assert perp.index_price_usd == 65221.3
    assert perp.oi_base == pytest.approx(705041730 / 65237.9)
    assert perp.funding_rate_interval is None  # Deribit's Tardis funding_rate has no declared period: not imported
    assert perp.source.as_of == datetime.fromtimestamp(1786320665.645, tz=UTC)
    assert oi.oi_usd[0] == pytest.approx(705041730.0)


def test_binance_ticker_sampled_per_period_with_funding_interval_from_funding_times(tmp_path: Path) -> None:
    fund1, fund2 = T0_US + 8 * 3600_000000, T0_US + 16 * 3600_000000
    rows = [  # CONSTRUCTED in the documented order; empty fields carried forward per symbol
        f"binance-futures,BTCUSDT,{T0_US + 10_000000},{T0_US + 10_100000},{fund1},0.0001,,80000.5,42000,41990,42001",
        f"binance-futures,BTCUSDT,{T0_US + 50_000000},{T0_US + 50_100000},{fund1},0.00012,,,42010,,42011",
        f"binance-futures,ETHUSDT,{T0_US + 55_000000},{T0_US + 55_100000},{fund1},0.0002,,500000,2300,2299,2301",
        f"binance-futures,BTCUSDT,{T0_US + MIN_US + 5_000000},{T0_US + MIN_US + 5_100000},{fund2},-0.00005,,80100,"
        "42020,42015,42021",
    ]
    p = _write(tmp_path, "binance-futures_derivative_ticker_2024-01-01.csv", TICKER_HEADER, rows)
    with HistoryStore(tmp_path / "h.duckdb") as st:
        rep = import_dumps("tardis", [p], st, every_s=60)
        first = st.latest_perps("BTC", as_of=datetime(2024, 1, 1, 0, 1, tzinfo=UTC), max_age_s=900)
        second = st.latest_perps("BTC", as_of=datetime(2024, 1, 1, 0, 2, tzinfo=UTC), max_age_s=900)
        (oi,) = st.read("open_interest", "BTC")
    assert rep.inserted["perp_snapshots"] == 3  # BTC in two minutes, ETH in one
    (a,) = first
    assert a.mark_price_usd == 42011.0  # the second update of the first minute
    assert a.oi_base == 80000.5  # carried forward from the first update (empty in the second)
    assert a.index_price_usd == 41990.0
    assert a.funding_rate_interval == 0.00012
    assert a.funding_interval_hours == 8.0  # spacing of the two funding times
    assert a.next_funding_time == datetime(2024, 1, 1, 8, tzinfo=UTC)
    assert second[0].funding_rate_interval == -0.00005
    np.testing.assert_allclose(oi.oi_base, [80000.5, 80100.0])
    np.testing.assert_allclose(oi.oi_usd, [80000.5 * 42011, 80100 * 42021])


def test_liquidations_sides_units_duplicates_and_unknown(tmp_path: Path) -> None:
    rows = [  # CONSTRUCTED: sell = a long liquidated, buy = a short; Deribit amounts in USD
        f"binance-futures,BTCUSDT,{T0_US},{T0_US + 1000},,sell,42000,0.5",
        f"binance-futures,BTCUSDT,{T0_US},{T0_US + 1000},,sell,42000,0.5",
        f"binance-futures,BTCUSDT,{T0_US + 1000000},{T0_US + 1001000},,buy,42100,1.25",
        f"binance-futures,BTCUSDT,{T0_US + 2000000},{T0_US + 2001000},,unknown,42050,0.1",
        f"deribit,BTC-PERPETUAL,{T0_US + 3000000},{T0_US + 3001000},123,sell,42000,84000",
    ]
    p = _write(tmp_path, "liquidations.csv", LIQ_HEADER, rows)
    with HistoryStore(tmp_path / "h.duckdb") as st:
        rep = import_dumps("tardis", [p], st)
        again = import_dumps("tardis", [p], st)
        events = st.liquidations("BTC", until=datetime(2024, 1, 2, tzinfo=UTC), since=datetime(2024, 1, 1, tzinfo=UTC))
    assert rep.inserted == {"liquidations": 4}
    assert rep.dropped == {"liquidation side unknown": 1}
    assert again.total_inserted == 0
    assert [(e.venue, e.side, e.size_base, e.ordinal) for e in events] == [
        ("binance", LiquidatedSide.LONG, 0.5, 0),
        ("binance", LiquidatedSide.LONG, 0.5, 1),  # two identical rows are two liquidations
        ("binance", LiquidatedSide.SHORT, 1.25, 0),
        ("deribit", LiquidatedSide.LONG, 2.0, 0),  # 84000 USD at 42000
    ]


def test_real_book_snapshot_25_keeps_every_level_of_the_last_snapshot(tmp_path: Path) -> None:
    path = real_path("orderbook", "nautilus_tardis_binance-futures_book_snapshot_25_BTCUSDT.csv")
    with path.open() as fh:
        last = list(csv.DictReader(fh))[-1]
    with HistoryStore(tmp_path / "h.duckdb") as st:
        rep = import_dumps("tardis", [path], st, every_s=60)
        (book,) = st.latest_books("BTC", as_of=datetime(2020, 9, 1, 0, 1, tzinfo=UTC), max_age_s=600)
    assert rep.inserted == {"order_books": 1}  # 10 snapshots within one minute: the last one kept
    assert book.venue == "binance"
    assert book.source.as_of == datetime.fromtimestamp(int(last["timestamp"]) / 1e6, tz=UTC)
    assert book.bids.shape == (25, 2)
    assert book.asks.shape == (25, 2)
    for i in (0, 24):
        assert book.bids[i].tolist() == [float(last[f"bids[{i}].price"]), float(last[f"bids[{i}].amount"])]
        assert book.asks[i].tolist() == [float(last[f"asks[{i}].price"]), float(last[f"asks[{i}].amount"])]


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (
            LIQ_HEADER,
            [f"binance-futures,BTCUSDT,{T0_US},1,,sell,42000,0.5", f"binance-futures,BTCUSDT,{T0_US},1,,sell,-1,0.5"],
            "line 3: price not positive",
        ),
        (
            LIQ_HEADER,
            [f"binance-futures,BTCUSDT,{T0_US},1,,sideways,42000,0.5"],
            "line 2: side not buy, sell or unknown",
        ),
        (
            LIQ_HEADER,
            [f"okex-swap,BTC-USDT-SWAP,{T0_US},1,,sell,42000,0.5"],
            "line 2: exchange/symbol whose units are not declared",
        ),
        (LIQ_HEADER, ["binance-futures,BTCUSDT,12,1,,sell,42000,0.5"], "line 2: timestamp missing or outside"),
        (
            TICKER_HEADER,
            [f"binance-futures,BTCUSDT,{T0_US},1,,0.0001,,-5,42000,42000,42000"],
            "line 2: open_interest negative",
        ),
    ],
)
def test_a_bad_row_refuses_the_command_in_one_line(tmp_path: Path, capsys, header, rows, message) -> None:
    p = _write(tmp_path, "bad.csv", header, rows)
    good = FIXTURES / "deribit_derivative_ticker.csv"
    db = tmp_path / "h.duckdb"
    rc, lines = _run(["import", "tardis", str(good), str(p), "--store", str(db)], capsys)
    assert rc == 2
    assert len(lines) == 1
    assert message in lines[0]
    assert "bad.csv" in lines[0]
    with HistoryStore(db) as st:
        assert sum(st.row_counts().values()) == 0  # nothing stored, not even the good file


def test_crossed_book_is_refused(tmp_path: Path, capsys) -> None:
    from derivintel.sources.tardis.perp import BOOK_COLUMNS

    cells = ["binance-futures", "BTCUSDT", str(T0_US), str(T0_US)]
    for i in range(25):  # asks[i], bids[i] as in the header; the best bid is above the best ask
        cells += [str(100.0 + i), "1", str(101.0 - i), "1"]
    p = _write(tmp_path, "book.csv", ",".join(BOOK_COLUMNS), [",".join(cells)])
    rc, lines = _run(["import", "tardis", str(p), "--store", str(tmp_path / "h.duckdb")], capsys)
    assert rc == 2
    assert "line 2: crossed book" in lines[0]


def test_not_a_tardis_file_is_one_line(tmp_path: Path, capsys) -> None:
    p = _write(tmp_path, "x.csv", "a,b", ["1,2"])
    rc, lines = _run(["import", "tardis", str(p), "--store", str(tmp_path / "h.duckdb")], capsys)
    assert rc == 2
    assert "x.csv: not a Tardis" in lines[0]


def test_report_asof_reads_the_imported_ticker(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    assert main(["import", "tardis", str(FIXTURES / "deribit_derivative_ticker.csv"), "--store", str(db)]) == 0
    out = tmp_path / "r.json"
    argv = ["report", "BTC", "--secondary", "ETH", "--asof", "2026-08-10T00:12Z", "--store", str(db), "-q"]
    assert main([*argv, "--format", "json", "--out", str(out)]) == 0
    metrics = {m["key"]: m for p in json.loads(out.read_text())["phases"] for m in p["metrics"]}
    assert metrics["price.last"]["value"] == 65237.9  # the stored deribit mark
    assert metrics["positioning.venue.deribit.oi_usd"]["value"] == pytest.approx(705041730.0)
