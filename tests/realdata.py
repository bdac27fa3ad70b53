"""Locate ``../shared/data/real`` (or ``$DERIVINTEL_REAL_DATA``); skip the calling test when it is absent.

The recorded data is read in place, never copied into the project.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
REAL_DATA_DIR = Path(os.environ.get("DERIVINTEL_REAL_DATA", _DEFAULT))


def real_path(*parts: str) -> Path:
    """Path of a file under the real-data folder; ``pytest.skip`` with a reason when it is not there."""
    path = REAL_DATA_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real recorded data not available: {path} (see ../shared/data/real/SOURCES.md)")
    return path
