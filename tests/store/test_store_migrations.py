"""Schema migrations (``store/migrations.py``) on every backend: a store written with the version-1 layout of
``option_rows`` (no venue in the key) is read as Deribit's rows while read-only, and migrated by a writable open."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from derivintel.core.provenance import Source
from derivintel.domain.options import OptionChain
from derivintel.store import HistoryStore, store_location
from derivintel.store.backends import open_backend
from derivintel.store.codecs import OPTION_CHAIN_CODEC
from derivintel.store.migrations import SCHEMA_VERSION, schema_version
from derivintel.store.schema import OPTION_ROWS, Table

T0 = datetime(2024, 5, 1, 8, tzinfo=UTC)
# option_rows as stored before schema version 2: no venue column, keyed by (currency, instrument, ts_event)
V1_OPTION_ROWS = Table(
    "option_rows",
    tuple(c for c in OPTION_ROWS.columns if c[0] != "venue"),
    ("currency", "instrument", "ts_event"),
)


def _chain(at: datetime, iv: float, dataset: str) -> OptionChain:
    names = ("BTC-31MAY24-60000-C", "BTC-31MAY24-60000-P", "BTC-31MAY24-70000-C")
    n = len(names)
    return OptionChain(
        currency="BTC",
        instrument=names,
        expiry=np.full(n, np.datetime64("2024-05-31T08:00", "ms")),
        strike=np.array([60_000.0, 60_000.0, 70_000.0]),
        is_call=np.array([True, False, True]),
        mark_iv=np.full(n, iv),
        oi_base=np.array([10.0, 20.0, np.nan]),
        volume_base=np.array([1.0, 2.0, 3.0]),
        underlying_price_usd=np.full(n, 62_000.0),
        mark_price_coin=np.array([0.05, 0.02, 0.01]),
        index_price_usd=61_900.0,
        source=Source("test", dataset, at, at + timedelta(seconds=2)),
        delta_published=np.array([0.6, -0.4, 0.2]),
    )


def _same_chain(a: OptionChain, b: OptionChain) -> None:
    for f in dataclasses.fields(a):
        if f.name == "source":
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y, f.name


def _write_version_1(spec: str, chains: list[OptionChain], *, primary_key: bool) -> None:
    """A store as an older version wrote it: the version-1 option_rows (DuckDB: with its primary key, as before
    issue 14, when asked) holding ``chains``."""
    backend = open_backend(store_location(spec), read_only=False, lock_timeout_s=10)
    con = backend.connect()
    try:
        if primary_key and backend.name == "duckdb":
            con.execute(V1_OPTION_ROWS.ddl(primary_key=True))
        else:
            backend.create_table(con, V1_OPTION_ROWS)
        for c in chains:
            frame = OPTION_CHAIN_CODEC.encode("deribit", c, None).drop(columns="venue")
            assert backend.insert(con, V1_OPTION_ROWS, frame, replace=False).inserted == len(c)
        assert schema_version(backend, con) == 1
    finally:
        backend.disconnect(con)


@pytest.mark.parametrize("primary_key", [True, False])
def test_a_version_1_store_is_read_as_deribit_then_migrated(tmp_path: Path, store_at, primary_key: bool) -> None:
    spec = store_at(tmp_path, "old")
    old = [_chain(T0, 0.5, "book_summary"), _chain(T0 + timedelta(hours=1), 0.55, "book_summary")]
    _write_version_1(spec, old, primary_key=primary_key)

    with HistoryStore(spec, read_only=True) as st:  # read-only: left as it is, its rows are Deribit's
        back = st.latest_option_chain("BTC", venue="deribit", as_of=T0 + timedelta(hours=1), max_age_s=60)
        assert back is not None
        _same_chain(old[1], back)
        assert st.latest_option_chain("BTC", venue="okx", as_of=T0 + timedelta(hours=1), max_age_s=60) is None
        assert list(st.latest_option_chains("BTC", as_of=T0, max_age_s=60)) == ["deribit"]
        assert st.option_chain_times("BTC", venue="deribit") == [T0, T0 + timedelta(hours=1)]
        assert [c.series for c in st.coverage() if c.table == "option_rows"] == ["BTC"]
        assert schema_version(st.backend, st.con) == 1

    with HistoryStore(spec) as st:  # writable: migrated
        assert [m.version for m in st.migrated] == [SCHEMA_VERSION] == [2]
        assert st.backend.columns(st.con, "option_rows") == OPTION_ROWS.column_names
        assert st.row_counts()["option_rows"] == 6
        venues = st.query("SELECT DISTINCT venue FROM option_rows")["venue"].tolist()
        assert venues == ["deribit"]
        for c in old:
            got = st.latest_option_chain("BTC", venue="deribit", as_of=c.source.as_of, max_age_s=0)
            assert got is not None
            _same_chain(c, got)
        # Bybit's instrument names equal Deribit's: both chains of the same instant are stored and read apart
        bybit = _chain(T0 + timedelta(hours=1), 0.6, "tickers")
        assert st.write_option_chain(bybit, venue="bybit") == 3
        assert st.write_option_chain(bybit, venue="bybit") == 0  # idempotent
        both = st.latest_option_chains("BTC", as_of=T0 + timedelta(hours=1), max_age_s=60)
        assert list(both) == ["bybit", "deribit"]
        _same_chain(bybit, both["bybit"])
        _same_chain(old[1], both["deribit"])
        assert sorted(c.series for c in st.coverage() if c.table == "option_rows") == ["bybit/BTC", "deribit/BTC"]

    with HistoryStore(spec) as st:  # nothing left to migrate
        assert st.migrated == []
        assert schema_version(st.backend, st.con) == SCHEMA_VERSION
        assert st.row_counts()["option_rows"] == 9


def test_a_new_store_has_the_current_version(tmp_path: Path, store_at) -> None:
    with HistoryStore(store_at(tmp_path, "new")) as st:
        assert st.migrated == []
        assert schema_version(st.backend, st.con) == SCHEMA_VERSION
        with pytest.raises(TypeError, match="with its venue"):
            st.write(_chain(T0, 0.5, "book_summary"))
