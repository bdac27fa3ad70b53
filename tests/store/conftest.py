"""The store's contract tests run on every backend: ``store_at(tmp_path, name)`` gives the ``--store`` value of a new
store for the backend of the test's ``backend`` parameter.

- ``duckdb``: a file (always);
- ``chdb``: a directory run by chDB (installed by ``.[dev]``; skipped with the reason when it is not importable);
- ``clickhouse``: a fresh database on the server of ``$DERIVINTEL_CLICKHOUSE_URL`` (``clickhouse://HOST:PORT``),
  opt-in: marker ``clickhouse`` (deselected by default; ``pytest -m clickhouse``), skipped without the variable.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CLICKHOUSE_ENV = "DERIVINTEL_CLICKHOUSE_URL"
BACKENDS = [
    "duckdb",
    pytest.param(
        "chdb",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("chdb") is None, reason="chdb not installed (pip install -e '.[dev]')"
        ),
    ),
    pytest.param("clickhouse", marks=pytest.mark.clickhouse),
]

StoreAt = Callable[[Path, str], str]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_at(backend: str) -> Iterator[StoreAt]:
    """``store_at(dir, name)``: the ``--store`` text of a new store named ``name`` for ``backend``."""
    created: list[str] = []
    base = os.environ.get(CLICKHOUSE_ENV, "")
    if backend == "clickhouse" and not base:
        pytest.skip(f"no ClickHouse server: set {CLICKHOUSE_ENV}=clickhouse://HOST:PORT")

    def make(directory: Path, name: str) -> str:
        if backend == "duckdb":
            return str(directory / f"{name}.duckdb")
        if backend == "chdb":
            return f"chdb:{directory / name}"
        db = f"derivintel_test_{name}_{uuid.uuid4().hex[:8]}"
        created.append(db)
        return f"{base.rstrip('/')}/{db}"

    yield make
    if created:
        import clickhouse_connect

        from derivintel.store.location import store_location

        url = str(store_location(f"{base.rstrip('/')}/x").url)
        host, _, port = url.removeprefix("clickhouse://").split("/")[0].partition(":")
        client = clickhouse_connect.get_client(host=host, port=int(port or 8123))
        for db in created:
            client.command(f"DROP DATABASE IF EXISTS {db}")
        client.close()
