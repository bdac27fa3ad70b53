"""``HistoryStore.coverage`` and the ``store`` command: per table and series, span, observation times and gaps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from derivintel.app.cli import main
from derivintel.core.provenance import Source
from derivintel.domain.series import OpenInterestSeries
from derivintel.store import HistoryStore

SRC = Source("cov-test", "rows", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC))


def _oi(hours: np.ndarray) -> OpenInterestSeries:
    ts = (np.datetime64("2024-01-01T00:00", "ms") + hours * np.timedelta64(1, "h")).astype("datetime64[ms]")
    x = np.ones(len(hours))
    return OpenInterestSeries("v", "BTC", 3600, ts, x, x, SRC)


def test_a_hole_longer_than_twice_the_step_is_one_gap(tmp_path: Path, store_at, capsys) -> None:
    hours = np.concatenate([np.arange(10), np.arange(14, 20)])  # 10:00-13:00 missing
    db = store_at(tmp_path, "h")
    with HistoryStore(db) as st:
        st.write(_oi(hours))
        st.write(OpenInterestSeries("w", "ETH", 3600, _oi(np.arange(3)).ts, np.ones(3), np.ones(3), SRC))
        cov = {c.series: c for c in st.coverage()}
    btc = cov["v/BTC/3600"]
    assert (btc.table, btc.times, btc.gaps) == ("open_interest", 16, 1)
    assert (btc.first, btc.last) == (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, 19, tzinfo=UTC))
    assert cov["w/ETH/3600"].gaps == 0
    assert main(["store", "--store", db]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "v/BTC/3600" in ln)
    assert line.split()[-2:] == ["16", "1"]
    assert "2024-01-01 00:00 .. 2024-01-01 19:00" in line
