"""The assets a command is given, checked the same way for every command: against the instrument universe.

A live command (``report``, ``collect``, ``backfill``, ``collect-liquidations``, ``collect positions``, ``watch``,
``doctor``) checks its symbols against the venues' instrument lists (cached beside the history store for 24 h,
refetched when older; the built-in assets when neither cache nor network is there); a command that only reads the
store or a file (``study``, ``positions``, ``report --asof``, ``report --from``) reads the cache and never fetches; the
demo accepts the synthetic scenario's assets. So a coin listed on a venue (``PEPE``, ``1000PEPEUSDT``) is accepted by
every command, and a misspelt one gets "did you mean" over every listed coin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from derivintel.domain.assets import normalise_asset
from derivintel.domain.universe import Universe

Say = Callable[[str], None]


def _silent(_: str) -> None:
    return None


def cache_dir(store: Path | str | None) -> Path:
    """The data directory the instrument cache lives in: beside a DuckDB file or a chDB directory; the default data
    directory for a ClickHouse server (or no ``--store``)."""
    from derivintel.store import default_store_dir, store_location

    loc = store_location(store)
    return default_store_dir() if loc.path is None else loc.path.parent


def command_universe(
    store: Path | str | None,
    *,
    live: bool,
    demo: bool = False,
    config_path: Path | None = None,
    say: Say = _silent,
    now: datetime | None = None,
) -> Universe:
    """The universe a command's symbols are checked against (see the module doc). ``live`` False: the cache only
    (no network). ``store`` locates the cache (the history store's directory; None: the default data directory)."""
    if demo:
        from derivintel.sources.demo import DEMO_ASSETS

        return Universe.builtin_of(DEMO_ASSETS, "the synthetic demo scenario's assets")
    from derivintel.sources.config import SourceConfig
    from derivintel.sources.universe import cache_path, fetch_universe, list_origin, load_universe

    now = now or datetime.now(UTC)
    path = cache_path(cache_dir(store))
    config = SourceConfig.load(config_path)

    def fetch() -> Universe:
        import asyncio

        say("fetching the venues' instrument lists")
        return asyncio.run(fetch_universe(config, now=now))

    universe = load_universe(path, now=now, fetch=fetch if live else None, origin=list_origin(config))
    for note in universe.notes:
        say(note)
    return universe


def resolve_assets(
    symbols: Iterable[str],
    store: Path | str | None,
    *,
    live: bool,
    demo: bool = False,
    config_path: Path | None = None,
    say: Say = _silent,
) -> list[str]:
    """The symbols as assets (``1000PEPEUSDT`` → ``PEPE``), duplicates dropped, order kept; an unknown symbol is a
    ``UserInputError`` (one line with suggestions). The universe is loaded once, and only when a symbol is given."""
    symbols = list(symbols)
    if not symbols:
        return []
    universe = command_universe(store, live=live, demo=demo, config_path=config_path, say=say)
    return list(dict.fromkeys(normalise_asset(s, universe) for s in symbols))
