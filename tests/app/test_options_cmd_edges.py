"""``derivintel options`` on damaged chains: cut files, duplicated rows, negative OI, mixed currencies, a --spot far
from the index, a chain too large for memory: one line and exit 2 (or a warning), never wrong numbers with rc 0."""

from __future__ import annotations

import json
from pathlib import Path

from derivintel.app.cli import main
from tests.realdata import real_path

SNAPSHOT = ("deribit_options", "svcj_snapshots", "deribit_options_snapshot_20260327T045944Z.csv")


def _errors(capsys) -> tuple[list[str], str]:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return [ln for ln in captured.err.splitlines() if ln.startswith("derivintel: error:")], captured.out


def test_chain_cut_at_200_kb_is_refused(tmp_path: Path, capsys) -> None:
    cut = tmp_path / "cut.csv"
    cut.write_bytes(real_path(*SNAPSHOT).read_bytes()[:200_000])
    assert main(["options", str(cut), "--currency", "BTC"]) == 2
    errors, out = _errors(capsys)
    assert len(errors) == 1
    assert "truncated" in errors[0]
    assert out == ""


def test_chain_cut_at_a_line_end_without_newline_is_refused(tmp_path: Path, capsys) -> None:
    raw = real_path(*SNAPSHOT).read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(raw[: raw.index(b"\n", 200_000)])  # whole rows, but no final newline: a cut file
    assert main(["options", str(cut), "--currency", "BTC"]) == 2
    assert "no newline after the last row" in _errors(capsys)[0][0]


def test_duplicated_rows_are_refused(tmp_path: Path, capsys) -> None:
    lines = real_path(*SNAPSHOT).read_text().splitlines(keepends=True)
    dup = tmp_path / "dup.csv"
    dup.write_text("".join(lines + lines[1:]))
    assert main(["options", str(dup), "--currency", "BTC"]) == 2
    assert "listed more than once" in _errors(capsys)[0][0]


def test_negative_open_interest_is_refused(tmp_path: Path, capsys) -> None:
    lines = real_path(*SNAPSHOT).read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    oi = header.index("open_interest")
    row = lines[1].rstrip("\n").split(",")
    row[oi] = "-" + row[oi]
    bad = tmp_path / "neg.csv"
    bad.write_text("".join([lines[0], ",".join(row) + "\n", *lines[2:]]))
    assert main(["options", str(bad), "--currency", "BTC"]) == 2
    assert "negative open interest" in _errors(capsys)[0][0]


def test_mixed_file_analyses_each_currency(capsys) -> None:
    assert main(["options", str(real_path(*SNAPSHOT)), "--format", "json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert [c["currency"] for c in data["chains"]] == ["BTC", "ETH"]
    assert "BTC and ETH analyzed separately" in captured.err
    assert main(["options", str(real_path(*SNAPSHOT)), "--format", "json", "--currency", "eth"]) == 0
    assert json.loads(capsys.readouterr().out)["currency"] == "ETH"
    assert main(["options", str(real_path(*SNAPSHOT)), "--currency", "SOL"]) == 2
    assert "no SOL options" in _errors(capsys)[0][0]
    assert main(["options", str(real_path(*SNAPSHOT)), "--spot", "70000"]) == 2
    assert "add --currency" in _errors(capsys)[0][0]


def test_spot_far_from_the_index_is_warned(capsys) -> None:
    path = str(real_path(*SNAPSHOT))
    assert main(["options", path, "--currency", "BTC", "--spot", "80000", "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert "warning: --spot 80,000.00 is +16.7% from the BTC chain's index" in err
    assert main(["options", path, "--currency", "BTC", "--spot", "69000", "--format", "json"]) == 0
    assert "warning" not in capsys.readouterr().err  # 0.7% from the index


def test_a_chain_too_large_for_memory_is_one_line(monkeypatch, capsys) -> None:
    import derivintel.app.options_cmd as cmd

    def out_of_memory(*_a, **_k):
        raise MemoryError("Unable to allocate 90.0 GiB")

    monkeypatch.setattr(cmd, "analyze_chain", out_of_memory)
    assert main(["options", str(real_path(*SNAPSHOT)), "--currency", "BTC"]) == 2
    errors, _ = _errors(capsys)
    assert len(errors) == 1
    assert "too large to analyze in this machine's memory" in errors[0]


def test_import_deribit_chain_refuses_damaged_files_and_stores_nothing(tmp_path: Path, capsys) -> None:
    from derivintel.store import HistoryStore

    good = real_path(*SNAPSHOT)
    lines = good.read_text().splitlines(keepends=True)
    dup = tmp_path / "dup.csv"
    dup.write_text("".join(lines + lines[1:]))
    cut = tmp_path / "cut.csv"
    cut.write_bytes(good.read_bytes()[:200_000])
    db = tmp_path / "s.duckdb"
    for bad, message in ((dup, "listed more than once"), (cut, "truncated")):
        assert main(["import", "deribit-chain", str(good), str(bad), "--store", str(db)]) == 2
        errors, _ = _errors(capsys)
        assert len(errors) == 1
        assert message in errors[0]
    with HistoryStore(db) as st:
        assert st.row_counts()["option_rows"] == 0  # the good file of the same command was not stored either
    assert main(["import", "deribit-chain", str(good), "--store", str(db)]) == 0
    with HistoryStore(db) as st:
        assert st.row_counts()["option_rows"] == 1006  # the BTC rows of the BTC+ETH snapshot
