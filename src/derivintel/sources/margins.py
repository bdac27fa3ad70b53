"""Every venue's maintenance-margin declarations in one book (venue id, asset) → ``VenueMargin``.

Gathered from each venue folder's ``margins.py`` (a ``MARGINS`` tuple of ``VenueMargin``): a venue declares its
margins in its folder and nothing else changes. Pure data, no I/O and no heavy imports (the demo path reads it). A
venue without a declaration gets the liquidation map's default MMR, said so in the map's reasons.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import derivintel.sources as _sources
from derivintel.domain.margins import MarginBook, VenueMargin, margin_book


def _declared() -> tuple[VenueMargin, ...]:
    out: list[VenueMargin] = []
    for pkg in sorted(m.name for m in pkgutil.iter_modules(_sources.__path__) if m.ispkg):
        folder = [str(Path(p) / pkg) for p in _sources.__path__]
        if any(m.name == "margins" for m in pkgutil.iter_modules(folder)):  # listed without importing the folder
            out += importlib.import_module(f"{_sources.__name__}.{pkg}.margins").MARGINS
    return tuple(out)


VENUE_MARGINS: MarginBook = margin_book(*_declared())
