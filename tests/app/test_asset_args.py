"""Every command checks its symbols against the instrument universe: a coin listed on a venue (PEPE, in bundles as
1000PEPEUSDT) is accepted by ``study``, ``positions``, ``collect``, ``watch``…, not only by ``report`` and ``scan``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from derivintel.app.asset_args import cache_dir, command_universe, resolve_assets
from derivintel.app.cli import main
from derivintel.core.errors import UserInputError
from derivintel.domain.universe import Listing, Universe
from derivintel.sources.config import SourceConfig
from derivintel.sources.universe import cache_path, list_origin, write_cache


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVINTEL_HOME", str(tmp_path / "home"))


def _cache(directory: Path) -> None:
    """A fresh instrument cache (as a live run writes it) listing PEPE in bundles of 1000 and ATOM."""
    now = datetime.now(UTC)
    listings = (
        Listing("binance-usdm", "PEPE", "1000PEPEUSDT", "USDT", unit_multiplier=1000.0),
        Listing("binance-usdm", "ATOM", "ATOMUSDT", "USDT"),
        Listing("binance-usdm", "BTC", "BTCUSDT", "USDT"),
    )
    universe = Universe(listings, covered=frozenset({"binance-usdm"}), as_of=now)
    write_cache(cache_path(directory), universe, list_origin(SourceConfig.load(None)))


def test_offline_commands_read_the_cached_universe(tmp_path):
    store = tmp_path / "data" / "history.duckdb"
    _cache(store.parent)
    assert resolve_assets(["1000PEPEUSDT", "pepe", "ATOM-PERP"], store, live=False) == ["PEPE", "ATOM"]
    with pytest.raises(UserInputError, match=r"unknown symbol 'ATMO': did you mean ATOM\?"):
        resolve_assets(["ATMO"], store, live=False)


def test_without_a_cache_offline_commands_know_the_builtin_assets_only(tmp_path):
    store = tmp_path / "empty" / "history.duckdb"
    assert resolve_assets(["eth"], store, live=False) == ["ETH"]
    with pytest.raises(UserInputError, match="unknown symbol 'PEPE'"):
        resolve_assets(["PEPE"], store, live=False)


def test_demo_accepts_the_scenario_assets_only(tmp_path):
    from derivintel.sources.demo import DEMO_ASSETS

    assert command_universe(None, live=False, demo=True).assets == frozenset(DEMO_ASSETS)


def test_no_symbols_loads_nothing(tmp_path):
    assert resolve_assets([], tmp_path / "missing" / "x.duckdb", live=True) == []


def test_the_cache_lives_beside_every_store_form(tmp_path):
    assert cache_dir(tmp_path / "a" / "h.duckdb") == tmp_path / "a"
    assert cache_dir(f"chdb:{tmp_path / 'b' / 'store'}") == tmp_path / "b"
    assert cache_dir("clickhouse://localhost:8123/derivintel") == tmp_path / "home"
    assert cache_dir(None) == tmp_path / "home"


def test_study_accepts_a_listed_coin_and_says_what_is_missing(tmp_path, capsys):
    """Before, ``study PEPE`` stopped at "unknown symbol" (six built-in coins); now it reaches the store."""
    store = tmp_path / "data" / "history.duckdb"
    _cache(store.parent)
    from derivintel.store import HistoryStore

    with HistoryStore(store):
        pass
    assert main(["study", "1000PEPEUSDT", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "unknown symbol" not in err
    assert "PEPE" in err
    assert main(["study", "ATMO", "--store", str(store)]) == 2
    assert "did you mean ATOM?" in capsys.readouterr().err


def test_positions_accepts_a_listed_coin(tmp_path, capsys):
    store = tmp_path / "data" / "history.duckdb"
    _cache(store.parent)
    from derivintel.store import HistoryStore

    with HistoryStore(store):
        pass
    code = main(["positions", "PEPE", "--store", str(store)])
    err = capsys.readouterr().err
    assert code in (2, 3)
    assert "unknown symbol" not in err
