"""Observed positions end to end: the collector against the loopback fake server, then `derivintel positions`."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from derivintel.app.cli import main
from derivintel.sources.hyperliquid.poller import PollLimits, fetch_discovery, http_reader
from derivintel.store import HistoryStore
from derivintel.store.positions_collect import run_positions_collector
from derivintel.store.positions_store import PositionsStore
from tests.sources.fakeserver import FIXTURES, FakeVenues

A, B, C = ("0x" + ch * 40 for ch in "abc")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def _account_body(now_ms: int) -> bytes:
    obj = json.loads((FIXTURES / "hyperliquid" / "clearinghouseState.json").read_bytes())
    obj["time"] = now_ms
    return json.dumps(obj).encode()


def test_collector_rounds_skip_failed_account_and_retry_next_round(tmp_path) -> None:
    now = datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    ticks = iter(now + timedelta(minutes=5 * i) for i in range(100))
    clock_now = [now]

    def clock() -> datetime:
        return clock_now[0]

    calls: Counter[str] = Counter()

    def handler(args):
        calls[args["user"]] += 1
        if args["user"] == C and calls[C] <= 4:  # the whole first round (two passes x two attempts) fails
            return 429, b'{"error":"rate limited"}'
        return _account_body(int(clock_now[0].timestamp() * 1000))

    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        clock_now[0] = next(ticks) + timedelta(minutes=5)

    with FakeVenues() as venues, HistoryStore(tmp_path / "h.duckdb") as store:
        venues.handlers[("hyperliquid", "clearinghouseState")] = handler
        config = venues.config()
        lines: list[str] = []
        state = run_positions_collector(
            store,
            discover=lambda: asyncio.run(fetch_discovery(["BTC"], config, clock=clock)),
            read=http_reader(config, PollLimits(), clock=clock),
            every_s=300.0,
            rounds=2,
            clock=clock,
            sleep=sleep,
            on_status=lambda s: lines.append(s.line),
        )
        ps = PositionsStore(store)
        counts = ps.counts()
        first = ps.observed_positions("BTC", as_of=now, max_age=timedelta(minutes=1))
        second = ps.observed_positions("BTC", as_of=clock_now[0], max_age=timedelta(minutes=1))
    assert state.rounds == 2
    assert len(sleeps) == 1
    r1, r2 = state.history
    assert r1.new_addresses == 3
    assert r1.known_addresses == 3
    assert r1.poll is not None
    assert [a for a, _ in r1.poll.failures] == [C]
    assert "1 failed (skipped, retried next round)" in lines[0]
    assert r2.new_addresses == 0
    assert r2.poll is not None
    assert r2.poll.failures == ()
    assert len(r2.poll.read) == 3  # C answered in the next round
    assert counts["hl_poll_failures"] == 1
    assert counts["hl_account_snapshots"] == 5
    assert first is not None
    assert (first.accounts_observed, first.accounts_failed) == (2, 1)  # C unknown in round 1, not flat
    assert second is not None
    assert (second.accounts_observed, second.accounts_failed) == (3, 0)
    assert not any(ADDRESS.search(line) for line in lines)


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_cli_collect_then_positions_json_and_table(backend, tmp_path, monkeypatch, capsys) -> None:
    def handler(_args):
        return _account_body(int(time.time() * 1000))

    if backend == "chdb":
        pytest.importorskip("chdb", reason="chdb not installed (pip install -e '.[dev]')")
    store = tmp_path / "h.duckdb" if backend == "duckdb" else f"chdb:{tmp_path / 'h'}"
    with FakeVenues() as venues:
        venues.handlers[("hyperliquid", "clearinghouseState")] = handler
        monkeypatch.setenv("DERIVINTEL_HYPERLIQUID_URL", f"{venues.url}/hyperliquid")
        argv = ["collect-positions", "BTC", "--every", "5m", "--rounds", "1", "--discovery", "rest"]
        code = main([*argv, "--store", str(store)])
    assert code == 0
    assert "3 account(s) read" in capsys.readouterr().err
    assert main(["positions", "BTC", "--store", str(store), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "ok"
    assert doc["accounts_observed"] == 3
    assert doc["positions"] == 3  # one BTC long of 0.2 per account
    assert doc["reference_price_usd"] == 65001.0
    assert doc["coverage_frac"] == pytest.approx(3 * 0.2 / (2 * 20000.5))
    assert doc["long_clusters"][0]["notional_usd"] == pytest.approx(3 * 0.2 * 65001.0, rel=1e-6)
    assert doc["short_clusters"] == []
    assert main(["positions", "BTC", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "observed liquidation levels" in out
    assert "coverage" in out
    assert not ADDRESS.search(out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["positions", "BTC", "--max-age", "soon"], "--max-age must look like"),
        (["positions", "NOTACOIN1"], "unknown symbol"),
        (["collect-positions", "BTC", "--budget-share", "2"], "--budget-share"),
        (["collect", "positions", "BTC", "--demo"], "no accounts to poll"),
        (["collect", "positions", "BTC", "--every", "soon"], "--every must look like"),
        (["collect-positions", "BTC", "--discovery", "smoke"], "--discovery must be ws, rest or both"),
        (["collect-positions", "BTC", "--ws-url", "http://x"], "--ws-url expects"),
    ],
)
def test_bad_input_one_line_exit_2(argv, message, tmp_path, capsys) -> None:
    assert main([*argv, "--store", str(tmp_path / "h.duckdb")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_positions_without_collected_data(tmp_path, capsys) -> None:
    store = tmp_path / "h.duckdb"
    HistoryStore(store).close()
    assert main(["positions", "BTC", "--store", str(store)]) == 2
    assert "collect positions" in capsys.readouterr().err


def test_import_real_historical_trades_is_idempotent(tmp_path, capsys) -> None:
    from tests.realdata import real_path

    csv_path = real_path("hyperliquid", "hl_historical_non_mm_trades_2023.csv")
    store = tmp_path / "h.duckdb"
    assert main(["import", "hl-trades", str(csv_path), "--store", str(store)]) == 0
    first = capsys.readouterr().err
    assert "35691 trades" in first
    assert main(["import", "hl-trades", str(csv_path), "--store", str(store)]) == 0
    assert "+0 new address(es)" in capsys.readouterr().err
    with HistoryStore(store) as st:
        ps = PositionsStore(st)
        known = ps.addresses()
        n_sightings = ps.counts()["hl_sightings"]
    assert f"+{len(known)} new address(es)" in first
    assert sum(k.trades for k in known) == n_sightings
    top = known[0]  # most traded notional first (no account read yet)
    assert top.notional_usd == max(k.notional_usd for k in known)
    assert top.first_seen <= top.last_seen
    assert not ADDRESS.search(first)


def test_import_bad_file_one_line(tmp_path, capsys) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    assert main(["import", "hl-trades", str(bad), "--store", str(tmp_path / "h.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "not a Hyperliquid trades CSV" in err
    assert err.count("\n") == 1
