"""Dated-futures basis curve: annualised basis per expiry, a constant-maturity 3-month basis and the curve's shape.

Definitions (all fractions; ``S`` is the spot the future is compared with):

- ``days = (expiry − t) / 1 day`` with ``t`` the time of that future's own observation (its ``source.as_of``,
  when its mark and index were true; staleness against the report's ``as_of`` is the freshness table's job).
  Expiries closer than ``min_days`` (3 days) are left out: a few hours of mark noise there annualise into tens of
  percent.
- ``basis = F / S − 1`` (total, over the life of the contract); ``annualised = basis × 365.25 / days``
  (simple, per year: unit ``fraction_per_year``).
- ``S`` is the venue's own index when its payload carries one, else the reference spot the caller passes (the
  assessment passes the median of the perps' spot indices, else the reference price); ``spot_kind`` says which.
- Composite curve: per expiry date, the median total basis over the venues that list it (quarterlies share the same
  date on every venue), annualised over that expiry's days.
- Constant-maturity 3-month basis (``tenor_days`` = 365.25 / 4 = 91.3125 days): linear interpolation in TOTAL basis
  over days between the composite expiries that bracket it, then annualised over ``tenor_days``. Outside the listed
  expiries it is extrapolated by holding the nearest expiry's annualised basis (below the first expiry this is the
  straight line through spot, basis 0 at day 0) and flagged ``cm_3m_extrapolated`` (the result is then partial).
- Shape, on the composite curve: ``flat`` when every annualised basis is within ±``flat_apr`` (1 % a year); else
  ``contango`` when the total basis never falls by more than ``step_tol`` (5 bp of spot) from one expiry to the next,
  ``backwardation`` when it never rises by more than ``step_tol``, otherwise ``humped`` (rises then falls, or the
  reverse: ``shape_detail`` says at which expiry it turns). A front expiry below spot under a rising curve stays
  contango and ``shape_detail`` says so. With one expiry: contango above spot, backwardation below.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from statistics import median

from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.domain.futures import DatedFuture
from derivintel.domain.venue import VenueId

DAYS_PER_YEAR = 365.25
DAY_S = 86_400.0


class CurveShape(StrEnum):
    CONTANGO = "contango"
    BACKWARDATION = "backwardation"
    FLAT = "flat"
    HUMPED = "humped"


class SpotKind(StrEnum):
    VENUE_INDEX = "venue_index"  # the venue's own index, from the same payload as the future's mark
    REFERENCE = "reference"  # the caller's reference spot (median perp index, else the reference price)


@dataclass(frozen=True, slots=True)
class BasisCurveParams:
    """Cut, tenor and shape thresholds (days; fractions; fractions per year)."""

    min_days: float = 3.0
    tenor_days: float = DAYS_PER_YEAR / 4
    flat_apr: float = 0.01
    step_tol: float = 0.0005

    def as_dict(self) -> dict[str, float]:
        return {
            "min_days": self.min_days,
            "tenor_days": self.tenor_days,
            "flat_apr": self.flat_apr,
            "step_tol": self.step_tol,
        }


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One venue's expiry: ``basis_fraction`` total (F/S − 1), ``basis_annualised`` per year, ``oi_usd`` if known."""

    venue: VenueId
    venue_symbol: str
    expiry: datetime
    days: float
    future_usd: float
    spot_usd: float
    spot_kind: SpotKind
    basis_fraction: float
    basis_annualised: float
    oi_usd: float | None
    margin: str  # linear | inverse
    source: Source


@dataclass(frozen=True, slots=True)
class CompositePoint:
    """One expiry date across venues: median total basis of ``venues`` and its annualised value."""

    expiry: datetime
    days: float
    basis_fraction: float
    basis_annualised: float
    venues: tuple[VenueId, ...]


@dataclass(frozen=True, slots=True)
class ConstantMaturity:
    """A constant-maturity basis: annualised (per year), the expiries used, and whether it is extrapolated."""

    basis_annualised: float
    extrapolated: bool
    lower: datetime | None  # the bracketing (or nearest) expiries used
    upper: datetime | None


@dataclass(frozen=True, slots=True)
class BasisCurve:
    """Per-venue curves, the composite curve, the 3-month constant-maturity basis and the shape."""

    points: tuple[CurvePoint, ...]  # every expiry used, sorted by days then venue
    composite: tuple[CompositePoint, ...]
    cm_3m: ConstantMaturity
    venue_cm_3m: Mapping[VenueId, ConstantMaturity]
    shape: CurveShape
    shape_detail: str
    excluded: tuple[str, ...] = ()  # venue:symbol left out, with the reason
    venues: tuple[VenueId, ...] = field(default=())

    def venue_points(self, venue: VenueId) -> tuple[CurvePoint, ...]:
        return tuple(p for p in self.points if p.venue == venue)


def _days(f: DatedFuture) -> float:
    return (f.expiry - f.source.as_of).total_seconds() / DAY_S


def _point(f: DatedFuture, spot_usd: float, kind: SpotKind) -> CurvePoint:
    days = _days(f)
    basis = f.mark_price_usd / spot_usd - 1.0
    return CurvePoint(
        venue=f.venue,
        venue_symbol=f.venue_symbol,
        expiry=f.expiry,
        days=days,
        future_usd=f.mark_price_usd,
        spot_usd=spot_usd,
        spot_kind=kind,
        basis_fraction=basis,
        basis_annualised=basis * DAYS_PER_YEAR / days,
        oi_usd=f.oi_usd,
        margin=f.margin.value,
        source=f.source,
    )


def composite_curve(points: Iterable[CurvePoint]) -> tuple[CompositePoint, ...]:
    """Per expiry, the median total basis over the venues listing it; sorted by days."""
    by_expiry: dict[datetime, list[CurvePoint]] = {}
    for p in points:
        by_expiry.setdefault(p.expiry, []).append(p)
    out = []
    for expiry, group in sorted(by_expiry.items()):
        days = float(median(p.days for p in group))  # venues observed within moments of each other
        basis = float(median(p.basis_fraction for p in group))
        out.append(
            CompositePoint(expiry, days, basis, basis * DAYS_PER_YEAR / days, tuple(sorted({p.venue for p in group})))
        )
    return tuple(out)


def constant_maturity(curve: Sequence[tuple[float, float, datetime]], tenor_days: float) -> ConstantMaturity | None:
    """Annualised basis at ``tenor_days`` from ``(days, total basis, expiry)`` points sorted by days.

    Linear in total basis between the bracketing points; outside them the nearest point's annualised basis,
    flagged as extrapolated. None without points.
    """
    if not curve:
        return None
    first, last = curve[0], curve[-1]
    if tenor_days < first[0]:
        return ConstantMaturity(first[1] * DAYS_PER_YEAR / first[0], True, None, first[2])
    if tenor_days > last[0]:
        return ConstantMaturity(last[1] * DAYS_PER_YEAR / last[0], True, last[2], None)
    for (d0, b0, e0), (d1, b1, e1) in itertools.pairwise(curve):
        if d0 <= tenor_days <= d1:
            total = b0 if d1 == d0 else b0 + (b1 - b0) * (tenor_days - d0) / (d1 - d0)
            return ConstantMaturity(total * DAYS_PER_YEAR / tenor_days, False, e0, e1)
    # a single point exactly at the tenor
    return ConstantMaturity(first[1] * DAYS_PER_YEAR / first[0], False, first[2], first[2])


def curve_shape(composite: Sequence[CompositePoint], params: BasisCurveParams) -> tuple[CurveShape, str]:
    """Shape of the composite curve (module docstring) and a sentence saying why."""
    if all(abs(p.basis_annualised) < params.flat_apr for p in composite):
        return CurveShape.FLAT, f"every expiry within ±{params.flat_apr:.0%} a year of spot"
    tol = params.step_tol
    totals = [p.basis_fraction for p in composite]
    if len(totals) == 1:
        up = totals[0] > 0
        return (
            (CurveShape.CONTANGO, "the one expiry trades above spot")
            if up
            else (CurveShape.BACKWARDATION, "the one expiry trades below spot")
        )
    steps = [b - a for a, b in itertools.pairwise(totals)]
    signs = [0 if abs(x) <= tol else (1 if x > 0 else -1) for x in steps]
    front = ""
    if totals[0] < -tol:
        front = "; the nearest expiry trades below spot"
    elif totals[0] > tol:
        front = "; the nearest expiry trades above spot"
    if all(x >= 0 for x in signs):
        return CurveShape.CONTANGO, "total basis non-decreasing with maturity" + front
    if all(x <= 0 for x in signs):
        return CurveShape.BACKWARDATION, "total basis non-increasing with maturity" + front
    first = next(x for x in signs if x != 0)
    turn = next(i for i, x in enumerate(signs) if x == -first)  # the first step against the opening direction
    expiry = composite[turn].expiry.strftime("%d %b %Y")
    kind = "peaks" if first > 0 else "troughs"
    return CurveShape.HUMPED, f"total basis {kind} at the {expiry} expiry"


def basis_curve(
    futures: Sequence[DatedFuture],
    *,
    reference_spot_usd: float | None,
    reference_sources: Iterable[Source] = (),
    params: BasisCurveParams = BasisCurveParams(),
) -> Result[BasisCurve]:
    """The basis curve of one asset's dated futures (module docstring for every definition)."""
    p = params.as_dict()
    if not futures:
        return Result.missing("no dated futures for this asset on the venues asked", params=p)
    points: list[CurvePoint] = []
    excluded: list[str] = []
    used_reference = False
    for f in futures:
        days = _days(f)
        name = f"{f.venue}:{f.venue_symbol}"
        if days < params.min_days:
            excluded.append(f"{name} expires in {days:.1f} days (< {params.min_days:g})")
            continue
        if f.index_price_usd is not None and f.index_price_usd > 0:
            points.append(_point(f, f.index_price_usd, SpotKind.VENUE_INDEX))
        elif reference_spot_usd is not None and reference_spot_usd > 0:
            points.append(_point(f, reference_spot_usd, SpotKind.REFERENCE))
            used_reference = True
        else:
            excluded.append(f"{name} has no index and no reference price is known")
    if not points:
        reason = f"no usable dated future (at least {params.min_days:g} days to expiry, and a spot to compare with)"
        return Result.missing(reason, *excluded, params=p)
    points.sort(key=lambda q: (q.days, q.venue))
    composite = composite_curve(points)
    cm = constant_maturity([(c.days, c.basis_fraction, c.expiry) for c in composite], params.tenor_days)
    assert cm is not None  # composite is not empty
    venues = tuple(sorted({q.venue for q in points}))
    venue_cm: dict[VenueId, ConstantMaturity] = {}
    for v in venues:  # a venue listing several contracts on one date (linear and inverse) counts their median
        own = composite_curve(q for q in points if q.venue == v)
        vcm = constant_maturity([(c.days, c.basis_fraction, c.expiry) for c in own], params.tenor_days)
        if vcm is not None:
            venue_cm[v] = vcm
    shape, detail = curve_shape(composite, params)
    reasons = list(excluded)
    if cm.extrapolated:
        span = f"{composite[0].days:.0f}–{composite[-1].days:.0f}"
        reasons.append(f"3-month basis extrapolated: the listed expiries span {span} days")
    if used_reference:
        reasons.append("some venues publish no index with their futures: their basis is against the reference spot")
    if len(composite) == 1:
        reasons.append("one expiry only: the shape rests on spot and that expiry")
    sources = [q.source for q in points]
    if used_reference:
        sources += list(reference_sources)
    curve = BasisCurve(
        points=tuple(points),
        composite=composite,
        cm_3m=cm,
        venue_cm_3m=venue_cm,
        shape=shape,
        shape_detail=detail,
        excluded=tuple(excluded),
        venues=venues,
    )
    return Result.of(
        curve,
        sources=dict.fromkeys(sources),
        params=p,
        reasons=reasons,
        partial=cm.extrapolated,
    )
