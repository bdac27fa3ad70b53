"""``import series`` / ``import oi``: every row outside its series' valid range, without a date or value, or dated in
the future is dropped and counted with its reason; a binary file is one line and exit 2."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from derivintel.app.cli import main
from derivintel.core.errors import UserInputError
from derivintel.store import HistoryStore
from derivintel.store.importers import import_oi_csv, import_series
from derivintel.store.importers.macro_csv import VALID_RANGE

RECV = datetime(2024, 2, 1, tzinfo=UTC)


def test_vix_rows_are_checked_and_dropped_rows_counted(tmp_path: Path) -> None:
    f = tmp_path / "VIXCLS.csv"
    f.write_text(
        "observation_date,VIXCLS\n2024-01-02,13.2\n2024-01-03,-5\n2024-01-04,1e308\n2099-01-01,14\n"
        "2024-01-05,\n2024-01-08,.\nxx,3\n2024-01-09,abc\n2024-01-10,inf\n2024-01-11,12.5\n"
    )
    with HistoryStore(tmp_path / "s.duckdb") as st:
        rep = import_series("vix", f, st, received_at=RECV)
        stored = st.macro_series("vix")
    assert rep.dropped == {
        "dated after 2024-02-01 (future)": 1,
        "no date": 1,
        "no value (missing day)": 2,
        "not a number": 1,
        "infinite": 1,
        "outside vix's range 1..200": 2,
    }
    assert "8 row(s) dropped" in rep.summary()
    assert stored is not None
    assert stored.values.tolist() == [13.2, 12.5]


def test_fraction_series_out_of_range_rows_are_dropped_before_the_unit_is_guessed(tmp_path: Path) -> None:
    f = tmp_path / "dom.csv"
    f.write_text("date,value\n2024-01-01,52.5\n2024-01-02,-5\n2024-01-03,1e308\n2024-01-04,53\n")
    with HistoryStore(tmp_path / "s.duckdb") as st:
        rep = import_series("btc_dominance", f, st, received_at=RECV)
        stored = st.macro_series("btc_dominance")
    assert sum(rep.dropped.values()) == 2
    assert stored is not None
    np.testing.assert_allclose(stored.values, [0.525, 0.53])


def test_conflicting_values_for_one_date_are_dropped_and_counted(tmp_path: Path) -> None:
    f = tmp_path / "dxy.csv"
    f.write_text("date,value\n2024-01-01,101\n2024-01-01,102\n2024-01-02,103\n2024-01-02,103\n")
    with HistoryStore(tmp_path / "s.duckdb") as st:
        rep = import_series("dxy", f, st, received_at=RECV)
        stored = st.macro_series("dxy")
    assert rep.dropped == {"two different values for one date": 2}
    assert stored is not None
    assert stored.values.tolist() == [103.0]


def test_reimport_with_a_corrected_value_replaces_it(tmp_path: Path, store_at) -> None:
    f = tmp_path / "wti.csv"
    f.write_text("date,value\n2020-04-20,-37.63\n2020-04-21,10.01\n")
    with HistoryStore(store_at(tmp_path, "s")) as st:  # every backend
        assert import_series("wti", f, st, received_at=RECV).total_inserted == 2  # negative WTI is real
        f.write_text("date,value\n2020-04-20,-37.63\n2020-04-21,8.91\n")
        rep = import_series("wti", f, st, received_at=RECV)
        assert (rep.total_inserted, rep.total_replaced) == (0, 1)
        assert "macro: 0 new, 1 replaced of 2 read" in rep.summary()
        stored = st.macro_series("wti")
    assert stored is not None
    assert stored.values.tolist() == [-37.63, 8.91]


def test_nothing_usable_is_an_error_naming_the_reasons(tmp_path: Path) -> None:
    f = tmp_path / "vix.csv"
    f.write_text("date,value\n2024-01-01,-5\n2099-01-01,14\n")
    with HistoryStore(tmp_path / "s.duckdb") as st, pytest.raises(UserInputError, match="no usable"):
        import_series("vix", f, st, received_at=RECV)


def test_every_series_has_a_range() -> None:
    from derivintel.domain.macro import MACRO_UNITS

    assert set(VALID_RANGE) == set(MACRO_UNITS)
    assert all(lo < hi for lo, hi in VALID_RANGE.values())


@pytest.mark.parametrize("command", [["series", "vix"], ["binance-vision"], ["oi"]])
def test_binary_file_is_one_line_exit_2(tmp_path: Path, capsys, command: list[str]) -> None:
    f = tmp_path / "BTCUSDT-4h-2024-01.csv"
    f.write_bytes(bytes(range(256)) * 40)
    db = tmp_path / "s.duckdb"
    rc = main(["import", *command, str(f), "--store", str(db)])
    err = capsys.readouterr().err
    assert rc == 2
    assert [ln for ln in err.splitlines() if ln.strip()] == [next(ln for ln in err.splitlines() if ln.strip())]
    assert err.startswith("derivintel: error:")
    assert "Traceback" not in err
    with HistoryStore(db) as st:
        assert sum(st.row_counts().values()) == 0


def test_oi_rows_are_checked_and_counted(tmp_path: Path) -> None:
    f = tmp_path / "oi.csv"
    f.write_text(
        "timestamp,open_interest,mark_price\n2024-01-01T00:00Z,100,42000\n2024-01-01T01:00Z,-3,42000\n"
        "2024-01-01T02:00Z,100,0\nbad,100,42000\n2030-01-01T00:00Z,100,42000\n2024-01-01T03:00Z,101,42100\n"
    )
    with HistoryStore(tmp_path / "s.duckdb") as st:
        rep = import_oi_csv(f, st, venue="binance-usdm", asset="BTC", interval_s=3600, received_at=RECV)
    assert rep.total_inserted == 2
    assert rep.dropped == {
        "no time": 1,
        "open interest missing or not positive": 1,
        "price missing or not positive": 1,
        "time after 2024-02-01 00:00 (future)": 1,
    }
