"""``derivintel scan``: demo (synthetic, ≥ 50 perps), live against the fake venues, formats, bad flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivintel.app.cli import main
from derivintel.sources import registry
from tests.sources.fakeserver import FakeVenues


def _json(capsys, argv: list[str]) -> dict:
    assert main(["scan", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_demo_lists_at_least_50_perps_across_the_venues_marked_synthetic(capsys):
    data = _json(capsys, ["--demo"])
    assert data["synthetic"] is True
    assert "SYNTHETIC" in data["synthetic_note"]
    assert data["counts"]["perps"] >= 50
    assert {p["venue"] for p in data["perps"]} == {"binance", "bybit", "okx", "hyperliquid", "bitget", "gate"}
    assert all(p["synthetic"] and p["source"].startswith("demo/") and p["as_of"] for p in data["perps"])
    # every empty cell has its reason; a Binance row (no bulk OI) says so instead of showing 0
    binance = next(p for p in data["perps"] if p["venue"] == "binance")
    assert binance["oi_usd"] is None
    assert "oi_usd" in binance["missing"]
    # the demo's hot coin: funding far above its synthetic history
    assert data["rankings"]["funding_high"][0]["base"] == "WIF"
    wif = next(a for a in data["assets"] if a["base"] == "WIF")
    assert wif["funding_z"] >= 3
    assert data["rankings"]["oi_surge"][0]["base"] == "SUI"


def test_demo_filters_venue_and_min_oi(capsys):
    data = _json(capsys, ["--demo", "--venue", "okx", "--venue", "bybit", "--min-oi", "1e9", "--top", "3"])
    assert {p["venue"] for p in data["perps"]} <= {"okx", "bybit"}
    assert all(a["oi_usd"] >= 1e9 for a in data["assets"])
    assert all(len(v) <= 3 for v in data["rankings"].values())


def test_table_and_html_say_synthetic(capsys):
    assert main(["scan", "--demo", "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("*** SYNTHETIC")
    assert "Cross-venue funding spread" in text
    assert "WIF" in text
    assert main(["scan", "--demo", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "<table" in page
    assert "SYNTHETIC" in page


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--format", "xml"], "--format must be one of"),
        (["--min-oi", "-5"], "--min-oi must be a non-negative"),
        (["--top", "0"], "--top must be between"),
        (["--venue", "ftx"], "is not a scanned venue"),
        (["--oi-top", "5"], "does not apply to --demo"),
        (["--store", "x.duckdb"], "--demo uses its own synthetic history"),
    ],
)
def test_bad_flags_are_one_line_exit_2(capsys, argv, words):
    assert main(["scan", "--demo", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_demo_venues_are_the_registered_scan_venues():
    from derivintel.sources.demo.scan import SCAN_VENUES
    from derivintel.sources.scan_fetch import scan_venue_names

    assert scan_venue_names() == SCAN_VENUES


def _config(path: Path, base: str) -> Path:
    lines = ["[sources]", "timeout_s = 2.0", "max_retries = 1", "backoff_base_s = 0.01", "backoff_max_s = 0.02"]
    lines += ["rate_limit_scale = 1000.0", "", "[sources.base_urls]"]
    lines += [f'"{name}" = "{base}/{name}"' for name in registry.PROVIDERS]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_live_scan_against_fake_venues_with_a_failing_venue(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVINTEL_HOME", str(tmp_path / "home"))  # no default store
    with FakeVenues() as fake:
        fake.faults["bybit"] = "500"
        cfg = _config(tmp_path / "sources.toml", fake.url)
        data = _json(capsys, ["--config", str(cfg)])
    assert data["synthetic"] is False
    assert {p["venue"] for p in data["perps"]} == {"binance", "okx", "hyperliquid", "bitget", "gate"}
    assert any(g["source"] == "bybit" and g["kind"] == "unavailable" for g in data["gaps"])
    btc = next(a for a in data["assets"] if a["base"] == "BTC")
    assert btc["venues"] == ["binance", "okx", "hyperliquid", "bitget", "gate"]  # bybit is a gap, not a zero row
    assert btc["funding_z"] is None
    assert btc["missing"]["funding_z"] == "no history store given"
