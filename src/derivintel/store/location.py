"""Where the history store lives: ``--store PATH`` > ``$DERIVINTEL_HOME`` > ``$XDG_DATA_HOME/derivintel`` >
``~/.local/share/derivintel``. The database file is ``history.duckdb`` inside that directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

STORE_FILENAME = "history.duckdb"


def default_store_dir(env: Mapping[str, str] | None = None) -> Path:
    """The data directory from the environment (``DERIVINTEL_HOME``, then ``XDG_DATA_HOME``, then the home dir)."""
    env = os.environ if env is None else env
    if env.get("DERIVINTEL_HOME"):
        return Path(env["DERIVINTEL_HOME"]).expanduser()
    if env.get("XDG_DATA_HOME"):
        return Path(env["XDG_DATA_HOME"]).expanduser() / "derivintel"
    return Path.home() / ".local" / "share" / "derivintel"


def resolve_store_path(store: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The database file: ``store`` when given (a directory gets ``history.duckdb`` appended), else the default."""
    if store is not None:
        p = Path(store).expanduser()
        return p / STORE_FILENAME if p.is_dir() else p
    return default_store_dir(env) / STORE_FILENAME
