"""Wire records: a concrete request (``RequestSpec``) and one recorded HTTP exchange (``RawResponse``).

A leaf module (no I/O, no imports from the rest of ``sources``) so that the registry, the assembly and the fetch
layer can all name them without an import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

BLOCKED_STATUS = frozenset({403, 418, 451})  # blocked from this location: not retried
REJECTED_KEY_STATUS = frozenset({401, 403})  # of a keyed provider: its key was refused, not retried


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A concrete request: ``provider``/``dataset`` for ``asset`` (None for market-wide data)."""

    provider: str
    dataset: str
    asset: str | None
    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    json_body: Any = None
    page: int = 0  # 0 for the first (or only) request of a dataset; n for its n-th follow-up page

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.provider, self.dataset, self.asset)

    @property
    def label(self) -> str:
        suffix = f" [{self.asset}]" if self.asset else ""
        return f"{self.provider}/{self.dataset}{suffix}"


@dataclass(frozen=True)
class RawResponse:
    """One HTTP exchange, byte for byte: the request (``method``, ``url``, ``params``, ``request_body``), the
    answer (``status``, ``headers``, ``body``) and the times it was sent and received (UTC)."""

    provider: str
    dataset: str
    asset: str | None
    method: str
    url: str
    params: Mapping[str, str]
    request_body: bytes | None
    status: int
    headers: Mapping[str, str]
    body: bytes
    ts_sent: datetime
    ts_received: datetime
    attempt: int = 1
    page: int = 0  # which page of a paged dataset (``RequestSpec.page``)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.provider, self.dataset, self.asset)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300
