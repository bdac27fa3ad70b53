"""Realised liquidations: long and short liquidated USD per venue over a window before ``as_of``.

Binance's ``!forceOrder@arr`` stream pushes at most one liquidation per symbol per second, so its totals under-count
during cascades; the result says so whenever Binance contributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent


@dataclass(frozen=True, slots=True)
class VenueLiquidations:
    """USD notional (price × size) liquidated per side at one venue, and the event counts."""

    venue: str
    long_usd: float
    short_usd: float
    long_count: int
    short_count: int
    sampled: bool
    source: Source  # the venue's most recent event in the window


@dataclass(frozen=True, slots=True)
class RealisedLiquidations:
    """Per-venue and total liquidated USD in ``(as_of − window, as_of]``."""

    window_hours: float
    venues: tuple[VenueLiquidations, ...]
    long_usd: float
    short_usd: float
    notes: tuple[str, ...]


def realised_liquidations(
    events: Sequence[LiquidationEvent],
    *,
    as_of: datetime,
    window: timedelta = timedelta(hours=24),
    sampled: Mapping[str, str] | None = None,
) -> Result[RealisedLiquidations]:
    """Sum the events whose time lies in ``(as_of − window, as_of]``; no events at all is insufficient data (a
    feed that was not collected is not a quiet market). ``sampled``: venue → note for the venues whose streams
    push only a sample (declared by the venue's stream; ``sources.stream_notes``), flagged and noted."""
    sampled = sampled or {}
    start = as_of - window
    inside = [e for e in events if start < e.source.as_of <= as_of]
    params = {"window_hours": window.total_seconds() / 3600}
    if not events:
        return Result.missing(
            "no realised liquidation feed for this asset (collect with the websocket collector)", params=params
        )
    per: dict[str, list[float]] = {}
    latest: dict[str, Source] = {}
    for e in inside:
        if e.venue not in latest or e.source.as_of > latest[e.venue].as_of:
            latest[e.venue] = e.source
        acc = per.setdefault(e.venue, [0.0, 0.0, 0, 0])
        if e.side is LiquidatedSide.LONG:
            acc[0] += e.notional_usd
            acc[2] += 1
        else:
            acc[1] += e.notional_usd
            acc[3] += 1
    venues = tuple(
        VenueLiquidations(v, a[0], a[1], int(a[2]), int(a[3]), v in sampled, latest[v]) for v, a in sorted(per.items())
    )
    notes = tuple(sampled[v.venue] for v in venues if v.sampled)
    return Result.of(
        RealisedLiquidations(
            window_hours=params["window_hours"],
            venues=venues,
            long_usd=sum(v.long_usd for v in venues),
            short_usd=sum(v.short_usd for v in venues),
            notes=notes,
        ),
        sources=list(latest.values()),
        params=params,
        reasons=notes,
        partial=bool(notes),
    )
