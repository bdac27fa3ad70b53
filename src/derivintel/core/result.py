"""The result of one analytic: value, status, reasons, parameters and provenance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from derivintel.core.provenance import Source

T = TypeVar("T")


class Status(StrEnum):
    """How complete a result is."""

    OK = "ok"
    PARTIAL = "partial"  # computed, but some inputs were missing; ``reasons`` says which
    INSUFFICIENT_DATA = "insufficient_data"  # not computed; ``value`` is None


@dataclass(frozen=True, slots=True)
class Result(Generic[T]):
    """One analytic's output.

    ``value`` is None exactly when ``status`` is ``INSUFFICIENT_DATA``. ``params`` records the parameters used
    (window lengths, thresholds) and ``sources`` the observations the value rests on.
    """

    value: T | None
    status: Status
    reasons: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()

    def __post_init__(self) -> None:
        if (self.value is None) != (self.status is Status.INSUFFICIENT_DATA):
            raise ValueError(f"value/status mismatch: value={self.value!r} status={self.status}")

    @property
    def ok(self) -> bool:
        """True when a value exists (status ok or partial)."""
        return self.value is not None

    @classmethod
    def of(
        cls,
        value: T,
        *,
        sources: Iterable[Source] = (),
        params: Mapping[str, Any] | None = None,
        reasons: Iterable[str] = (),
        partial: bool = False,
    ) -> Result[T]:
        """A computed result; ``partial=True`` when some inputs were missing (say which in ``reasons``)."""
        return cls(
            value=value,
            status=Status.PARTIAL if partial else Status.OK,
            reasons=tuple(reasons),
            params=dict(params or {}),
            sources=tuple(sources),
        )

    @classmethod
    def missing(cls, *reasons: str, params: Mapping[str, Any] | None = None) -> Result[T]:
        """No value: the inputs were insufficient; ``reasons`` say why."""
        return cls(value=None, status=Status.INSUFFICIENT_DATA, reasons=tuple(reasons), params=dict(params or {}))
