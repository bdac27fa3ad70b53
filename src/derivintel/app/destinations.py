"""Check an output destination BEFORE the work that fills it (a fetch of 81 sources, a study, a report), so a
read-only or missing destination is one line and exit 2 up front instead of lost work at the end."""

from __future__ import annotations

import tempfile
from pathlib import Path

from derivintel.core.errors import UserInputError


def check_writable(path: Path, option: str) -> None:
    """Raise ``UserInputError`` unless ``path`` can be written, by trying it: an existing file is opened for append
    (nothing changes), else a temporary file is created and removed in its directory. Called before long work so
    that nothing is lost at the end (permission bits alone mislead, e.g. for root or read-only mounts)."""
    if path.is_dir():
        raise UserInputError(f"{option} {path}: cannot write (a directory, expected a file)")
    parent = path.parent
    if not parent.is_dir():
        raise UserInputError(f"{option} {path}: cannot write (directory {parent} does not exist)")
    try:
        if path.exists():
            with path.open("ab"):
                pass
        else:
            with tempfile.NamedTemporaryFile(dir=parent, prefix=".derivintel-probe-"):
                pass
    except OSError as exc:
        raise UserInputError(f"{option} {path}: cannot write ({exc.strerror or exc})") from exc


def check_archive_dir(path: Path, option: str) -> None:
    """Raise ``UserInputError`` unless ``path`` can receive a raw archive: an existing directory without a
    ``manifest.json`` in which a file can be created, or a directory that can be created (its nearest existing
    parent is writable). Nothing is left behind by the check."""
    if path.exists() and not path.is_dir():
        raise UserInputError(f"{option} {path}: exists and is not a directory")
    if (path / "manifest.json").exists():
        raise UserInputError(f"{option} {path}: already holds an archive (manifest.json); choose an empty directory")
    probe_dir = path
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise UserInputError(f"{option} {path}: {probe_dir} is not a directory")
    try:
        with tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".derivintel-probe-"):
            pass
    except OSError as exc:
        raise UserInputError(f"{option} {path}: cannot write in {probe_dir} ({exc.strerror or exc})") from exc
