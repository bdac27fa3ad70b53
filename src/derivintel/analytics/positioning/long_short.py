"""Latest long/short ratios per (venue, kind), labelled by what they count (accounts vs top-position notional)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.analytics.positioning.open_interest import index_at_or_before
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime
from derivintel.core.units import long_share_from_ratio
from derivintel.domain.series import LongShortKind, LongShortSeries
from derivintel.domain.venue import VenueId

KIND_LABELS: dict[LongShortKind, str] = {
    LongShortKind.GLOBAL_ACCOUNTS: "accounts (all traders), not notional",
    LongShortKind.TOP_ACCOUNTS: "accounts (top traders), not notional",
    LongShortKind.TOP_POSITIONS: "position notional (top traders)",
}


@dataclass(frozen=True, slots=True)
class LongShortReading:
    """Latest ratio (longs ÷ shorts) of one venue and kind at ``ts``.

    ``long_share`` = ratio / (1 + ratio) (fraction); ``change_24h`` = ratio now − ratio 24 h earlier (ratio units),
    None when the history does not reach back; ``label`` says whether it counts accounts or notional.
    """

    venue: VenueId
    kind: LongShortKind
    ratio: float
    long_share: float
    change_24h: float | None
    ts: datetime
    label: str
    notional_weighted: bool
    source: Source


def latest_long_short(
    series: Sequence[LongShortSeries],
    *,
    as_of: datetime,
    change_window: timedelta = timedelta(hours=24),
    max_age: timedelta = timedelta(hours=6),
) -> Result[tuple[LongShortReading, ...]]:
    """One reading per (venue, kind) from points with ``ts ≤ as_of``; the latest must be at most ``max_age``
    (or one sampling interval) old. The 24 h change uses the last point at or before ``as_of − change_window``."""
    readings: list[LongShortReading] = []
    reasons: list[str] = []
    seen: set[tuple[str, LongShortKind]] = set()
    for s in sorted(series, key=lambda x: x.interval_s):
        key = (s.venue, s.kind)
        if key in seen:
            continue
        tol = max(max_age, timedelta(seconds=s.interval_s))
        i = index_at_or_before(s.ts, as_of, tolerance=tol)
        if i is None or not np.isfinite(s.ratio[i]) or s.ratio[i] < 0:
            reasons.append(f"no recent {s.kind.value} long/short ratio from {s.venue}")
            continue
        seen.add(key)
        j = index_at_or_before(s.ts, as_of - change_window, tolerance=tol)
        change = None
        if j is not None and j != i and np.isfinite(s.ratio[j]):
            change = float(s.ratio[i] - s.ratio[j])
        else:
            reasons.append(f"{s.venue} {s.kind.value}: no ratio {change_window / timedelta(hours=1):g} h earlier")
        ratio = float(s.ratio[i])
        readings.append(
            LongShortReading(
                venue=s.venue,
                kind=s.kind,
                ratio=ratio,
                long_share=long_share_from_ratio(ratio),
                change_24h=change,
                ts=dt64_to_datetime(s.ts[i]),
                label=KIND_LABELS[s.kind],
                notional_weighted=s.kind is LongShortKind.TOP_POSITIONS,
                source=s.source,
            )
        )
    # a venue/kind missing in one series but present in a coarser one is not a gap
    reasons = [r for r in reasons if not any(f"{k.value} long/short ratio from {v}" in r for v, k in seen)]
    if not readings:
        return Result.missing("no long/short ratio known at as_of", *reasons)
    return Result.of(tuple(readings), sources=[r.source for r in readings], reasons=reasons, partial=bool(reasons))
