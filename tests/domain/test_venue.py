"""``VenueId`` and ``Market``: typed names whose run-time values are the plain strings the data carries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from derivintel.domain.venue import MARKETS, VenueId
from derivintel.sources.binance import parse as binance
from derivintel.sources.bitget import parse as bitget
from derivintel.sources.bybit import parse as bybit
from derivintel.sources.demo.scenario import build_demo_snapshot
from derivintel.sources.deribit import parse as deribit
from derivintel.sources.gate import parse as gate
from derivintel.sources.hyperliquid import parse as hyperliquid
from derivintel.sources.okx import parse as okx
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)


def test_market_kinds_are_the_candle_markets() -> None:
    assert MARKETS == ("perp", "spot")


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (binance, "binance"),
        (bybit, "bybit"),
        (okx, "okx"),
        (bitget, "bitget"),
        (gate, "gate"),
        (hyperliquid, "hyperliquid"),
        (deribit, "deribit"),
    ],
)
def test_venue_ids_are_the_plain_strings(module, name: str) -> None:
    """A ``VenueId`` is its string at run time: stored and printed venues are unchanged."""
    assert name == module.VENUE
    assert type(module.VENUE) is str
    assert VenueId(name) == name


@pytest.mark.parametrize(("dataset", "market"), [("klines_1h.json", "perp"), ("spot_klines_1h.json", "spot")])
def test_parsed_candles_carry_a_declared_market(dataset: str, market: str) -> None:
    candles = binance.parse_klines(
        (FIXTURES / "binance" / dataset).read_bytes(),
        provider="binance-usdm",
        dataset=dataset.removesuffix(".json"),
        asset="BTC",
        market=market,
        interval_s=3600,
        ts_recv=RECV,
    )
    assert candles.market in MARKETS
    assert candles.venue == "binance"


def test_demo_snapshot_uses_declared_markets_and_string_venues() -> None:
    snapshot = build_demo_snapshot("BTC", ("ETH",), seed=7)
    for data in snapshot.assets.values():
        assert data.candles
        assert {c.market for c in data.candles} <= set(MARKETS)
        venues = [x.venue for x in (*data.perps, *data.candles, *data.open_interest, *data.funding, *data.books)]
        assert venues
        assert all(type(v) is str and v for v in venues)
