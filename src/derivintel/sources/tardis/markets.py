"""Every exchange's Tardis.dev conventions in one map, Tardis exchange name → ``TardisMarket``.

Gathered from each venue folder's ``tardis.py`` (a ``TARDIS`` declaration), as ``sources.margins`` gathers the
margins: a venue declares how its Tardis files are read in its folder and nothing else changes. An exchange without
a declaration is refused by the parsers, never guessed.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from pathlib import Path

import derivintel.sources as _sources
from derivintel.sources.declarations import TardisMarket


def _declared() -> dict[str, TardisMarket]:
    out: dict[str, TardisMarket] = {}
    for pkg in sorted(m.name for m in pkgutil.iter_modules(_sources.__path__) if m.ispkg):
        folder = [str(Path(p) / pkg) for p in _sources.__path__]
        if any(m.name == "tardis" for m in pkgutil.iter_modules(folder)):  # listed without importing the folder
            market: TardisMarket = importlib.import_module(f"{_sources.__name__}.{pkg}.tardis").TARDIS
            out[market.exchange] = market
    return out


TARDIS_MARKETS: Mapping[str, TardisMarket] = _declared()
