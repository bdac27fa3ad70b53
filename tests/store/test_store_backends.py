"""The backend seam: ``--store`` forms, ClickHouse parameter binding, replace-on-differ, and the maintenance commands
(``store compact``, ``store prune --before``) on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from derivintel.app.cli import main
from derivintel.core.errors import UserInputError
from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries, FundingSeries
from derivintel.store import HistoryStore, store_location
from derivintel.store.backends.clickhouse import bind, ddl
from derivintel.store.schema import CANDLES

SRC = Source("backend-test", "rows", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))


def _candles(closes: np.ndarray, start: str = "2024-01-01T00:00") -> CandleSeries:
    ts = (np.datetime64(start, "ms") + np.arange(len(closes)) * np.timedelta64(1, "h")).astype("datetime64[ms]")
    return CandleSeries("v", "BTC", "perp", 3600, ts, closes, closes, closes, closes, np.ones(len(closes)), None, SRC)


def test_store_forms(tmp_path: Path) -> None:
    assert store_location(tmp_path / "x.duckdb").backend == "duckdb"
    chdb = store_location(f"chdb:{tmp_path}/ch")
    assert (chdb.backend, chdb.path, str(chdb)) == ("chdb", tmp_path / "ch", f"chdb:{tmp_path}/ch")
    server = store_location("clickhouse://db.example:8123/derivintel")
    assert (server.backend, server.url) == ("clickhouse", "clickhouse://db.example:8123/derivintel")
    folded = store_location(Path("clickhouse://db.example:8123/derivintel"))  # typer's Path folds the "//"
    assert folded.url == "clickhouse://db.example:8123/derivintel"
    with pytest.raises(UserInputError, match="say the database"):
        store_location("clickhouse://db.example:8123")


def test_clickhouse_binding_quotes_every_parameter() -> None:
    sql = bind(
        "SELECT * FROM t WHERE a = ? AND ts <= ? AND n = ? AND x = ? AND b = ?",
        ["it's", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), 7, 0.5, True],
    )
    assert sql == (
        "SELECT * FROM t WHERE a = 'it\\'s' AND ts <= toDateTime64('2024-01-02 03:04:05.000000', 3, 'UTC') "
        "AND n = 7 AND x = 0.5 AND b = true"
    )
    with pytest.raises(ValueError, match="placeholders"):
        bind("SELECT ?", [])
    table = ddl(CANDLES)
    assert "ReplacingMergeTree(_version) ORDER BY (venue, asset, market, interval_s, ts_event)" in table
    assert "open Nullable(Float64)" in table
    assert "ts_event DateTime64(3, 'UTC')," in table


def test_replace_overwrites_only_rows_that_differ(tmp_path: Path, store_at) -> None:
    with HistoryStore(store_at(tmp_path, "r")) as st:
        assert st.write_candles(_candles(np.arange(5.0))) == 5
        kept = st.write_candles(_candles(np.arange(5.0) + 100))  # not replace: stored rows are left as they were
        assert (int(kept), kept.replaced) == (0, 0)
        fixed = np.arange(6.0)
        fixed[2] = 42.0
        w = st.write_candles(_candles(fixed), replace=True)
        assert (int(w), w.replaced) == (1, 1)  # hour 5 new, hour 2 corrected, the others identical
        (c,) = st.candle_series("BTC")
        np.testing.assert_array_equal(c.close, fixed)
        assert st.row_counts()["candles"] == 6


def test_prune_and_compact(tmp_path: Path, store_at, capsys) -> None:
    store = store_at(tmp_path, "p")
    with HistoryStore(store) as st:
        st.write_candles(_candles(np.arange(48.0)))  # 2024-01-01 00:00 .. 2024-01-02 23:00
        f_ts = np.array(["2024-01-01T00:00", "2024-01-01T08:00", "2024-01-02T00:00"], dtype="datetime64[ms]")
        st.write_funding(FundingSeries("v", "BTC", f_ts, np.full(3, 1e-4), np.full(3, 8.0), SRC))
    assert main(["store", "prune", "--before", "2024-01-02", "--kind", "candles", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "candles          24" in out
    assert "funding" not in out  # only the kind asked for
    assert main(["store", "prune", "--before", "2024-01-02T00:00Z", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "candles          0" in out
    assert "funding          2" in out
    with HistoryStore(store) as st:
        assert st.row_counts()["candles"] == 24
        assert st.row_counts()["funding"] == 1
        (c,) = st.candle_series("BTC")
        assert c.ts[0] == np.datetime64("2024-01-02T00:00", "ms")
    assert main(["store", "compact", "--store", store]) == 0
    lines = dict(line.rsplit(None, 1) for line in capsys.readouterr().out.splitlines()[1:])
    assert int(lines["bytes after"]) > 0
    assert int(lines["bytes after"]) <= int(lines["bytes before"])
    with HistoryStore(store) as st:  # compacting keeps every row and the keys (a re-write inserts nothing)
        assert st.row_counts()["candles"] == 24
        assert st.write_candles(_candles(np.arange(24.0) + 24, start="2024-01-02T00:00")) == 0


def test_compact_reclaims_deleted_space_in_duckdb(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "empty.duckdb") as st:
        _, empty = st.compact()  # the size of the tables' schema alone
    db = tmp_path / "big.duckdb"
    with HistoryStore(db) as st:
        st.write_candles(_candles(np.arange(100_000.0)))  # hourly 2024-01-01 .. 2035-05
        _, full = st.compact()
        assert st.prune(datetime(2040, 1, 1, tzinfo=UTC))["candles"] == 100_000  # every row
        _, after = st.compact()
    # DuckDB keeps freed blocks in the file until it is rewritten: the compacted file is back to the bare schema
    assert full - empty > 1_000_000
    assert after - empty < (full - empty) / 10


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["store", "prune", "--before", "2024-13-01"], "not a timestamp"),
        (["store", "prune", "--before", "2024-01-01", "--kind", "trades"], "not a stored kind"),
    ],
)
def test_bad_prune_input_is_one_line_exit_2(tmp_path: Path, argv: list[str], message: str, capsys) -> None:
    db = tmp_path / "h.duckdb"
    HistoryStore(db).close()
    assert main([*argv, "--store", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1


def test_unreachable_clickhouse_server_is_one_line_exit_2(capsys) -> None:
    pytest.importorskip("clickhouse_connect", reason="clickhouse-connect not installed (pip install '.[clickhouse]')")
    assert main(["store", "--store", "clickhouse://127.0.0.1:1/derivintel"]) == 2  # nothing listens on port 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("derivintel: error: cannot reach ClickHouse at clickhouse://127.0.0.1:1/derivintel")
    assert len(err.splitlines()) == 1


def test_server_empty_result_takes_its_columns_from_describe() -> None:
    """A ClickHouse server sends no bytes for an empty Native result over HTTP (no names, no types): the server
    backend gives the query's columns, typed as a non-empty result would be, from ``DESCRIBE (query)``."""
    pytest.importorskip("clickhouse_connect", reason="clickhouse-connect not installed (pip install '.[clickhouse]')")
    from derivintel.store.backends.clickhouse import ServerBackend

    described = [
        ("venue", "String"),
        ("ts_event", "DateTime64(3, 'UTC')"),
        ("oi_usd", "Nullable(Float64)"),
        ("n", "UInt64"),
        ("interval_s", "Nullable(Int32)"),
        ("synthetic", "Bool"),
    ]

    class EmptyResultClient:  # what clickhouse-connect answers for a query with no rows
        def __init__(self) -> None:
            self.asked: list[str] = []

        def query_df(self, sql: str) -> pd.DataFrame:
            self.asked.append(sql)
            return pd.DataFrame()

        def query(self, sql: str) -> Any:
            self.asked.append(sql)
            return SimpleNamespace(result_rows=described)

    client = EmptyResultClient()
    backend = ServerBackend(store_location("clickhouse://127.0.0.1:1/x"), read_only=True, lock_timeout_s=1.0)
    df = backend.query(client, "SELECT * FROM t WHERE venue = ?", ["v"])
    assert client.asked == ["SELECT * FROM t WHERE venue = 'v'", "DESCRIBE (SELECT * FROM t WHERE venue = 'v')"]
    assert df.empty
    assert {c: str(t) for c, t in df.dtypes.items()} == {
        "venue": "object",
        "ts_event": "datetime64[ms]",
        "oi_usd": "float64",
        "n": "int64",
        "interval_s": "float64",
        "synthetic": "bool",
    }


def test_clickhouse_refuses_timestamps_it_would_clamp(tmp_path: Path) -> None:
    pytest.importorskip("chdb", reason="chdb not installed (pip install -e '.[dev]')")
    with HistoryStore(f"chdb:{tmp_path}/ch") as st, pytest.raises(UserInputError, match="DateTime64 range"):
        st.write_candles(_candles(np.arange(3.0), start="1850-01-01T00:00"))
