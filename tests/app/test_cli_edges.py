"""Edges of the CLI: every bad input is one line with the documented exit code (``core.errors.EXIT_CODES``), nothing
is stored wrong, nothing is lost. Runs the real entry point in-process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from derivintel.app.cli import main
from derivintel.core.errors import EXIT_BAD_INPUT, EXIT_CODES_HELP, EXIT_NO_DATA
from derivintel.store import HistoryStore

HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"
)
H4 = 14_400_000
T0 = 1704067200000  # 2024-01-01T00:00Z


def one_error(capsys) -> str:
    """The single ``derivintel:`` line on stderr (asserts there is exactly one and no traceback)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("derivintel:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def real_store(tmp_path: Path) -> Path:
    """A store holding 12 real-shaped (not synthetic) 4h BTC bars from 2024-01-01."""
    rows = []
    for i in range(12):
        t = T0 + i * H4
        rows.append(f"{t},42000,42500,41800,42100,100,{t + H4 - 1},4210000,10,50,2105000,0")
    f = tmp_path / "BTCUSDT-4h-2024-01.csv"
    f.write_text("\n".join([HEADER, *rows]) + "\n")
    db = tmp_path / "real.duckdb"
    assert main(["import", "binance-vision", str(f), "--store", str(db)]) == 0
    return db


def counts(db: Path) -> dict[str, int]:
    with HistoryStore(db) as st:
        return {k: v for k, v in st.row_counts().items() if v}


def test_bare_command_prints_help(capsys) -> None:
    assert main([]) == 0
    out = capsys.readouterr()
    assert "Usage: derivintel" in out.out
    assert "error" not in out.err


def test_version(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("derivintel ")


def test_help_shows_the_exit_codes_and_no_bool_placeholders(capsys) -> None:
    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert " ".join(EXIT_CODES_HELP.split()[:6]) in out
    assert main(["report", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--demo" in text
    assert "<bool>" not in text
    for argv in (["check", "--help"], ["import", "series", "--help"], ["collect-liquidations", "--help"]):
        assert main(argv) == 0
        assert "Exit codes: 0 success" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("asof", "symbol", "message"),
    [
        ("2099-01-01T00:00Z", "BTC", "its BTC prices span 2024-01-01T04:00:00Z..2024-01-03T00:00:00Z"),
        ("2020-01-01T00:00Z", "BTC", "its BTC prices span 2024-01-01T04:00:00Z"),
        ("2024-01-02T00:00Z", "ETH", "no stored price for ETH"),
    ],
)
def test_report_asof_without_a_stored_price_exits_3(real_store: Path, capsys, asof, symbol, message) -> None:
    before = counts(real_store)
    rc = main(["report", symbol, "--asof", asof, "--store", str(real_store), "-q"])
    assert rc == EXIT_NO_DATA
    line = one_error(capsys)
    assert line.startswith("derivintel: no data:")
    assert message in line
    assert counts(real_store) == before


def test_report_asof_with_a_stored_price_runs(real_store: Path, capsys) -> None:
    assert main(["report", "BTC", "--asof", "2024-01-02T12:00Z", "--store", str(real_store), "-q"]) == 0
    assert "PHASE 1" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["store"], ["report", "BTC", "--asof", "2024-01-02T00:00Z", "-q"], ["study", "BTC"]])
def test_damaged_store_is_detected_on_open(real_store: Path, tmp_path: Path, capsys, argv) -> None:
    data = real_store.read_bytes()
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(data[: len(data) // 2])
    assert main([*argv, "--store", str(cut)]) == EXIT_BAD_INPUT
    assert "is damaged" in one_error(capsys)
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database" * 500)
    assert main([*argv, "--store", str(garbage)]) == EXIT_BAD_INPUT
    assert "not a valid DuckDB database" in one_error(capsys)


def test_demo_collect_never_enters_a_real_store(real_store: Path, capsys) -> None:
    before = counts(real_store)
    for argv in (["collect", "BTC", "--demo", "--rounds", "1"], ["backfill", "BTC", "--demo", "--days", "2"]):
        assert main([*argv, "--store", str(real_store)]) == EXIT_BAD_INPUT
        assert "holds real data; refusing to add synthetic rows" in one_error(capsys)
    assert counts(real_store) == before
    with HistoryStore(real_store) as st:
        assert st.content_kind() == "real"


def test_demo_collect_defaults_to_its_own_store(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DERIVINTEL_HOME", str(tmp_path))
    assert main(["collect", "BTC", "--demo", "--rounds", "1", "--every", "1s"]) == 0
    assert "demo-history.duckdb" in capsys.readouterr().err
    assert not (tmp_path / "history.duckdb").exists()
    with HistoryStore(tmp_path / "demo-history.duckdb") as st:
        assert st.content_kind() == "synthetic"


def test_synthetic_rows_are_refused_by_the_store_itself(real_store: Path) -> None:
    from derivintel.core.errors import MixedStoreError
    from derivintel.sources.demo import build_demo_snapshot

    snap = build_demo_snapshot("BTC", (), seed=7)
    before = counts(real_store)
    with HistoryStore(real_store) as st, pytest.raises(MixedStoreError):
        st.write_snapshot(snap)
    assert counts(real_store) == before


def test_unwritable_home_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DERIVINTEL_HOME", str(blocker / "sub"))
    assert main(["store"]) == EXIT_BAD_INPUT
    assert "cannot create the store directory" in one_error(capsys)


def test_collect_liquidations_alias_takes_its_options_and_exits_3_when_nothing_connects(tmp_path: Path, capsys) -> None:
    db = tmp_path / "liq.duckdb"
    argv = ["collect", "liquidations", "BTC", "--duration", "0.3", "--venue", "binance-usdm", "-q"]
    rc = main([*argv, "--url", "binance-usdm=ws://127.0.0.1:9", "--store", str(db)])
    assert rc == EXIT_NO_DATA
    assert "no liquidation stream connected (binance-usdm:" in one_error(capsys)


def test_report_demo_negative_seed_is_one_line(capsys) -> None:
    assert main(["report", "BTC", "--demo", "--seed", "-1", "-q"]) == EXIT_BAD_INPUT
    assert "--seed" in one_error(capsys)


def test_study_zero_bootstrap_is_one_line(real_store: Path, capsys) -> None:
    assert main(["study", "BTC", "--boot", "0", "--store", str(real_store)]) == EXIT_BAD_INPUT
    assert "--boot" in one_error(capsys)


def test_store_untouched_after_refused_import(real_store: Path, tmp_path: Path, capsys) -> None:
    before = counts(real_store)
    bad = tmp_path / "BTCUSDT-4h-2024-02.csv"
    bad.write_text(HEADER + "\n" + f"{T0 + 20 * H4},1,2,3\n")
    assert main(["import", "binance-vision", str(bad), "--store", str(real_store)]) == EXIT_BAD_INPUT
    assert "line 2" in one_error(capsys)
    assert counts(real_store) == before
    with HistoryStore(real_store) as st:
        (series,) = st.candle_series("BTC")
    assert np.isfinite(series.close).all()


READ_ONLY = Path("/proc")  # not writable even for root (tests may run as root, where chmod does not protect)


@pytest.fixture
def read_only_dir() -> Path:
    if not READ_ONLY.is_dir():
        pytest.skip("needs /proc (Linux) as a destination nobody can write")
    return READ_ONLY


def test_snapshot_save_checks_the_destination_before_fetching(read_only_dir: Path, monkeypatch, capsys) -> None:
    import derivintel.app.pipeline as pipeline

    def no_fetch(*_a, **_k):
        raise AssertionError("fetched before checking --out")

    monkeypatch.setattr(pipeline, "fetch_live", no_fetch)
    assert main(["snapshot", "save", "BTC", "--out", str(read_only_dir / "snap"), "-q"]) == EXIT_BAD_INPUT
    assert "--out" in one_error(capsys)


def test_snapshot_save_refuses_an_existing_archive_before_fetching(tmp_path: Path, monkeypatch, capsys) -> None:
    import derivintel.app.pipeline as pipeline

    monkeypatch.setattr(pipeline, "fetch_live", lambda *_a, **_k: (_ for _ in ()).throw(AssertionError("fetched")))
    (tmp_path / "manifest.json").write_text("{}")
    assert main(["snapshot", "save", "BTC", "--out", str(tmp_path), "-q"]) == EXIT_BAD_INPUT
    assert "already holds an archive" in one_error(capsys)


def test_report_out_is_checked_before_building(read_only_dir: Path, capsys) -> None:
    assert main(["report", "BTC", "--demo", "-q", "--out", str(read_only_dir / "r.md")]) == EXIT_BAD_INPUT
    assert "--out" in one_error(capsys)
    assert capsys.readouterr().out == ""


def test_study_json_is_checked_before_the_table(real_store: Path, read_only_dir: Path, capsys) -> None:
    argv = ["study", "BTC", "--store", str(real_store), "--json", str(read_only_dir / "s.json")]
    assert main(argv) == EXIT_BAD_INPUT
    assert "--json" in one_error(capsys)


def test_a_store_mixed_by_an_older_version_takes_real_rows_only(tmp_path: Path, capsys) -> None:
    from derivintel.core.errors import MixedStoreError
    from derivintel.sources.demo import build_demo_snapshot

    db = tmp_path / "old.duckdb"
    snap = build_demo_snapshot("BTC", (), seed=7)
    with HistoryStore(db) as st:
        st.write_snapshot(snap)
        st.con.execute("UPDATE candles SET synthetic = false WHERE ts_event = (SELECT min(ts_event) FROM candles)")
    with HistoryStore(db) as st:
        assert st.content_kind() == "mixed"
        with pytest.raises(MixedStoreError):
            st.write_snapshot(snap)
    assert main(["store", "--store", str(db)]) == 0
    assert "content          mixed" in capsys.readouterr().out
    f = tmp_path / "BTCUSDT-4h-2024-01.csv"
    f.write_text(HEADER + "\n" + f"{T0},42000,42500,41800,42100,100,{T0 + H4 - 1},4210000,10,50,2105000,0\n")
    assert main(["import", "binance-vision", str(f), "--store", str(db)]) == 0


def test_piped_study_keeps_signal_names_and_writes_its_json(tmp_path: Path, capsys) -> None:
    """stdout is not a terminal under pytest (like a pipe): names are never cut to ``fundi…``."""
    from tests.realdata import real_path

    db = tmp_path / "real.duckdb"
    files = [real_path("perp_history", "binance_btcusdt_um", f) for f in ("futures_BTCUSDT_4h.csv",
             "futures_BTCUSDT_funding.csv")]  # fmt: skip
    assert main(["import", "binance-vision", *map(str, files), "--store", str(db)]) == 0
    out_json = tmp_path / "study.json"
    argv = ["study", "BTC", "--store", str(db), "--horizons", "1", "--boot", "100", "--json", str(out_json)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    assert "funding_z_le_-2" in out
    assert out_json.exists()


def test_piped_import_summary_is_one_line(tmp_path: Path, capsys) -> None:
    """stderr is not a terminal under pytest (rich would wrap at 80 columns): the summary stays one line."""
    f = tmp_path / "vix.csv"
    f.write_text("date,value\n2024-01-02,13.2\n2024-01-03,-5\n2099-01-01,14\n2024-01-05,\nxx,3\n2024-01-09,abc\n")
    assert main(["import", "series", "vix", str(f), "--store", str(tmp_path / "s.duckdb")]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert len(first) > 120
    assert first.startswith("1 file(s); macro: 1 new of 1 read; 5 row(s) dropped (")
    assert first.endswith("1 not a number, 1 outside vix's range 1..200)")
