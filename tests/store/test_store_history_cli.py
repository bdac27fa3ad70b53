"""The history CLI functions, mounted on a local typer app the way the lead registers them."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from derivintel.app import history_cmd as h
from derivintel.core.errors import UserInputError
from derivintel.store import HistoryStore


def _app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(h.import_app, name="import")
    for name, fn in (("backfill", h.backfill), ("collect", h.collect), ("study", h.study), ("store", h.store_info)):
        app.command(name)(fn)
    return app


def test_parse_every() -> None:
    assert h.parse_every("5m") == 300
    assert h.parse_every("30s") == 30
    assert h.parse_every("1h") == 3600
    with pytest.raises(UserInputError):
        h.parse_every("5 minutes")


def test_collect_backfill_and_study_commands(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    app = _app()
    res = runner.invoke(app, ["collect", "BTC", "--demo", "--rounds", "1", "--every", "1s", "--store", str(db)])
    assert res.exit_code == 0, res.output
    with HistoryStore(db) as s:
        counts = s.row_counts()
    assert counts["candles"] > 0
    assert counts["perp_snapshots"] == 4
    res = runner.invoke(app, ["backfill", "BTC", "--days", "30", "--demo", "--store", str(db)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "study.json"
    res = runner.invoke(
        app, ["study", "BTC", "--store", str(db), "--horizons", "1", "--boot", "200", "--json", str(out)]
    )
    assert res.exit_code != 0  # the demo holds 1h candles only; the study grid needs 4h bars
    assert isinstance(res.exception, UserInputError)
