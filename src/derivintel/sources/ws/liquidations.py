"""Realised-liquidation websocket streams: the declared streams (one per venue, in ``sources/<venue>/ws.py``,
listed by ``registry.LIQUIDATION_STREAMS``) and their selection. Docs URLs in ``docs/liquidations.md`` and
``tests/fixtures/ws/SOURCES.md``; the shared message model is in ``sources/stream_model.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from derivintel.sources.registry import LIQUIDATION_STREAMS
from derivintel.sources.stream_model import ParsedMessage, VenueStream

__all__ = ["STREAMS", "ParsedMessage", "VenueStream", "streams_for"]

STREAMS: dict[str, VenueStream] = {s.venue: s for s in LIQUIDATION_STREAMS}


def streams_for(venues: Sequence[str] | None = None, urls: Mapping[str, str] | None = None) -> list[VenueStream]:
    """The declared streams of ``venues`` (all when None), with URLs overridden from ``urls`` (venue → URL).

    Raises ``KeyError`` naming the venue when it is not declared."""
    chosen = list(STREAMS) if venues is None else list(venues)
    out = []
    for venue in chosen:
        if venue not in STREAMS:
            raise KeyError(venue)
        stream = STREAMS[venue]
        if urls and venue in urls:
            stream = stream.with_url(urls[venue])
        out.append(stream)
    return out
