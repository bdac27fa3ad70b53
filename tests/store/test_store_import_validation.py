"""Nothing wrong gets into the store through ``import binance-vision``: a bad row refuses the file (one line naming
the line, exit 2, nothing stored); re-importing a corrected file replaces what differs and says so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from derivintel.app.cli import main
from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries
from derivintel.store import HistoryStore, store_location
from tests.realdata import real_path

HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"
)
H4 = 14_400_000
T0 = 1704067200000  # 2024-01-01T00:00Z


def _bar(i: int, o=42000.0, h=42500.0, lo=41800.0, c=42100.0, v=100.0, tb=50.0) -> str:
    t = T0 + i * H4
    return f"{t},{o},{h},{lo},{c},{v},{t + H4 - 1},{v * c},10,{tb},{tb * c},0"


def _write(tmp_path: Path, rows: list[str], name: str = "BTCUSDT-4h-2024-01.csv", header: str = HEADER) -> Path:
    p = tmp_path / name
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def _run(argv: list[str], capsys) -> tuple[int, list[str], str]:
    rc = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return rc, [ln for ln in captured.err.splitlines() if ln.startswith("derivintel:")], captured.err


def _counts(db: Path | str) -> dict[str, int]:
    if not store_location(db).exists():
        return {}
    with HistoryStore(db) as st:
        return {k: v for k, v in st.row_counts().items() if v}


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([_bar(0), _bar(1, lo=-5.0)], HEADER, "line 3: price not positive"),
        ([_bar(0), _bar(1, h=41000.0)], HEADER, "line 3: high below open or close"),
        ([_bar(0), _bar(1, lo=42200.0)], HEADER, "line 3: low above open or close"),
        ([_bar(0), _bar(1, v=-1.0, tb=0.0)], HEADER, "line 3: negative volume"),
        ([_bar(0), _bar(1, v=1.0, tb=2.0)], HEADER, "line 3: taker buy volume above volume"),
        ([_bar(0), "garbage,row,here", _bar(2)], HEADER, "line 3: incomplete row or non-numeric field"),
        ([_bar(0), _bar(1).replace("42100.0", "abc", 1)], HEADER, "line 3: incomplete last row (file cut?)"),
        ([_bar(0), _bar(1)[:40]], HEADER, "line 3: incomplete last row (file cut?)"),
        ([_bar(0), _bar(-20000)], HEADER, "line 3: time outside the venue's life"),
        ([_bar(0), _bar(0, c=42200.0)], HEADER, "lines 2 and 3: two different rows for one time"),
        (["1,3.0,0.5"], "a,b,c", "unrecognised Binance dump (a, b, c)"),
        (["0,8,3.0"], "calc_time,funding_interval_hours,last_funding_rate", "line 2: time outside the venue's life"),
        (["1704067200000,8,3.0"], "calc_time,funding_interval_hours,last_funding_rate", "funding rate beyond ±5%"),
    ],
)
def test_bad_rows_refuse_the_file(tmp_path: Path, capsys, rows, header, message) -> None:
    db = tmp_path / "s.duckdb"
    f = _write(tmp_path, rows, header=header)
    rc, errors, _ = _run(["import", "binance-vision", str(f), "--store", str(db)], capsys)
    assert rc == 2
    assert len(errors) == 1, errors
    assert message in errors[0]
    assert _counts(db) == {}


def test_one_bad_file_stores_nothing_from_any_file(tmp_path: Path, capsys) -> None:
    db = tmp_path / "s.duckdb"
    good = _write(tmp_path, [_bar(0), _bar(1)], name="BTCUSDT-4h-2024-01.csv")
    bad = _write(tmp_path, [_bar(2, lo=-1.0)], name="BTCUSDT-4h-2024-02.csv")
    rc, errors, _ = _run(["import", "binance-vision", str(good), str(bad), "--store", str(db)], capsys)
    assert rc == 2
    assert "BTCUSDT-4h-2024-02.csv: line 2" in errors[0]
    assert _counts(db) == {}


def test_identical_duplicates_are_one_row(tmp_path: Path, capsys, store_at) -> None:
    db = store_at(tmp_path, "s")  # every backend
    f = _write(tmp_path, [_bar(0), _bar(1), _bar(1)])
    rc, _, err = _run(["import", "binance-vision", str(f), "--store", str(db)], capsys)
    assert rc == 0, err
    assert _counts(db) == {"candles": 2}


def test_reimport_replaces_differing_rows_and_says_so(tmp_path: Path, capsys, store_at) -> None:
    db = store_at(tmp_path, "s")  # every backend
    first = _write(tmp_path, [_bar(0), _bar(1), _bar(2)])
    assert _run(["import", "binance-vision", str(first), "--store", str(db)], capsys)[0] == 0
    fixed = _write(tmp_path, [_bar(0), _bar(1, c=42300.0), _bar(2), _bar(3)])
    rc, _, err = _run(["import", "binance-vision", str(fixed), "--store", str(db)], capsys)
    assert rc == 0
    assert "candles: 1 new, 1 replaced of 4 read" in err
    with HistoryStore(db) as st:
        (series,) = st.candle_series("BTC")
    assert series.close.tolist() == [42100.0, 42300.0, 42100.0, 42100.0]
    rc, _, err = _run(["import", "binance-vision", str(fixed), "--store", str(db)], capsys)
    assert "candles: 0 new of 4 read" in err


def test_truncated_real_dump_is_refused_and_a_poisoned_store_is_repaired(tmp_path: Path, capsys) -> None:
    """The issue's case: BTCUSDT-4h-2024-01.csv cut mid-row. The cut file is refused; a store already holding the
    wrong bar (low 427, close missing: what insert-or-ignore kept before) is repaired by importing the full file."""
    src = real_path("perp_history", "binance_btcusdt_um", "BTCUSDT-4h-2024-01.csv")
    raw = src.read_bytes()
    cut = tmp_path / src.name
    cut.write_bytes(raw[: raw.index(b"\n", 20_000) + 40])
    db = tmp_path / "s.duckdb"
    rc, errors, _ = _run(["import", "binance-vision", str(cut), "--store", str(db)], capsys)
    assert rc == 2
    assert "incomplete last row (file cut?)" in errors[0]
    assert _counts(db) == {}

    bad_t = np.array([np.datetime64("2024-01-16T16:00", "ms")])
    at = datetime(2024, 2, 1, tzinfo=UTC)
    poison = CandleSeries(
        venue="binance-usdm", asset="BTC", market="perp", interval_s=14400, ts=bad_t,
        open=np.array([42500.0]), high=np.array([43000.0]), low=np.array([427.0]), close=np.array([np.nan]),
        volume_base=np.array([1.0]), taker_buy_base=np.array([0.5]),
        source=Source("binance-usdm", "data.binance.vision/klines_4h", at, at),
    )  # fmt: skip
    with HistoryStore(db) as st:
        assert st.write_candles(poison) == 1
    rc, _, err = _run(["import", "binance-vision", str(src), "--store", str(db)], capsys)
    assert rc == 0
    assert "candles: 185 new, 1 replaced of 186 read" in err
    with HistoryStore(db) as st:
        (series,) = st.candle_series("BTC")
    assert len(series) == 186
    assert np.isfinite(series.close).all()
    assert series.low.min() > 30_000


def test_metrics_dump_taker_ratio_is_imported(tmp_path: Path, capsys) -> None:
    """The real 2024-01-01 metrics dump: its taker buy ÷ sell volume ratio is stored (288 five-minute samples)."""
    src = real_path("perp_history", "binance_btcusdt_um", "BTCUSDT-metrics-2024-01-01.csv")
    db = tmp_path / "h.duckdb"
    rc, _, _ = _run(["import", "binance-vision", str(src), "--store", str(db)], capsys)
    assert rc == 0
    assert _counts(db)["taker_ratio"] == 288
    with HistoryStore(db, read_only=True) as st:
        (s,) = st.read("taker_ratio", "BTC")
        assert st.read("long_short", "BTC")  # the three long/short ratios, apart from the taker ratio
        assert {x.kind.value for x in st.read("long_short", "BTC")} == {
            "global_accounts",
            "top_accounts",
            "top_positions",
        }
    assert s.venue == "binance-usdm"
    assert s.interval_s == 300
    assert s.buy_sell_ratio[0] == 1.31174499  # 2024-01-01 00:00, sum_taker_long_short_vol_ratio
    assert s.buy_sell_ratio[1] == 2.83721422


def test_metrics_dump_negative_taker_ratio_refuses_the_file(tmp_path: Path, capsys) -> None:
    head = (
        "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,"
        "sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio"
    )
    rows = [
        "2024-01-01 00:00:00,BTCUSDT,74006.266,3131493738.8974,1.3682031,1.253668,1.50710938,1.31174499",
        "2024-01-01 00:05:00,BTCUSDT,73839.811,3133154733.161327,1.36197224,1.26060333,1.50756624,-2.5",
    ]
    p = _write(tmp_path, rows, name="BTCUSDT-metrics-2024-01-01.csv", header=head)
    db = tmp_path / "h.duckdb"
    rc, lines, _ = _run(["import", "binance-vision", str(p), "--store", str(db)], capsys)
    assert rc == 2
    assert len(lines) == 1
    assert "line 3: taker buy/sell volume ratio negative" in lines[0]
    assert _counts(db) == {}
