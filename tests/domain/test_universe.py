"""Universe lookups, symbol validation with "did you mean", and the default secondary asset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from derivintel.core.errors import UserInputError
from derivintel.domain.assets import KNOWN_ASSETS, default_secondary, did_you_mean, normalise_asset
from derivintel.domain.universe import Listing, Universe

T0 = datetime(2026, 3, 14, tzinfo=UTC)
UNIVERSE = Universe.from_lists(
    {
        "binance-usdm": [
            Listing("binance-usdm", "BTC", "BTCUSDT", "USDT"),
            Listing("binance-usdm", "BTC", "BTCUSDC", "USDC"),
            Listing("binance-usdm", "PEPE", "1000PEPEUSDT", "USDT", unit_multiplier=1000.0),
        ],
        "okx": [Listing("okx", "ATOM", "ATOM-USDT-SWAP", "USDT", contract_size_base=1.0)],
    },
    as_of=T0,
)


def test_listing_prefers_usdt_and_covered_venue_lacks_unlisted_assets() -> None:
    assert UNIVERSE.listing("binance-usdm", "BTC").symbol == "BTCUSDT"
    assert UNIVERSE.assets == {"BTC", "PEPE", "ATOM"}
    assert UNIVERSE.lacks("okx", "BTC")
    assert not UNIVERSE.lacks("bybit", "BTC")
    assert UNIVERSE.skip_reason("okx", "BTC") == "BTC: no USD-margined perp listed on okx (its instrument list)"
    assert UNIVERSE.skip_reason("bybit", "BTC") is None
    assert UNIVERSE.skip_reason("binance-usdm", "PEPE") is None  # a bundle listing is asked (and restated per coin)


@pytest.mark.parametrize(
    ("raw", "asset"),
    [("btc", "BTC"), ("BTCUSDT", "BTC"), ("BTC-PERP", "BTC"), ("atom", "ATOM"), ("1000PEPEUSDT", "PEPE")],
)
def test_normalise_against_the_universe(raw: str, asset: str) -> None:
    assert normalise_asset(raw, UNIVERSE) == asset


def test_unknown_symbol_suggests_close_names() -> None:
    with pytest.raises(UserInputError, match=r"^unknown symbol 'ATMO': did you mean ATOM\?$"):
        normalise_asset("ATMO", UNIVERSE)
    with pytest.raises(UserInputError, match=r"^unknown symbol 'SOLL': did you mean SOL\?$"):
        normalise_asset("SOLL")  # no universe: the built-in assets
    with pytest.raises(UserInputError, match="no listed perp by that name"):
        normalise_asset("QQQQQQ", UNIVERSE)
    with pytest.raises(UserInputError, match="unknown symbol"):
        normalise_asset("not a coin!")


def test_builtin_behaviour_kept_for_known_assets() -> None:
    for asset in KNOWN_ASSETS:
        assert normalise_asset(asset.lower() + "usdt") == asset
    with pytest.raises(UserInputError):
        normalise_asset("ATOM")  # not built in


def test_did_you_mean_ranks_best_first() -> None:
    assert did_you_mean("ETC", {"ETH", "ETC", "BTC"})[0] == "ETC"
    assert did_you_mean("ZZZZ", {"BTC"}) == []


@pytest.mark.parametrize(("primary", "secondary"), [("BTC", ("ETH",)), ("ETH", ("BTC",)), ("SOL", ("BTC",))])
def test_default_secondary(primary: str, secondary: tuple[str, ...]) -> None:
    assert default_secondary(primary) == secondary
