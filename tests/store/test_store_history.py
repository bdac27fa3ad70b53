"""History store: idempotent writes, round trips, location, point-in-time snapshots, importers, collector; the tests
on a ``store`` run on every backend (DuckDB, chDB; a ClickHouse server with ``-m clickhouse``)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivintel.core.errors import UserInputError
from derivintel.core.provenance import GapKind, Source
from derivintel.domain.macro import MacroSeries
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.store import HistoryStore, resolve_store_path
from derivintel.store.collect import backfill, collect_once, run_collector
from derivintel.store.importers import available_times, import_dumps, import_series
from derivintel.store.location import default_store_dir
from derivintel.store.snapshot_at import build_snapshot_at

T0 = datetime(2024, 1, 1, tzinfo=UTC)
RECV = datetime(2024, 2, 1, tzinfo=UTC)


def src(dataset: str = "test") -> Source:
    return Source("testvenue", dataset, T0, RECV)


def hourly_candles(closes: list[float], start: datetime = T0) -> CandleSeries:
    n = len(closes)
    ts = np.datetime64(start.replace(tzinfo=None), "ms") + np.arange(n) * np.timedelta64(3600, "s")
    c = np.asarray(closes, dtype=float)
    return CandleSeries(
        "binance-usdm", "BTC", "perp", 3600, ts.astype("datetime64[ms]"), c, c + 1, c - 1, c, np.ones(n), None, src()
    )


@pytest.fixture
def store(tmp_path: Path, store_at):
    """A new store on each backend (tests/store/conftest.py)."""
    with HistoryStore(store_at(tmp_path, "h")) as s:
        yield s


def test_location_precedence(tmp_path: Path) -> None:
    assert default_store_dir({"DERIVINTEL_HOME": "/a", "XDG_DATA_HOME": "/b"}) == Path("/a")
    assert default_store_dir({"XDG_DATA_HOME": "/b"}) == Path("/b/derivintel")
    assert default_store_dir({}) == Path.home() / ".local/share/derivintel"
    assert resolve_store_path(tmp_path) == tmp_path / "history.duckdb"  # a directory gets the file name
    assert resolve_store_path(tmp_path / "x.duckdb") == tmp_path / "x.duckdb"


def test_writes_are_idempotent_and_round_trip(store: HistoryStore) -> None:
    c = hourly_candles([10.0, 11.0, 12.0])
    assert store.write_candles(c) == 3
    assert store.write_candles(c) == 0  # same keys: nothing new
    # an overlapping batch inserts only the new bar (hours 2..3 → only hour 3 is new)
    assert store.write_candles(hourly_candles([12.0, 13.0], start=T0 + timedelta(hours=2))) == 1
    (back,) = store.candle_series("BTC")
    np.testing.assert_array_equal(back.close, [10.0, 11.0, 12.0, 13.0])
    assert back.taker_buy_base is None
    assert back.source.as_of == T0 + timedelta(hours=4)  # close of the last bar
    assert store.row_counts()["candles"] == 4


def test_row_counts_unchanged_after_rewriting_a_snapshot(store: HistoryStore) -> None:
    from derivintel.sources.demo import build_demo_snapshot

    snap = build_demo_snapshot("BTC", (), seed=3)
    first = store.write_snapshot(snap)
    counts = store.row_counts()
    assert all(first[t] == counts[t] for t in counts)
    assert sum(store.write_snapshot(snap).values()) == 0
    assert store.row_counts() == counts


def test_point_in_time_uses_only_closed_bars(store: HistoryStore) -> None:
    # bars open 00:00, 01:00, 02:00 with closes 10, 11, 12; the 02:00 bar closes at 03:00
    store.write_candles(hourly_candles([10.0, 11.0, 12.0]))
    snap = build_snapshot_at(store, "BTC", (), T0 + timedelta(hours=2, minutes=30))
    (c,) = snap.asset("BTC").candles
    assert list(c.close) == [10.0, 11.0]  # the 02:00 bar had not closed at 02:30
    from derivintel.analytics.price import reference_price

    price = reference_price(snap.asset("BTC"), as_of=snap.as_of).value
    assert price is not None
    assert price.price_usd == 11.0
    assert price.method == "last_close"
    snap3 = build_snapshot_at(store, "BTC", (), T0 + timedelta(hours=3))
    assert list(snap3.asset("BTC").candles[0].close) == [10.0, 11.0, 12.0]  # closes exactly at as_of: counts


def test_point_in_time_funding_oi_macro_and_gaps(store: HistoryStore) -> None:
    ts = np.array(["2024-01-01T00:00", "2024-01-01T08:00", "2024-01-01T16:00"], dtype="datetime64[ms]")
    store.write_funding(FundingSeries("binance-usdm", "BTC", ts, np.array([1e-4, 2e-4, 3e-4]), np.full(3, 8.0), src()))
    store.write_open_interest(OpenInterestSeries("binance-usdm", "BTC", 3600, ts, np.ones(3), np.ones(3), src()))
    # a Friday value published by FRED next business day (Monday): known from Tuesday 00:00 (end of Monday)
    day = np.array(["2024-01-05"], dtype="datetime64[ms]")
    vix = MacroSeries("vix", "index_points", day, np.array([13.0]), src(), available_times(day, "fred"))
    store.write_macro(vix)
    snap = build_snapshot_at(store, "BTC", (), datetime(2024, 1, 1, 8, 0, tzinfo=UTC))
    (f,) = snap.asset("BTC").funding
    assert list(f.rate_interval) == [1e-4, 2e-4]  # settlement at 08:00 ≤ as_of counts, 16:00 does not
    assert len(snap.asset("BTC").open_interest[0]) == 2
    kinds = {(g.dataset, g.asset): g.kind for g in snap.gaps}
    assert kinds["candles", "BTC"] is GapKind.INSUFFICIENT_HISTORY
    assert kinds["order_books", "BTC"] is GapKind.INSUFFICIENT_HISTORY  # stored since issue 14, none here
    assert ("macro_vix", None) in kinds  # not yet published on 2024-01-01
    monday_night = build_snapshot_at(store, "BTC", (), datetime(2024, 1, 8, 23, 59, tzinfo=UTC))
    assert "vix" not in monday_night.macro
    tuesday = build_snapshot_at(store, "BTC", (), datetime(2024, 1, 9, tzinfo=UTC))
    assert list(tuesday.macro["vix"].values) == [13.0]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.integers(min_value=0, max_value=26 * 60))
def test_snapshot_never_holds_an_unclosed_bar(tmp_path_factory, store_at, minutes: int) -> None:
    path = store_at(tmp_path_factory.getbasetemp(), "prop")  # one store per backend: the write is idempotent
    with HistoryStore(path) as s:
        s.write_candles(hourly_candles([float(i) for i in range(24)]))
        as_of = T0 + timedelta(minutes=minutes)
        snap = build_snapshot_at(s, "BTC", (), as_of)
    closed = min(24, minutes // 60)  # bars whose open + 1 h ≤ as_of
    candles = snap.asset("BTC").candles
    assert (len(candles[0]) if candles else 0) == closed
    if candles:
        last_close = candles[0].ts[-1] + np.timedelta64(3600, "s")
        assert last_close <= np.datetime64(as_of.replace(tzinfo=None), "ms")


def test_available_times_rules() -> None:
    d = np.array(["2024-01-05", "2024-01-08"], dtype="datetime64[ms]")  # Friday, Monday
    np.testing.assert_array_equal(
        available_times(d, "fred"), np.array(["2024-01-09", "2024-01-10"], dtype="datetime64[ms]")
    )
    np.testing.assert_array_equal(
        available_times(d, "crypto_daily"), np.array(["2024-01-06", "2024-01-09"], dtype="datetime64[ms]")
    )


def test_macro_percent_is_detected_and_converted(store: HistoryStore, tmp_path: Path) -> None:
    f = tmp_path / "dom.csv"
    f.write_text("as_of,value,status\n2024-01-01,52.5,ok\n2024-01-02,53.0,ok\n2024-01-03,99,stale\n")
    rep = import_series("btc_dominance", f, store)
    assert any("percent" in n for n in rep.notes)
    series = store.macro_series("btc_dominance")
    assert series is not None
    np.testing.assert_allclose(series.values, [0.525, 0.53])  # stale row skipped, ÷100
    assert import_series("btc_dominance", f, store).total_inserted == 0
    g = tmp_path / "mixed.csv"
    g.write_text("date,value\n2024-01-01,0.5\n2024-01-02,50\n")
    with pytest.raises(UserInputError):
        import_series("btc_dominance", g, store)
    with pytest.raises(UserInputError):
        import_series("gold", f, store)


def test_fred_download_with_missing_days(store: HistoryStore, tmp_path: Path) -> None:
    f = tmp_path / "VIXCLS.csv"
    f.write_text("observation_date,VIXCLS\n2024-01-01,.\n2024-01-02,13.2\n")
    import_series("vix", f, store)
    s = store.macro_series("vix")
    assert s is not None
    assert list(s.values) == [13.2]


KLINES = [
    "1704067200000,42314.00,42832.00,42270.00,42369.80,30275.835,1704081599999,1.2e9,315524,15114.205,6.4e8,0",
    "1704081600000,42369.80,42536.00,42207.90,42527.00,18884.162,1704095999999,8.0e8,221373,9237.882,3.9e8,0",
]
HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"
)


def test_binance_klines_with_or_without_header_and_zipped(tmp_path: Path) -> None:
    plain = tmp_path / "BTCUSDT-4h-2024-01.csv"
    plain.write_text("\n".join(KLINES) + "\n")
    headed = tmp_path / "hdr" / "BTCUSDT-4h-2024-01.csv"
    headed.parent.mkdir()
    headed.write_text(HEADER + "\n" + "\n".join(KLINES) + "\n")
    zipped = tmp_path / "BTCUSDT-4h-2024-01.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("BTCUSDT-4h-2024-01.csv", "\n".join(KLINES) + "\n")
    zipped.write_bytes(buf.getvalue())
    with HistoryStore(tmp_path / "s.duckdb") as s:
        assert import_dumps("binance-vision", [plain], s).inserted == {"candles": 2}
        assert import_dumps("binance-vision", [headed, zipped], s).inserted == {"candles": 0}
        (c,) = s.candle_series("BTC")
    assert c.interval_s == 14_400
    assert c.market == "perp"
    assert c.venue == "binance-usdm"
    np.testing.assert_allclose(c.close, [42369.80, 42527.00])
    np.testing.assert_allclose(c.delta_base, [2 * 15114.205 - 30275.835, 2 * 9237.882 - 18884.162])


def test_binance_funding_times_rounded_to_the_second(store: HistoryStore, tmp_path: Path) -> None:
    f = tmp_path / "BTCUSDT-fundingRate-2024-01.csv"
    f.write_text("calc_time,funding_interval_hours,last_funding_rate\n1704067200002,8,0.00037409\n")
    g = tmp_path / "other_BTCUSDT-fundingRate.csv"
    g.write_text("1704067200000,8,0.00037409\n")  # same settlement, headerless, exact ms
    assert import_dumps("binance-vision", [f], store).inserted == {"funding": 1}
    assert import_dumps("binance-vision", [g], store).inserted == {"funding": 0}
    (fs,) = store.funding_series("BTC")
    assert fs.ts[0] == np.datetime64("2024-01-01T00:00:00", "ms")
    assert fs.rate_1h[0] == pytest.approx(0.00037409 / 8)


def test_collector_survives_failures() -> None:
    from derivintel.sources.demo import build_demo_snapshot

    calls: list[str] = []

    def fetch(asset: str):
        calls.append(asset)
        if asset == "ETH":
            raise TimeoutError("venue timed out")
        return build_demo_snapshot(asset, (), seed=1)

    clock_t = [datetime(2026, 3, 14, 5, 0, tzinfo=UTC)]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        clock_t[0] += timedelta(seconds=s)

    import tempfile

    with tempfile.TemporaryDirectory() as d, HistoryStore(Path(d) / "c.duckdb") as s:
        state = run_collector(fetch, ["BTC", "ETH"], s, every_s=300, rounds=3, clock=lambda: clock_t[0], sleep=sleep)
        counts = s.row_counts()
    assert state.rounds == 3
    assert state.failed_rounds == 3
    assert calls == ["BTC", "ETH"] * 3
    assert state.history[0].inserted["candles"] > 0
    assert sum(state.history[1].inserted.values()) == 0  # the same demo snapshot again: nothing new
    assert "ETH: TimeoutError: venue timed out" in state.history[0].line
    assert sleeps == [300.0, 300.0]  # aligned to multiples of 5 minutes
    assert counts["candles"] == state.history[0].inserted["candles"]


def test_collect_once_counts_gaps(store: HistoryStore) -> None:
    from derivintel.sources.demo import build_demo_snapshot

    status = collect_once(lambda a: build_demo_snapshot(a, (), seed=2), ["BTC"], store, now=T0)
    assert status.failures == ()
    assert status.gaps == 2


def test_backfill_stores_fetched_history(store: HistoryStore) -> None:
    seen = {}

    def fetch_history(asset: str, start: datetime, end: datetime):
        seen["window"] = (start, end)
        return [hourly_candles([1.0, 2.0, 3.0])]

    rep = backfill(fetch_history, "BTC", 2, store, now=T0 + timedelta(days=2))
    assert seen["window"] == (T0, T0 + timedelta(days=2))
    assert rep.inserted == {"candles": 3}
    assert backfill(fetch_history, "BTC", 2, store, now=T0 + timedelta(days=2)).inserted == {"candles": 0}
