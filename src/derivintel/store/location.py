"""Where the history store lives: ``--store PATH`` > ``$DERIVINTEL_HOME`` > ``$XDG_DATA_HOME/derivintel`` >
``~/.local/share/derivintel``. The database file is ``history.duckdb`` inside that directory. ``--store chdb:PATH``
and ``--store clickhouse://HOST:PORT/DB`` choose the ClickHouse backends instead (``store_location``)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from derivintel.core.errors import UserInputError

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


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """Where a store lives and which backend runs it: ``duckdb`` (a file), ``chdb`` (a directory run by chDB, the
    ClickHouse engine in process) or ``clickhouse`` (a server: ``url`` = ``clickhouse://HOST:PORT/DB``)."""

    backend: str
    path: Path | None = None
    url: str | None = None

    def exists(self) -> bool:
        """Whether the store is there to read (a server is assumed to be: connecting says otherwise)."""
        if self.backend == "clickhouse":
            return True
        assert self.path is not None
        if self.backend == "chdb":
            return (self.path / "metadata").exists()
        return self.path.exists()

    def __str__(self) -> str:
        if self.backend == "clickhouse":
            return str(self.url)
        return f"chdb:{self.path}" if self.backend == "chdb" else str(self.path)


_CLICKHOUSE = re.compile(r"^clickhouse:/{1,2}(?P<rest>[^/].*)$")  # a typer Path folds "//" to "/"


def store_location(store: Path | str | None = None, env: Mapping[str, str] | None = None) -> StoreLocation:
    """Parse ``--store``: ``chdb:PATH``, ``clickhouse://HOST:PORT/DB``, else a DuckDB file or directory
    (``resolve_store_path``). A ClickHouse URL without a database is refused in one line."""
    text = "" if store is None else str(store)
    if text.startswith("chdb:"):
        return StoreLocation("chdb", path=Path(text[len("chdb:") :]).expanduser())
    m = _CLICKHOUSE.match(text)
    if m:
        rest = m.group("rest")
        if "/" not in rest or not rest.split("/", 1)[1]:
            raise UserInputError(f"--store {text}: say the database, e.g. clickhouse://localhost:8123/derivintel")
        return StoreLocation("clickhouse", url=f"clickhouse://{rest}")
    return StoreLocation("duckdb", path=resolve_store_path(store, env))
