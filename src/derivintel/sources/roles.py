"""Roles a venue plays in the report beyond its own data, gathered from each venue folder's ``roles.py`` (the way
``sources.margins`` gathers margins), so no module outside the venue folders names a venue:

- ``PRIMARY_OPTIONS_VENUE``: the venue whose chain is ``AssetData.options`` (exactly one folder declares it);
- ``OPTION_VENUE_ORDER``: the other option venues in the order the live assembly fills ``AssetData.venue_options``
  (declared ranks; a point-in-time report restores them in this order);
- ``CROWDING_LONG_SHARE_VENUE``: the venue family whose long/short shares the crowding call reads (exactly one).

Light: only the ``roles`` modules are imported (no parser, no network library).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import derivintel.sources as _sources
from derivintel.domain.venue import VenueId


def _role_modules() -> list[ModuleType]:
    out = []
    for pkg in sorted(m.name for m in pkgutil.iter_modules(_sources.__path__) if m.ispkg):
        folder = [str(Path(p) / pkg) for p in _sources.__path__]
        if any(m.name == "roles" for m in pkgutil.iter_modules(folder)):  # listed without importing the folder
            out.append(importlib.import_module(f"{_sources.__name__}.{pkg}.roles"))
    return out


_MODULES = _role_modules()


def _one(name: str) -> Any:
    found = [getattr(m, name) for m in _MODULES if hasattr(m, name)]
    if len(found) != 1:
        raise RuntimeError(f"{name}: {len(found)} venue folders declare it, exactly one must")
    return found[0]


PRIMARY_OPTIONS_VENUE: VenueId = _one("PRIMARY_OPTIONS_VENUE")
CROWDING_LONG_SHARE_VENUE: str = _one("CROWDING_LONG_SHARE_VENUE")
_RANKS: dict[VenueId, int] = {v: r for m in _MODULES for v, r in getattr(m, "OPTION_VENUE_RANKS", {}).items()}
OPTION_VENUE_ORDER: tuple[VenueId, ...] = tuple(sorted(_RANKS, key=lambda v: (_RANKS[v], v)))
