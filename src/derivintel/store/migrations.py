"""Schema versions of the history store and the migrations between them, run when a store is opened writable.

A store's version is read from its structure, not from a stored counter: each migration says by the tables' columns
whether it is applied, so a process killed during one simply runs it again at the next open (every ``rebuild`` leaves
the old table untouched until the new one is complete). Version 1 is every store written before versions existed.

- 2: ``option_rows`` gets ``venue`` in its key (the other option venues' chains are stored beside Deribit's, whose
  instrument names Bybit's repeat); the rows already stored are Deribit's (``sources.roles.PRIMARY_OPTIONS_VENUE``).

A store opened read-only is never changed: its readers accept the older layout (``HistoryStore`` reads a version-1
``option_rows`` as Deribit's rows) until a writable open migrates it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derivintel.sources.roles import PRIMARY_OPTIONS_VENUE
from derivintel.store.backends.base import StoreBackend
from derivintel.store.schema import OPTION_ROWS


@dataclass(frozen=True, slots=True)
class Migration:
    """The step to ``version``: ``applied(backend, con)`` says whether the store already has it (or has nothing the
    step changes); ``apply`` makes it."""

    version: int
    description: str
    applied: Callable[[StoreBackend, Any], bool]
    apply: Callable[[StoreBackend, Any], None]


def option_rows_have_venue(backend: StoreBackend, con: Any) -> bool:
    """Whether ``option_rows`` has its ``venue`` column (True when the table does not exist yet: it will be created
    with it)."""
    cols = backend.columns(con, OPTION_ROWS.name)
    return not cols or "venue" in cols


def _option_rows_venue(backend: StoreBackend, con: Any) -> None:
    select = {c: c for c in OPTION_ROWS.column_names}
    select["venue"] = f"'{PRIMARY_OPTIONS_VENUE}'"
    backend.rebuild(con, OPTION_ROWS, select)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "option_rows: venue in the key; rows stored before are Deribit's", option_rows_have_venue,
              _option_rows_venue),
)  # fmt: skip
SCHEMA_VERSION = MIGRATIONS[-1].version
"""The version a store has once opened writable by this code."""


def schema_version(backend: StoreBackend, con: Any) -> int:
    """The store's version: that of the last migration it has (1 when it has none)."""
    version = 1
    for m in MIGRATIONS:
        if not m.applied(backend, con):
            break
        version = m.version
    return version


def migrate(backend: StoreBackend, con: Any) -> list[Migration]:
    """Apply, in order, every migration the store lacks; the ones applied."""
    done = []
    for m in MIGRATIONS:
        if not m.applied(backend, con):
            m.apply(backend, con)
            done.append(m)
    return done
