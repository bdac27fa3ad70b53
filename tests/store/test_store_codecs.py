"""Codecs per kind and the generic ``HistoryStore.write``/``read`` pair (issue 13 §5)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from derivintel.core.provenance import Source
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortKind,
    LongShortSeries,
    OpenInterestSeries,
    TakerRatioSeries,
    TakerVolumeSeries,
)
from derivintel.store import HistoryStore
from derivintel.store.codecs import CODEC_OF_KIND, CODEC_OF_TYPE

T0 = datetime(2024, 3, 1, tzinfo=UTC)
SRC = Source("codec-test", "rows", T0, T0 + timedelta(days=1))
N = 6


def _ts(step_s: int) -> np.ndarray:
    return (np.datetime64("2024-03-01T00:00", "ms") + np.arange(N) * np.timedelta64(step_s, "s")).astype(
        "datetime64[ms]"
    )


def _x(k: float) -> np.ndarray:
    return np.arange(N, dtype=float) + k


SAMPLES = {
    "candles": CandleSeries("v", "BTC", "perp", 3600, _ts(3600), _x(1), _x(2), _x(0), _x(1.5), _x(10), None, SRC),
    "open_interest": OpenInterestSeries("v", "BTC", 300, _ts(300), _x(100), _x(1e6), SRC),
    "funding": FundingSeries("v", "BTC", _ts(28_800), _x(1) * 1e-5, np.full(N, 8.0), SRC),
    "long_short": LongShortSeries("v", "BTC", LongShortKind.TOP_POSITIONS, 300, _ts(300), _x(1), SRC),
    "taker_volume": TakerVolumeSeries("v", "BTC", 300, _ts(300), _x(3), _x(4), SRC),
    "taker_ratio": TakerRatioSeries("v", "BTC", 300, _ts(300), _x(0.5), SRC),
}


def _same(a, b) -> None:
    for f in fields(a):
        if f.name == "source":
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y, f.name


AGGREGATES = {
    "aggregate_open_interest": OpenInterestSeries("coinglass", "BTC", 3600, _ts(3600), _x(9e5), _x(6e10), SRC),
    "aggregate_funding": FundingSeries("coinglass", "BTC", _ts(28_800), _x(2) * 1e-5, np.full(N, 8.0), SRC),
}


def test_every_series_kind_has_one_codec() -> None:
    assert set(CODEC_OF_KIND) == set(SAMPLES) | set(AGGREGATES)
    assert {type(s) for s in SAMPLES.values()} == set(CODEC_OF_TYPE)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_generic_write_then_read_round_trips(tmp_path: Path, store_at, kind: str) -> None:
    s = SAMPLES[kind]
    with HistoryStore(store_at(tmp_path, "h")) as st:
        assert st.write(s) == N
        assert st.write(s) == 0  # idempotent
        (back,) = st.read(kind, "BTC")
    _same(s, back)
    assert back.source.name == "codec-test"
    step = int((s.ts[1] - s.ts[0]) / np.timedelta64(1, "s"))
    bar = CODEC_OF_KIND[kind].bars
    expected_as_of = s.ts[-1].astype(datetime).replace(tzinfo=UTC) + timedelta(seconds=step if bar else 0)
    assert back.source.as_of == expected_as_of


@pytest.mark.parametrize("kind", ["candles", "taker_volume"])
def test_bars_are_read_only_once_closed(tmp_path: Path, store_at, kind: str) -> None:
    s = SAMPLES[kind]
    step = int((s.ts[1] - s.ts[0]) / np.timedelta64(1, "s"))
    last_open = s.ts[-1].astype(datetime).replace(tzinfo=UTC)
    with HistoryStore(store_at(tmp_path, "h")) as st:
        st.write(s)
        (before,) = st.read(kind, "BTC", until=last_open + timedelta(seconds=step - 1))
        (after,) = st.read(kind, "BTC", until=last_open + timedelta(seconds=step))
    assert (len(before), len(after)) == (N - 1, N)


def test_unknown_kind_or_type_is_refused(tmp_path: Path, store_at) -> None:
    with HistoryStore(store_at(tmp_path, "h")) as st:
        with pytest.raises(ValueError, match="no series kind"):
            st.read("books", "BTC")
        with pytest.raises(TypeError, match="cannot store a dict"):
            st.write({})


@pytest.mark.parametrize("kind", sorted(AGGREGATES))
def test_aggregates_round_trip_apart_from_the_venue_series(tmp_path: Path, kind: str) -> None:
    s = AGGREGATES[kind]
    with HistoryStore(tmp_path / "h.duckdb") as st:
        assert st.write_aggregate(s) == N
        assert st.write_aggregate(s) == 0
        (back,) = st.read(kind, "BTC")
        per_venue = st.read(kind.removeprefix("aggregate_"), "BTC")
    _same(s, back)
    assert per_venue == []  # never summed with the venues


def _book(venue: str, at: datetime, shift: float = 0.0) -> OrderBook:
    bids = np.array([[100.0 - shift, 1.5], [99.5, 2.0], [98.0, 0.25]])
    asks = np.array([[100.5 + shift, 1.0], [101.0, 3.0]])
    return OrderBook(venue, "BTC", bids, asks, Source(venue, "depth", at, at + timedelta(seconds=1)))


def test_order_books_round_trip_every_level(tmp_path: Path) -> None:
    t1 = T0 + timedelta(minutes=5)
    with HistoryStore(tmp_path / "h.duckdb") as st:
        assert st.write_books([_book("a", T0), _book("b", T0), _book("a", t1, 0.25)]) == 3
        assert st.write_books([_book("a", T0)]) == 0  # idempotent
        latest = st.latest_books("BTC", as_of=t1, max_age_s=900)
        before = st.latest_books("BTC", as_of=t1 - timedelta(seconds=1), max_age_s=900)
        stale = st.latest_books("BTC", as_of=T0 + timedelta(hours=1), max_age_s=900)
    assert [(b.venue, b.source.as_of) for b in latest] == [("a", t1), ("b", T0)]
    np.testing.assert_array_equal(latest[0].bids, _book("a", t1, 0.25).bids)
    np.testing.assert_array_equal(latest[0].asks, _book("a", t1, 0.25).asks)
    assert latest[0].source.fetched_at == t1 + timedelta(seconds=1)
    assert [b.source.as_of for b in before] == [T0, T0]  # no look-ahead
    assert stale == []


def test_one_sided_book_round_trips(tmp_path: Path) -> None:
    one = OrderBook("a", "BTC", np.empty((0, 2)), np.array([[101.0, 1.0]]), Source("a", "depth", T0, T0))
    with HistoryStore(tmp_path / "h.duckdb") as st:
        st.write_books([one])
        (back,) = st.latest_books("BTC", as_of=T0, max_age_s=60)
    assert back.bids.shape == (0, 2)
    assert back.asks.tolist() == [[101.0, 1.0]]


def test_a_store_without_the_newer_tables_reads_them_as_empty(tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "old.duckdb"
    with HistoryStore(db) as st:
        st.write(SAMPLES["candles"])
    con = duckdb.connect(str(db))
    for table in ("order_books", "aggregate_open_interest", "aggregate_funding"):
        con.execute(f"DROP TABLE {table}")  # as a store written before these tables existed
    con.close()
    with HistoryStore(db, read_only=True) as st:
        assert st.latest_books("BTC", as_of=T0, max_age_s=60) == []
        assert st.read("aggregate_funding", "BTC") == []
        assert st.row_counts()["order_books"] == 0
        assert st.content_kind() == "real"
        assert {c.table for c in st.coverage()} == {"candles"}
