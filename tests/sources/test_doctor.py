"""``derivintel doctor`` against the loopback fake venues: clean venues pass; a venue that starts answering
double-sided OI or settling every 8h where 4h is declared makes it fail (exit 1)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from derivintel.app.cli import main
from derivintel.sources.archive import save_raw
from derivintel.sources.doctor import Verdict, failed, run_checks
from derivintel.sources.live import fetch_raw
from tests.sources.fakeserver import FIXTURES, FakeVenues


def _fetch(venues: FakeVenues) -> list:
    responses, failures, _ = asyncio.run(fetch_raw(["BTC"], config=venues.config()))
    assert not failures
    return responses


def _saved(tmp_path: Path, overrides: dict[tuple[str, str], bytes] | None = None) -> Path:
    with FakeVenues(overrides=dict(overrides or {})) as venues:
        responses = _fetch(venues)
    out = tmp_path / "snap"
    save_raw(responses, out)
    return out


def _bybit_tickers(**changes: str) -> bytes:
    obj = json.loads((FIXTURES / "bybit" / "tickers.json").read_bytes())
    obj["result"]["list"][0].update(changes)
    return json.dumps(obj).encode()


def test_doctor_on_a_saved_snapshot_prints_the_table_and_passes(tmp_path: Path, capsys) -> None:
    rc = main(["doctor", "--from", str(_saved(tmp_path))])
    out = capsys.readouterr().out
    assert rc == 0, out
    for column in ("endpoint", "check", "result", "evidence"):
        assert column in out
    for check in ("envelope", "timestamps", "OI sidedness", "funding interval", "contract size", "OI cross-venue"):
        assert check in out
    assert "0 failed" in out


def test_doctor_fails_when_bybit_starts_answering_double_sided_oi(tmp_path: Path, capsys) -> None:
    # The one-side field now carries both sides (the venue's own singleOpenInterestValue unchanged).
    double = _bybit_tickers(singleOpenInterest="110000.246")
    rc = main(["doctor", "--from", str(_saved(tmp_path, {("bybit", "tickers"): double}))])
    out = capsys.readouterr().out
    assert rc == 1
    assert "conventions no longer holding: bybit/tickers BTC OI sidedness" in out


def test_doctor_fails_when_binance_open_interest_doubles() -> None:
    body = json.loads((FIXTURES / "binance" / "openInterest.json").read_bytes())
    body["openInterest"] = str(float(body["openInterest"]) * 2)
    with FakeVenues(overrides={("binance-usdm", "openInterest"): json.dumps(body).encode()}) as venues:
        checks = run_checks(_fetch(venues), ["BTC"])
    assert [(c.endpoint, c.check) for c in failed(checks)] == [("binance-usdm/openInterest BTC", "OI sidedness")]


def test_doctor_fails_on_8h_settlements_where_4h_is_declared(tmp_path: Path, capsys) -> None:
    four = _bybit_tickers(fundingIntervalHour="4")  # funding-history fixture settles every 8h
    rc = main(["doctor", "--from", str(_saved(tmp_path, {("bybit", "tickers"): four}))])
    out = capsys.readouterr().out
    assert rc == 1
    assert "declared 4h" in out
    assert "bybit/funding-history BTC funding interval" in out.rsplit("conventions no longer holding", 1)[1]


def test_doctor_flags_a_timestamp_outside_the_venues_life() -> None:
    obj = json.loads((FIXTURES / "bybit" / "open-interest.json").read_bytes())
    obj["result"]["list"][2]["timestamp"] = "1717"  # 1970 in any unit
    with FakeVenues(overrides={("bybit", "open-interest"): json.dumps(obj).encode()}) as venues:
        checks = run_checks(_fetch(venues), ["BTC"])
    (bad,) = failed(checks)
    assert (bad.endpoint, bad.check) == ("bybit/open-interest BTC", "timestamps")
    assert "[2].timestamp" in bad.evidence


def test_doctor_marks_unanswered_endpoints_not_applicable() -> None:
    with FakeVenues(faults={"okx": "451"}) as venues:
        responses, failures, _ = asyncio.run(fetch_raw(["BTC"], config=venues.config()))
    checks = run_checks(responses, ["BTC"], failures)
    okx = [c for c in checks if c.endpoint.startswith("okx/")]
    assert okx
    assert all(c.verdict is Verdict.NA for c in okx)
    assert not failed(checks)


@pytest.mark.parametrize("args", [["doctor", "--from", "/nonexistent/dir"], ["doctor", "XYZ123", "--from", "."]])
def test_doctor_bad_input_is_one_line_and_exit_2(args: list[str], capsys) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def _config_file(tmp_path: Path, venues: FakeVenues) -> Path:
    lines = ["[sources]", "timeout_s = 2.0", "max_retries = 1", "backoff_base_s = 0.01", "backoff_max_s = 0.02"]
    lines += ["retry_after_cap_s = 0.01", "rate_limit_scale = 1000.0", "", "[sources.base_urls]"]
    lines += [f'"{name}" = "{url}"' for name, url in venues.config().base_urls.items()]
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_doctor_fetches_one_answer_per_endpoint_when_not_given_a_snapshot(tmp_path: Path, capsys, monkeypatch) -> None:
    for var in ("COINGLASS_API_KEY", "DERIVINTEL_COINGLASS_KEY", "CRYPTOQUANT_API_KEY", "DERIVINTEL_CRYPTOQUANT_KEY"):
        monkeypatch.delenv(var, raising=False)
    with FakeVenues() as venues:
        rc = main(["doctor", "BTC", "--config", str(_config_file(tmp_path, venues))])
        hits = set(venues.hits)
    out = capsys.readouterr().out
    assert rc == 0, out
    assert ("bybit", "instruments-info") in hits
    assert ("okx", "open-interest") in hits
    assert "0 failed" in out


def test_doctor_checks_bitget_and_gate_oi_units() -> None:
    """Clean fixtures pass; a Gate ticker whose total_size counts both sides, or a Bitget ticker whose
    holdingAmount doubles, fails the venue's own check (and nothing else of that venue)."""
    with FakeVenues() as venues:
        clean = run_checks(_fetch(venues), ["BTC"])
    mine = [c for c in clean if c.endpoint.startswith(("bitget/", "gate/"))]
    assert {c.check for c in mine} >= {"OI unit", "OI sidedness", "contract size", "funding interval"}
    assert not failed(mine)
    tickers = json.loads((FIXTURES / "gate" / "tickers.json").read_bytes())
    tickers[0]["total_size"] = str(float(tickers[0]["total_size"]) * 2)
    ticker = json.loads((FIXTURES / "bitget" / "ticker.json").read_bytes())
    ticker["data"][0]["holdingAmount"] = str(float(ticker["data"][0]["holdingAmount"]) * 2)
    overrides = {("gate", "tickers"): json.dumps(tickers).encode(), ("bitget", "ticker"): json.dumps(ticker).encode()}
    with FakeVenues(overrides=overrides) as venues:
        checks = run_checks(_fetch(venues), ["BTC"])
    bad = {(c.endpoint, c.check) for c in failed(checks)}
    assert ("gate/contract BTC", "OI sidedness") in bad
    assert ("bitget/ticker BTC", "OI unit") in bad
