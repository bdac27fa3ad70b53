"""The instrument universe: fetch every perp venue's instrument list, cache it as JSON with a time-to-live.

What to fetch and how to parse it is declared per venue (``registry.INSTRUMENT_LISTS``). A venue whose list fails is
a ``Gap`` in the universe and keeps its declared symbol template; a universe is cached only when every list answered,
so a partial one is refetched next time. Without a fresh cache and without a network the stale cache is used, and
without any cache the built-in ``KNOWN_ASSETS`` (both with a note saying so).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from derivintel.core.errors import SourceError
from derivintel.core.provenance import Gap, GapKind
from derivintel.core.timeutil import utc
from derivintel.domain.assets import KNOWN_ASSETS
from derivintel.domain.universe import Listing, Universe
from derivintel.sources import registry
from derivintel.sources.assembly import error_gap
from derivintel.sources.config import SourceConfig
from derivintel.sources.http import HttpFetcher
from derivintel.sources.plan import build_request

CACHE_FILENAME = "instruments.json"
DEFAULT_TTL = timedelta(hours=24)
_CACHE_VERSION = 1


async def fetch_universe(
    config: SourceConfig,
    *,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Universe:
    """Fetch every venue's instrument list concurrently (venues in ``config.disabled`` left out) and parse it.

    A list that fails (network, HTTP status, bad payload) becomes a ``Gap``; the others make the universe."""
    lists: dict[str, tuple[Listing, ...]] = {}
    gaps: list[Gap] = []
    wanted = [item for item in registry.INSTRUMENT_LISTS if item.endpoint.provider not in config.disabled]
    async with httpx.AsyncClient(
        headers={"User-Agent": config.user_agent}, transport=transport, follow_redirects=True
    ) as client:
        fetcher = HttpFetcher(
            client=client,
            config=config,
            rate_limits={n: p.rate_limit for n, p in registry.PROVIDERS.items()},
            error_codes={n: p.error_codes for n, p in registry.PROVIDERS.items()},
        )

        async def one(provider: str, dataset: str, parser: Callable[..., tuple[Listing, ...]]) -> None:
            spec = build_request((provider, dataset, None), config, end=now)
            try:
                raw = await fetcher.fetch(spec)
                lists[provider] = parser(raw.body, ts_recv=raw.ts_received)
            except SourceError as exc:
                gaps.append(error_gap(exc, provider, dataset, "instrument list: "))

        jobs = [one(i.endpoint.provider, i.endpoint.dataset, i.parser) for i in wanted]
        try:
            await asyncio.wait_for(asyncio.gather(*jobs), timeout=config.total_timeout_s)
        except TimeoutError:
            answered = set(lists) | {g.source for g in gaps}
            reason = f"instrument list: no answer within the fetch budget of {config.total_timeout_s:g} s"
            gaps += [
                Gap(i.endpoint.provider, i.endpoint.dataset, GapKind.UNAVAILABLE, reason)
                for i in wanted
                if i.endpoint.provider not in answered
            ]
    counts = ", ".join(f"{p} {len(v)}" for p, v in sorted(lists.items()))
    note = f"instrument lists fetched at {now:%Y-%m-%d %H:%M} UTC ({counts or 'none answered'})"
    return Universe.from_lists(lists, as_of=now, gaps=gaps, notes=(note,))


# -- cache -----------------------------------------------------------------------------------------------------


def list_origin(config: SourceConfig) -> dict[str, str]:
    """Where each instrument list is fetched from (provider → base URL): a cache from elsewhere (another config, a
    test's loopback venues) is not this configuration's universe."""
    return {
        i.endpoint.provider: config.base_url(i.endpoint.provider, registry.PROVIDERS[i.endpoint.provider].base_url)
        for i in registry.INSTRUMENT_LISTS
    }


def universe_to_json(universe: Universe, origin: Mapping[str, str] | None = None) -> str:
    """The cache document of a fetched universe (listings, covered venues, fetch time, the base URLs asked)."""
    doc = {
        "version": _CACHE_VERSION,
        "origin": dict(sorted((origin or {}).items())),
        "fetched_at": None if universe.as_of is None else universe.as_of.isoformat(),
        "covered": sorted(universe.covered),
        "listings": [asdict(item) for item in universe.listings],
    }
    return json.dumps(doc, separators=(",", ":"))


def universe_from_json(text: str, origin: Mapping[str, str] | None = None) -> Universe:
    """Read a cache document; ``ValueError`` when it is not one (wrong version, missing or malformed fields) or was
    fetched from other base URLs than ``origin``."""
    try:
        doc = json.loads(text)
        if doc.get("version") != _CACHE_VERSION:
            raise ValueError(f"cache version {doc.get('version')!r}, expected {_CACHE_VERSION}")
        if dict(doc.get("origin") or {}) != dict(origin or {}):
            raise ValueError("fetched from other base URLs than this configuration's")
        as_of = utc(datetime.fromisoformat(doc["fetched_at"]))
        listings = tuple(Listing(**row) for row in doc["listings"])
        covered = frozenset(str(p) for p in doc["covered"])
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not an instrument cache: {type(exc).__name__}: {exc}") from exc
    by_provider: dict[str, list[Listing]] = {p: [] for p in covered}
    for item in listings:
        by_provider.setdefault(item.provider, []).append(item)
    note = f"instrument lists cached at {as_of:%Y-%m-%d %H:%M} UTC"
    return Universe.from_lists(by_provider, as_of=as_of, notes=(note,))


def write_cache(path: Path, universe: Universe, origin: Mapping[str, str] | None = None) -> None:
    """Write the cache atomically (temporary file, then rename) so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_text(universe_to_json(universe, origin), encoding="utf-8")
    tmp.replace(path)


def read_cache(path: Path, origin: Mapping[str, str] | None = None) -> tuple[Universe | None, str | None]:
    """``(universe, None)`` from the cache file, or ``(None, why not)`` when absent, unreadable or not fetched from
    ``origin``."""
    if not path.exists():
        return None, None
    try:
        return universe_from_json(path.read_text(encoding="utf-8"), origin), None
    except (OSError, ValueError) as exc:
        return None, f"instrument cache {path} unreadable ({exc}); ignored"


def load_universe(
    path: Path,
    *,
    now: datetime,
    fetch: Callable[[], Universe] | None,
    ttl: timedelta = DEFAULT_TTL,
    fallback_assets: Iterable[str] = KNOWN_ASSETS,
    origin: Mapping[str, str] | None = None,
) -> Universe:
    """The universe for one run: the cache at ``path`` while younger than ``ttl`` (by ``now``), else ``fetch()``
    (cached when every list answered), else the stale cache, else the built-in assets. ``fetch`` None: no network.

    ``origin`` (``list_origin``) names the base URLs asked: a cache written for others is ignored (and replaced).
    Every outcome other than a fresh cache or a complete fetch carries a note saying what was used and why."""
    cached, unreadable = read_cache(path, origin)
    notes = [] if unreadable is None else [unreadable]
    if cached is not None and cached.as_of is not None and now - cached.as_of < ttl:
        return _with_notes(cached, notes)
    fresh: Universe | None = None
    if fetch is not None:
        fresh = fetch()
        if fresh.covered and not fresh.gaps:
            write_cache(path, fresh, origin)
            return _with_notes(fresh, notes)
        if fresh.covered:
            failed = ", ".join(sorted({g.source for g in fresh.gaps}))
            notes.append(f"instrument list failed for {failed}: those venues use their declared symbols; not cached")
            return _with_notes(fresh, notes)
    gaps = () if fresh is None else fresh.gaps
    why = "no network asked" if fetch is None else "every instrument list failed"
    if cached is not None:
        note = f"instrument lists stale (older than {ttl}; {why}): the cached lists are used"
        stale = Universe(cached.listings, cached.covered, cached.as_of, tuple(gaps), cached.notes)
        return _with_notes(stale, [*notes, note])
    note = f"no instrument list cached and {why}: the built-in assets ({', '.join(sorted(fallback_assets))}) are used"
    return Universe.builtin_of(fallback_assets, "; ".join([*notes, note]), gaps)


def _with_notes(universe: Universe, notes: list[str]) -> Universe:
    if not notes:
        return universe
    return Universe(
        universe.listings,
        universe.covered,
        universe.as_of,
        universe.gaps,
        (*universe.notes, *notes),
        universe.builtin_assets,
    )


def cache_path(directory: Path) -> Path:
    """The cache file inside the data directory (the history store's directory)."""
    return directory / CACHE_FILENAME
