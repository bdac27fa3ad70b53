"""Crash safety: SIGKILL a writer mid-way; the store reopens with whole batches only, no duplicates; a re-run
completes the data. On every backend (DuckDB: a transaction per batch; chDB: a MergeTree part per batch)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from derivintel.store import HistoryStore

BATCHES = 120
BATCH_ROWS = 500

WRITER = textwrap.dedent(
    f"""
    import sys
    from datetime import UTC, datetime
    import numpy as np
    from derivintel.core.provenance import Source
    from derivintel.domain.series import CandleSeries
    from derivintel.store import HistoryStore

    src = Source("killtest", "batches", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
    with HistoryStore(sys.argv[1]) as store:
        for b in range({BATCHES}):
            ts = (np.arange({BATCH_ROWS}) + b * {BATCH_ROWS}).astype("int64") * 60_000
            x = np.full({BATCH_ROWS}, float(b))
            s = CandleSeries("v", "BTC", "perp", 60, ts.astype("datetime64[ms]"), x, x, x, x, x, None, src)
            store.write_candles(s)
            print(b, flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigkill_mid_write_keeps_whole_batches(tmp_path: Path, store_at) -> None:
    db = store_at(tmp_path, "kill")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen([sys.executable, str(script), db], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    committed = -1
    for line in proc.stdout:  # wait until a few batches are committed, then kill while it keeps writing
        committed = int(line)
        if committed >= 8:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with HistoryStore(db) as store:
        n, distinct = store._exec(
            "SELECT count(*), count(DISTINCT (venue, asset, market, interval_s, ts_event)) FROM candles"
        )[0]
        per_batch = store._exec("SELECT open, count(*) FROM candles GROUP BY open")
    assert n == distinct  # no duplicates
    assert n % BATCH_ROWS == 0
    assert n >= (committed + 1) * BATCH_ROWS
    assert all(c == BATCH_ROWS for _, c in per_batch)
    assert n < BATCHES * BATCH_ROWS, "writer finished before the kill; the test did not interrupt it"
    rerun = subprocess.run([sys.executable, str(script), db], capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    with HistoryStore(db) as store:
        assert store.row_counts()["candles"] == BATCHES * BATCH_ROWS
