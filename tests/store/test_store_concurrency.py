"""Many writers and readers on one store at once (docs/history.md, "Many writers and readers").

A collector (``collect --demo``) and a batch writer run as separate processes while ``report --asof``, ``study`` and
``store`` run repeatedly against the same file: every process exits 0, every batch the writer says it committed is
stored, and no lock error surfaces. The store is SYNTHETIC (the demo scenario plus a seeded 4h random walk long enough
for the event study), as the demo collector only writes into a synthetic store.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries, FundingSeries
from derivintel.sources.demo import DEMO_AS_OF, build_demo_snapshot
from derivintel.store import HistoryStore
from derivintel.store.history_store import connect_with_retry

BATCHES = 60
BATCH_ROWS = 200

WRITER = textwrap.dedent(
    f"""
    import sys
    from datetime import UTC, datetime
    import numpy as np
    from derivintel.core.provenance import Source
    from derivintel.domain.series import CandleSeries
    from derivintel.store import HistoryStore

    src = Source("conc", "batches", datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC), True)
    store = HistoryStore(sys.argv[1])
    for b in range({BATCHES}):
        ts = (np.arange({BATCH_ROWS}) + b * {BATCH_ROWS}).astype("int64") * 60_000
        x = np.full({BATCH_ROWS}, float(b))
        s = CandleSeries("conc-writer", "XRP", "perp", 60, ts.astype("datetime64[ms]"), x, x, x, x, x, None, src)
        assert store.write_candles(s) == {BATCH_ROWS}
        print(b, flush=True)
    store.close()
    """
)


def _synthetic_4h_history(db: str) -> None:
    """Demo snapshot + 2 years of seeded 4h perp/spot bars and 8h funding (SYNTHETIC), ending at the demo's as_of."""
    rng = np.random.default_rng(11)
    n = 6 * 730
    end = DEMO_AS_OF.replace(minute=0, second=0, microsecond=0) - timedelta(hours=8)
    start = end - timedelta(hours=4 * n)
    ts = (np.datetime64(start.replace(tzinfo=None), "ms") + np.arange(n) * np.timedelta64(4, "h")).astype(
        "datetime64[ms]"
    )
    close = 30_000.0 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.concatenate([[close[0]], close[:-1]])
    hi, lo = np.maximum(open_, close) * 1.002, np.minimum(open_, close) * 0.998
    vol = rng.uniform(100, 200, n)
    src = Source("synthetic-4h", "seeded random walk", end, end, True)
    f_ts = ts[::2]
    with HistoryStore(db) as st:
        st.write_snapshot(build_demo_snapshot("BTC", ("ETH",), seed=7))
        for market in ("perp", "spot"):
            st.write_candles(
                CandleSeries("binance-usdm", "BTC", market, 14_400, ts, open_, hi, lo, close, vol, None, src)
            )
        rates = rng.normal(1e-4, 1e-4, len(f_ts))
        st.write_funding(FundingSeries("binance-usdm", "BTC", f_ts, rates, np.full(len(f_ts), 8.0), src))


def _cli(log: Path, *args: str) -> subprocess.Popen[str]:
    """The CLI in its own process, stdout and stderr to ``log`` (files, not pipes: a full pipe would block it)."""
    with log.open("w") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "derivintel.app.cli", *args],
            stdout=fh,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
def test_collector_writer_and_readers_share_one_store(tmp_path: Path, store_at) -> None:
    db = store_at(tmp_path, "shared")  # every backend (tests/store/conftest.py)
    _synthetic_4h_history(db)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    asof = (DEMO_AS_OF - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    writer = subprocess.Popen([sys.executable, str(script), db], stdout=subprocess.PIPE, text=True)
    collector = _cli(
        tmp_path / "collect.log", "collect", "BTC", "--demo", "--every", "1s", "--rounds", "3", "--store", db
    )
    readers: list[tuple[Path, subprocess.Popen[str]]] = []
    while writer.poll() is None or not readers:  # readers start again and again while the writer writes
        for name, argv in (
            ("report", ("report", "BTC", "--asof", asof, "--store", db, "-q", "--format", "json")),
            ("study", ("study", "BTC", "--horizons", "1", "--boot", "100", "--store", db)),
            ("store", ("store", "--store", db)),
        ):
            log = tmp_path / f"{name}-{len(readers)}.log"
            readers.append((log, _cli(log, *argv)))
        for _, proc in readers[-3:]:
            proc.wait(timeout=300)
    out, _ = writer.communicate(timeout=300)
    assert writer.returncode == 0
    assert out.split()[-1] == str(BATCHES - 1)
    assert collector.wait(timeout=300) == 0, (tmp_path / "collect.log").read_text()
    c_log = (tmp_path / "collect.log").read_text()
    assert c_log.count(" UTC  +") == 3  # one status line per round, none failed
    assert "failed" not in c_log
    assert len(readers) >= 3
    for log, proc in readers:
        assert proc.wait() == 0, f"{log.name}: {log.read_text()[-2000:]}"
        text = log.read_text().lower()
        assert "could not set lock" not in text, log.name
        assert "stayed locked" not in text, log.name
    with HistoryStore(db, read_only=True) as st:
        n, batches = st._exec("SELECT count(*), count(DISTINCT open) FROM candles WHERE venue = 'conc-writer'")[0]
        perps = st._exec("SELECT count(*) FROM perp_snapshots")[0][0]
    assert (n, batches) == (BATCHES * BATCH_ROWS, BATCHES)  # no batch lost
    assert perps >= 2 * 4  # the demo snapshot's 4 perps, and the collector's rounds on top


def test_lock_held_elsewhere_is_waited_for_then_refused(tmp_path: Path) -> None:
    """A lock another process holds is retried with back-off until the timeout, then refused in one line."""
    db = tmp_path / "h.duckdb"
    HistoryStore(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys,time; c=duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        clock = iter(range(1000))
        sleeps: list[float] = []
        from derivintel.core.errors import UserInputError

        with pytest.raises(UserInputError, match="stayed locked"):
            connect_with_retry(db, read_only=True, timeout_s=20, sleep=sleeps.append, clock=lambda: float(next(clock)))
        assert len(sleeps) == 19  # deadline read at t=0, attempts checked at t=1..20: 19 back-offs in between
        assert max(sleeps) <= 0.05 * 1.5  # back-off capped at 50 ms (±50 % jitter)
    finally:
        holder.kill()
        holder.wait()
    con = connect_with_retry(db, read_only=True, timeout_s=5)  # released: opens at once
    con.close()


def test_open_waits_for_a_writer_batch_then_reads(tmp_path: Path) -> None:
    """A reader that finds the lock taken by a writer's batch gets in once the batch is committed."""
    db = tmp_path / "h.duckdb"
    HistoryStore(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep(0.5); c.close()",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    with HistoryStore(db, read_only=True) as st:  # would raise "Could not set lock" without the retry
        assert st.row_counts()["candles"] == 0
    holder.wait()
