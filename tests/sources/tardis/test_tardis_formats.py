"""Tardis.dev CSV parsers (``sources/tardis``): the formats are parsed in the vendor's folder, each exchange's
conventions come from its own folder (``sources/<venue>/tardis.py``). Store round trips: tests/store."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from derivintel.core.errors import UserInputError
from derivintel.domain.liquidations import LiquidatedSide
from derivintel.sources.declarations import TardisMarket
from derivintel.sources.tardis import perp
from derivintel.sources.tardis.markets import TARDIS_MARKETS

RECV = datetime(2026, 9, 1, tzinfo=UTC)
T0_US = 1_786_320_000_000_000  # 2026-08-10T00:00Z in µs
LIQ_HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"


def test_every_declared_exchange_comes_from_a_venue_folder() -> None:
    assert set(TARDIS_MARKETS) >= {"binance-futures", "bybit", "deribit"}
    for exchange, market in TARDIS_MARKETS.items():
        assert isinstance(market, TardisMarket)
        assert market.exchange == exchange
        module = importlib.import_module(f"derivintel.sources.{market.venue}.tardis")
        assert module.TARDIS is market


def test_inverse_amounts_become_coins_and_linear_ones_stay_coins(tmp_path: Path) -> None:
    p = tmp_path / "liq.csv"
    rows = [f"deribit,BTC-PERPETUAL,{T0_US},1,,sell,50000,10000", f"bybit,ETHUSDT,{T0_US},1,,buy,2500,2"]
    p.write_text("\n".join([LIQ_HEADER, *rows]) + "\n", encoding="utf-8")
    dump = perp.parse_file(p, received_at=RECV)
    by_venue = {e.venue: e for e in dump.liquidations}
    assert by_venue["deribit"].size_base == pytest.approx(0.2)  # 10000 USD ÷ 50000
    assert by_venue["deribit"].side is LiquidatedSide.LONG
    assert by_venue["bybit"].size_base == pytest.approx(2.0)
    assert dump.notes == ["liq.csv: Tardis liquidations"]


def test_an_undeclared_exchange_is_refused_naming_the_declared_ones(tmp_path: Path) -> None:
    p = tmp_path / "liq.csv"
    p.write_text(f"{LIQ_HEADER}\nokex-swap,BTC-USDT-SWAP,{T0_US},1,,sell,42000,0.5\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=r"liq\.csv: line 2: exchange/symbol whose units are not declared") as e:
        perp.parse_file(p, received_at=RECV)
    assert "binance-futures" in str(e.value)
    assert "deribit" in str(e.value)
