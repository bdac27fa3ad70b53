"""Websocket streams, the venue-neutral part: ``ParsedMessage`` (what one message held), ``VenueStream`` (one
venue's stream as data) and the value checks every venue parser shares. The realised-liquidation streams carry
``LiquidationEvent``s; the same model carries other events (Hyperliquid's ``trades`` stream carries address
sightings), so ``ParsedMessage`` is generic in its event type.

A venue's own stream (URL, subscribe messages, PURE parser) lives in ``sources/<venue>/ws.py``; the registry lists
them (``registry.LIQUIDATION_STREAMS``). Nothing here does I/O or reads a clock: ``ts_recv`` is passed in, and a
parser never raises on venue input.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from derivintel.core.provenance import Source
from derivintel.core.timeutil import from_ms, to_ms
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.venue import VenueId
from derivintel.sources.payload import MAX_AHEAD_OF_FETCH_MS, VENUE_LIFE_START_MS, epoch_ms

E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class ParsedMessage(Generic[E]):
    """What one websocket message held.

    ``events``: the events of the requested assets (liquidations, or sightings); ``control``: an ack, pong or other
    non-data frame; ``skipped``: well-formed events of symbols not requested; ``bad``: malformed messages or
    entries (one message can be partly good: its good entries are in ``events``), ``reasons`` says why in words.
    """

    events: tuple[E, ...] = ()
    control: bool = False
    skipped: int = 0
    bad: int = 0
    reasons: tuple[str, ...] = ()


def bad_message(reason: str) -> ParsedMessage:
    return ParsedMessage(bad=1, reasons=(reason,))


CONTROL = ParsedMessage(control=True)


def with_ordinals(events: Sequence[LiquidationEvent]) -> tuple[LiquidationEvent, ...]:
    """Number identical entries of one message (same time, side, price, size) 0, 1, 2… so none is merged."""
    seen: dict[tuple, int] = {}
    out = []
    for e in events:
        key = (e.venue, e.asset, e.source.as_of, e.side, e.price_usd, e.size_base)
        out.append(replace(e, ordinal=seen.get(key, 0)))
        seen[key] = seen.get(key, 0) + 1
    return tuple(out)


Parser = Callable[[str | bytes, Collection[str], datetime], ParsedMessage]


def asset_of(symbol: Any, assets: Collection[str], to_symbol: Callable[[str], str]) -> str | None:
    for asset in assets:
        if to_symbol(asset) == symbol:
            return asset
    return None


def load(raw: str | bytes) -> Any:
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8")
    return json.loads(raw)


def pos_float(value: Any) -> float | None:
    """A strictly positive finite number from a venue string/number, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and x > 0 else None


def time_ms(value: Any, ts_recv: datetime) -> int | None:
    """Epoch ms of an event time given in s, ms or µs (by magnitude, as ``payload.to_ms``); None outside the
    venues' life (before 2017 or more than a day after ``ts_recv``) or when not a number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
        ms = epoch_ms(number) if math.isfinite(number) and number > 0 else None
    except (TypeError, ValueError, OverflowError):
        return None
    if ms is None or ms < VENUE_LIFE_START_MS or ms > to_ms(ts_recv) + MAX_AHEAD_OF_FETCH_MS:
        return None
    return ms


def first_positive(*values: Any) -> float | None:
    for v in values:
        x = pos_float(v)
        if x is not None:
            return x
    return None


def make_event(
    venue: VenueId, dataset: str, asset: str, side: LiquidatedSide, price: float, size: float, t_ms: int, recv: datetime
) -> LiquidationEvent:
    src = Source(name=venue, dataset=dataset, as_of=from_ms(t_ms), fetched_at=recv)
    return LiquidationEvent(venue=venue, asset=asset, side=side, price_usd=price, size_base=size, source=src)


@dataclass(frozen=True, slots=True)
class VenueStream:
    """One venue's stream, as data: where to connect, what to send after connecting, how to keep the
    connection alive at application level (``ping_text`` every ``ping_interval_s`` seconds; None when the server
    pings and the websocket library answers), and the pure parser of its messages. ``sampled_note``: when the
    venue pushes only a sample of its liquidations, what that means for totals (the report says it beside them)."""

    venue: VenueId
    dataset: str
    url: str
    subscribe: Callable[[Sequence[str]], list[str]]
    parse: Parser
    ping_text: str | None = None
    ping_interval_s: float | None = None
    doc_url: str = ""
    notes: tuple[str, ...] = field(default=())
    sampled_note: str | None = None

    def with_url(self, url: str) -> VenueStream:
        return replace(self, url=url)
