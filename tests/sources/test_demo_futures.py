"""Demo dated futures: synthetic, listed like each venue, none expired or dated after as_of."""

from __future__ import annotations

from derivintel.sources.demo import build_demo_snapshot
from derivintel.sources.demo.futures import listings


def test_demo_futures_are_synthetic_and_point_in_time() -> None:
    snap = build_demo_snapshot("BTC", ("ETH",), seed=7)
    for asset in ("BTC", "ETH"):
        futures = snap.assets[asset].futures
        assert {f.venue for f in futures} == {"deribit", "binance", "okx", "bybit"}
        assert all(f.source.synthetic and f.source.name == "demo" for f in futures)
        assert all(f.source.as_of <= snap.as_of < f.expiry for f in futures)
        assert all(f.expiry.hour == 8 and f.expiry.weekday() == 4 for f in futures)  # Fridays 08:00 UTC
        assert all(f.index_price_usd is None for f in futures if f.venue == "okx")


def test_listing_names_follow_each_venue() -> None:
    snap = build_demo_snapshot("BTC", seed=7)
    names = {(v, s) for v, s, *_ in listings("BTC", snap.as_of)}
    assert ("deribit", "BTC-27MAR26") in names
    assert ("deribit", "BTC-25DEC26") in names
    assert ("binance", "BTCUSDT_260327") in names
    assert ("binance", "BTCUSDT_260626") in names
    assert ("okx", "BTC-USD-260626") in names
    assert ("bybit", "BTCUSDT-26JUN26") in names
    assert ("bybit", "BTCUSDM26") in names
