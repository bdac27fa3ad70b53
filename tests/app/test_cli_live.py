"""The live path through the CLI against the loopback fake venues: fetch, save, replay, no-price exit code."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from derivintel.app.cli import main
from derivintel.sources import registry
from tests.sources.fakeserver import FakeVenues


def _write_config(path: Path, base: str, **extra: float) -> Path:
    settings = {
        "timeout_s": 2.0,
        "max_retries": 1,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.02,
        "rate_limit_scale": 1000.0,
        **extra,
    }
    lines = ["[sources]"] + [f"{k} = {v}" for k, v in settings.items()] + ["", "[sources.base_urls]"]
    lines += [f'"{name}" = "{base}/{name}"' for name in registry.PROVIDERS]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    """The instrument cache (and default store) of these runs lives in a temporary data directory."""
    monkeypatch.setenv("DERIVINTEL_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def venues():
    with FakeVenues(sleep_s=0.2) as fake:
        yield fake


def _report_json(argv: list[str], out: Path) -> dict:
    assert main([*argv, "-q", "--format", "json", "--out", str(out)]) == 0
    return json.loads(out.read_text())


def test_live_report_from_fake_venues_is_not_synthetic(venues, tmp_path):
    cfg = _write_config(tmp_path / "sources.toml", venues.url)
    data = _report_json(["report", "BTC", "--secondary", "ETH", "--config", str(cfg)], tmp_path / "live.json")
    assert data["synthetic"] is False
    assert data["banner"] is None
    price = next(m for p in data["phases"] for m in p["metrics"] if m["key"] == "price.last")
    assert price["value"] is not None
    assert "demo" not in price["source"]


def test_snapshot_save_then_replay_is_reproducible(venues, tmp_path):
    cfg = _write_config(tmp_path / "sources.toml", venues.url)
    archive = tmp_path / "snap"
    assert main(["snapshot", "save", "BTC", "--out", str(archive), "--config", str(cfg), "-q"]) == 0
    manifest = json.loads((archive / "manifest.json").read_text())
    assert len(manifest["responses"]) > 40  # every endpoint's raw response, byte for byte
    first = _report_json(["report", "BTC", "--from", str(archive)], tmp_path / "a.json")
    second = _report_json(["report", "BTC", "--from", str(archive)], tmp_path / "b.json")
    first.pop("generated_at")
    second.pop("generated_at")
    assert first == second
    assert first["synthetic"] is False


def test_replay_of_a_missing_archive_is_exit_2(tmp_path, capsys):
    assert main(["report", "BTC", "--from", str(tmp_path / "nope"), "-q"]) == 2
    assert "not a raw archive" in capsys.readouterr().err


def test_bad_config_file_is_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[sources\ntimeout_s = ")
    assert main(["report", "BTC", "--config", str(bad), "-q"]) == 2
    assert "cannot read source config" in capsys.readouterr().err


def test_no_price_source_is_exit_3_one_line(tmp_path, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = _write_config(tmp_path / "dead.toml", f"http://127.0.0.1:{port}", total_timeout_s=10.0)
    assert main(["report", "BTC", "--config", str(cfg), "-q"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("derivintel: no data: no price source answered for BTC")


def test_live_report_reads_collected_liquidations_from_the_store(venues, tmp_path):
    from datetime import UTC, datetime, timedelta

    from derivintel.core.provenance import Source
    from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
    from derivintel.store import HistoryStore

    now = datetime.now(UTC)
    event_time = now - timedelta(hours=1)
    src = Source("bybit", "allLiquidation", event_time, event_time)
    db = tmp_path / "history.duckdb"
    with HistoryStore(db) as st:
        st.write_liquidations([LiquidationEvent("bybit", "BTC", LiquidatedSide.LONG, 65_000.0, 2.0, src)])
    cfg = _write_config(tmp_path / "sources.toml", venues.url)
    data = _report_json(["report", "BTC", "--config", str(cfg), "--store", str(db)], tmp_path / "r.json")
    metrics = {m["key"]: m for p in data["phases"] for m in p["metrics"]}
    assert metrics["cascade.realised.long_24h_usd"]["value"] == 130_000.0
    assert metrics["cascade.realised.bybit.long_24h_usd"]["source"] == "bybit/allLiquidation"


def test_live_report_reads_collected_positions_from_the_store(venues, tmp_path):
    from datetime import UTC, datetime, timedelta

    from derivintel.core.provenance import Source
    from derivintel.domain.positions import AccountState, MarginSummary, ObservedPosition
    from derivintel.store import HistoryStore
    from derivintel.store.positions_store import PositionsStore

    read_at = datetime.now(UTC) - timedelta(minutes=10)
    db = tmp_path / "history.duckdb"
    with HistoryStore(db) as st:
        ps = PositionsStore(st)
        for i, (size, liq) in enumerate(((2.0, 1_000.0), (-1.0, 10_000_000.0))):
            position = ObservedPosition("BTC", size, 60_000.0, liq, 10.0, False, 10.0, abs(size) * 60_000.0)
            ps.write_account(
                AccountState(
                    "0x" + str(i) * 40,
                    (position,),
                    MarginSummary(50_000.0, abs(size) * 60_000.0, 100.0, 40_000.0),
                    Source("hyperliquid", "clearinghouseState", read_at, read_at),
                )
            )
    cfg = _write_config(tmp_path / "sources.toml", venues.url)
    without = _report_json(["report", "BTC", "--config", str(cfg)], tmp_path / "r0.json")
    data = _report_json(["report", "BTC", "--config", str(cfg), "--store", str(db)], tmp_path / "r.json")
    before = {m["key"]: m for p in without["phases"] for m in p["metrics"]}
    metrics = {m["key"]: m for p in data["phases"] for m in p["metrics"]}
    assert before["liquidity.observed.hyperliquid.positions"]["value"] is None
    assert metrics["liquidity.observed.hyperliquid.positions"]["value"] == 2
    assert metrics["liquidity.observed.hyperliquid.positions"]["source"].startswith("hyperliquid/clearinghouseState")


def test_live_symbols_come_from_the_venue_instrument_lists(venues, tmp_path, capsys):
    """A live ``report`` checks the symbol against the venues' instrument lists (here the loopback venues' recorded
    lists, cached in the data directory): a misspelt coin gets "did you mean" over every listed coin."""
    cfg = _write_config(tmp_path / "sources.toml", venues.url)
    assert main(["report", "ATMO", "--config", str(cfg), "-q"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("derivintel:")]
    assert errors == ["derivintel: error: unknown symbol 'ATMO': did you mean ATOM?"]
    cache = tmp_path / "home" / "instruments.json"
    assert json.loads(cache.read_text())["origin"]["okx"] == f"{venues.url}/okx"
    hits = len(venues.hits)
    assert main(["report", "ATMO", "--config", str(cfg), "-q"]) == 2  # within the TTL: the cache, no refetch
    assert len(venues.hits) == hits
