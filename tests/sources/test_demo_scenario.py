"""Demo scenario: determinism, provenance, point-in-time, coverage and input validation."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.core.errors import UserInputError
from derivintel.core.provenance import GapKind, Source
from derivintel.core.timeutil import floor_to, to_datetime64
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.sources.demo import DEMO_AS_OF, build_demo_snapshot

VENUES = {"binance-usdm", "bybit", "okx", "hyperliquid"}


@pytest.fixture(scope="module")
def snap() -> MarketSnapshot:
    return build_demo_snapshot()


def _arrays(snapshot: MarketSnapshot) -> list[np.ndarray]:
    """Every numpy array in the snapshot, in a fixed order."""
    out: list[np.ndarray] = []

    def walk(obj: object) -> None:
        if isinstance(obj, np.ndarray):
            out.append(obj)
        elif isinstance(obj, tuple | list):
            for x in obj:
                walk(x)
        elif hasattr(obj, "__dataclass_fields__") and not isinstance(obj, Source):
            for f in fields(obj):  # type: ignore[arg-type]
                walk(getattr(obj, f.name))

    for name in sorted(snapshot.assets):
        walk(snapshot.assets[name])
    for name in sorted(snapshot.macro):
        walk(snapshot.macro[name])
    return out


def _sources(snapshot: MarketSnapshot) -> list[Source]:
    out: list[Source] = []

    def walk(obj: object) -> None:
        if isinstance(obj, Source):
            out.append(obj)
        elif isinstance(obj, tuple | list):
            for x in obj:
                walk(x)
        elif hasattr(obj, "__dataclass_fields__"):
            for f in fields(obj):  # type: ignore[arg-type]
                walk(getattr(obj, f.name))

    for data in snapshot.assets.values():
        walk(data)
    for series in snapshot.macro.values():
        walk(series)
    return out


def test_same_seed_gives_identical_arrays(snap: MarketSnapshot) -> None:
    again = build_demo_snapshot()
    a, b = _arrays(snap), _arrays(again)
    assert len(a) == len(b) > 50
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert [p.funding_rate_interval for p in snap.asset("BTC").perps] == [
        p.funding_rate_interval for p in again.asset("BTC").perps
    ]
    assert [e.size_base for e in snap.asset("ETH").liquidations] == [
        e.size_base for e in again.asset("ETH").liquidations
    ]


def test_different_seed_differs(snap: MarketSnapshot) -> None:
    other = build_demo_snapshot(seed=8)
    assert not np.array_equal(snap.asset("BTC").candles[0].close, other.asset("BTC").candles[0].close)
    assert snap.asset("BTC").perps[0].oi_base != other.asset("BTC").perps[0].oi_base


def test_btc_path_does_not_depend_on_secondary(snap: MarketSnapshot) -> None:
    alone = build_demo_snapshot("BTC", ())
    assert tuple(alone.assets) == ("BTC",)
    np.testing.assert_array_equal(alone.asset("BTC").candles[0].close, snap.asset("BTC").candles[0].close)


def test_eth_primary_and_symbol_normalisation() -> None:
    s = build_demo_snapshot("ethusdt", ("BTC", "ETH"))
    assert s.primary == "ETH"
    assert tuple(s.assets) == ("ETH", "BTC")
    assert s.secondary == ("BTC",)


@pytest.mark.parametrize("symbol", ["FOO", "", "ATOM"])
def test_unknown_asset_raises_user_input_error(symbol: str) -> None:
    with pytest.raises(UserInputError, match=r"demo scenario covers BTC, ETH, SOL, .* only"):
        build_demo_snapshot(symbol)
    with pytest.raises(UserInputError, match=r"demo scenario covers BTC, ETH, SOL, .* only"):
        build_demo_snapshot("BTC", (symbol,))


def test_misspelt_demo_asset_gets_did_you_mean() -> None:
    with pytest.raises(UserInputError, match=r"unknown symbol 'SOLL': did you mean SOL\?"):
        build_demo_snapshot("SOLL")


def test_snapshot_and_every_source_are_synthetic(snap: MarketSnapshot) -> None:
    assert snap.synthetic is True
    assert snap.as_of == DEMO_AS_OF
    sources = _sources(snap)
    assert len(sources) > 100
    assert all(s.name == "demo" and s.synthetic for s in sources)
    assert all(s.fetched_at == DEMO_AS_OF for s in sources)


def test_gaps_are_only_the_keyed_sources(snap: MarketSnapshot) -> None:
    assert {(g.source, g.dataset) for g in snap.gaps} == {
        ("cryptoquant", "exchange_flows"),
        ("coinglass", "aggregates"),
    }
    assert all(g.kind is GapKind.NOT_CONFIGURED for g in snap.gaps)


def test_contents_per_asset(snap: MarketSnapshot) -> None:
    for asset in ("BTC", "ETH"):
        data = snap.asset(asset)
        assert {p.venue for p in data.perps} == VENUES
        assert {(c.venue, c.market) for c in data.candles} == {
            ("binance-usdm", "perp"),
            ("binance-spot", "spot"),
            ("bybit", "perp"),
            ("okx", "perp"),
            ("hyperliquid", "perp"),
        }
        assert {o.venue for o in data.open_interest} == VENUES
        assert {f.venue for f in data.funding} == VENUES
        assert {(ls.venue, ls.kind.value) for ls in data.long_short} == {
            ("binance-usdm", "global_accounts"),
            ("binance-usdm", "top_accounts"),
            ("binance-usdm", "top_positions"),
            ("bybit", "global_accounts"),
            ("okx", "global_accounts"),
        }
        assert [t.venue for t in data.taker_volume] == ["okx"]
        assert {b.venue for b in data.books} == VENUES
        assert data.options is not None
        assert data.options.currency == asset
        assert {e.venue for e in data.liquidations} == {"binance-usdm", "bybit", "okx"}


def test_long_hourly_history_for_binance_perp_and_spot(snap: MarketSnapshot) -> None:
    for asset in ("BTC", "ETH"):
        for market in ("perp", "spot"):
            c = snap.asset(asset).candles_for(market=market, interval_s=3600)
            assert c is not None
            assert c.venue.startswith("binance")
            span_days = (c.ts[-1] - c.ts[0]).astype("timedelta64[h]").astype(int) / 24
            assert span_days >= 400
            assert np.all(np.diff(c.ts.astype(np.int64)) == 3_600_000)  # no holes
            assert c.has_taker_flow


def _nothing_after(snapshot: MarketSnapshot, as_of: datetime) -> None:
    cut = to_datetime64(as_of).astype(np.int64)
    for data in snapshot.assets.values():
        for c in data.candles:  # bars: the last one closes at or before as_of
            assert c.ts[-1].astype(np.int64) + c.interval_s * 1000 <= cut
            assert len(c.until(as_of)) == len(c)
        for series in (*data.open_interest, *data.funding, *data.long_short):
            assert series.ts[-1].astype(np.int64) <= cut
        for t in data.taker_volume:
            assert len(t.until(as_of)) == len(t)
        assert all(e.source.as_of <= as_of for e in data.liquidations)
        last_full_hour = floor_to(as_of, 3600)
        assert all(e.source.as_of >= last_full_hour - timedelta(hours=24) for e in data.liquidations)
        assert all(p.next_funding_time is not None and p.next_funding_time > as_of for p in data.perps)
        assert data.options is not None
        assert np.all(data.options.expiry.astype(np.int64) > cut)
    for m in snapshot.macro.values():
        assert m.available_ts is not None
        assert np.all(m.ts.astype(np.int64) <= cut)
        assert np.all(m.available_ts.astype(np.int64) <= cut)
        assert len(m.until(as_of)) == len(m)
    assert all(s.as_of <= as_of for s in _sources(snapshot))


def test_nothing_after_as_of(snap: MarketSnapshot) -> None:
    _nothing_after(snap, DEMO_AS_OF)


def test_nothing_after_an_off_grid_as_of() -> None:
    as_of = datetime(2025, 6, 3, 13, 27, 41, tzinfo=UTC)
    s = build_demo_snapshot("ETH", (), seed=3, as_of=as_of)
    _nothing_after(s, as_of)
    # the last hourly bar is the last FULL hour: opens 12:00, closes 13:00
    assert s.asset("ETH").candles[0].ts[-1] == np.datetime64("2025-06-03T12:00", "ms")


def test_naive_as_of_is_taken_as_utc() -> None:
    s = build_demo_snapshot("BTC", (), as_of=datetime(2026, 3, 14, 5, 0))
    assert s.as_of == DEMO_AS_OF
