"""Which venues' liquidation streams are samples, and what that means for totals: venue id → note.

Gathered from each venue folder's ``ws.py`` (its ``STREAM``'s ``sampled_note``), the way ``sources.margins`` gathers
margins: a venue declares it in its folder and nothing else changes. Light: no network library is imported.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from pathlib import Path

import derivintel.sources as _sources
from derivintel.domain.venue import VenueId


def _declared() -> dict[VenueId, str]:
    out: dict[VenueId, str] = {}
    for pkg in sorted(m.name for m in pkgutil.iter_modules(_sources.__path__) if m.ispkg):
        folder = [str(Path(p) / pkg) for p in _sources.__path__]
        if any(m.name == "ws" for m in pkgutil.iter_modules(folder)):  # listed without importing the folder
            stream = getattr(importlib.import_module(f"{_sources.__name__}.{pkg}.ws"), "STREAM", None)
            note = getattr(stream, "sampled_note", None)
            if stream is not None and note:
                out[stream.venue] = note
    return out


LIQUIDATION_SAMPLING: Mapping[VenueId, str] = _declared()
