"""The model of ``derivintel doctor``'s convention checks, shared by the generic checks (``sources/doctor.py``) and
each venue's own (``sources/<venue>/checks.py``, listed in ``registry``): ``Check``, ``Verdict``, tolerances, and
the small readers the checks use. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from derivintel.core.errors import SourceError
from derivintel.domain.snapshot import AssetData
from derivintel.domain.venue import VenueId
from derivintel.sources.payload import Where, load_json, to_float
from derivintel.sources.wire import RawResponse

# Relative tolerance between two figures of the SAME payload and instant (rounding only).
SAME_PAYLOAD_RTOL = 0.01
# Band for figures of one venue taken up to an hour apart (OI moves a few % an hour; a sidedness error is × 2).
SAME_VENUE_BAND = (0.75, 1.0 / 0.75)


class Verdict(StrEnum):
    OK = "ok"
    FAIL = "FAIL"
    NA = "n/a"


@dataclass(frozen=True, slots=True)
class Check:
    """One convention checked on one endpoint: ``verdict`` and the ``evidence`` (numbers) behind it."""

    endpoint: str
    check: str
    verdict: Verdict
    evidence: str


def failed(checks: Iterable[Check]) -> list[Check]:
    """The checks whose convention no longer holds."""
    return [c for c in checks if c.verdict is Verdict.FAIL]


def read_json(raw: RawResponse | None) -> Any:
    if raw is None or not raw.ok:
        return None
    try:
        return load_json(raw.body, Where(raw.provider, raw.dataset))
    except SourceError:
        return None


def num(obj: Any, key: str) -> float | None:
    if not isinstance(obj, dict) or obj.get(key) in (None, ""):
        return None
    try:
        return to_float(obj[key], Where("doctor", key), key)
    except SourceError:
        return None


def ratio_check(endpoint: str, check: str, ratio: float, band: tuple[float, float], evidence: str) -> Check:
    verdict = Verdict.OK if band[0] <= ratio <= band[1] else Verdict.FAIL
    return Check(endpoint, check, verdict, evidence)


# A venue's own checks of one asset: (asset, its assembled data, the latest response per request key) → checks.
VenueChecks = Callable[[str, AssetData, Mapping[tuple[str, str, str | None], RawResponse]], list[Check]]


@dataclass(frozen=True, slots=True)
class FundingCheck:
    """A venue whose declared funding interval is checked against the spacing of its settlements: ``venue`` as
    in ``PerpMetrics.venue``, ``history`` the endpoint label of its funding history, ``declared_by`` where the
    declared interval comes from (in words)."""

    venue: VenueId
    history: str
    declared_by: str
