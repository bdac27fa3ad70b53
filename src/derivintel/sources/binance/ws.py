"""Binance USD-M ``!forceOrder@arr`` liquidation stream: URL, subscribe messages and the PURE parser.

``o.S = SELL`` ⇒ a LONG was liquidated. Price ``o.ap`` (average fill price; ``o.p`` when ``ap`` is 0), size ``o.z``
(filled quantity, coins; ``o.q`` when ``z`` is 0), time ``o.T`` (ms). At most one liquidation per symbol per second
is pushed, so totals under-count in cascades.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from derivintel.domain.liquidations import LiquidatedSide
from derivintel.domain.venue import VenueId
from derivintel.sources.binance.endpoints import USDM
from derivintel.sources.stream_model import (
    CONTROL,
    ParsedMessage,
    VenueStream,
    asset_of,
    bad_message,
    first_positive,
    load,
    make_event,
    time_ms,
)

NAME = VenueId(USDM.name)  # liquidation events carry the provider id as their venue
URL = "wss://fstream.binance.com/ws/!forceOrder@arr"
_symbol = USDM.symbol


def subscribe(assets: Sequence[str]) -> list[str]:
    """None: the all-market stream is named in the URL (``/ws/!forceOrder@arr``); symbols are filtered on receipt."""
    return []


_BINANCE_SIDE = {"SELL": LiquidatedSide.LONG, "BUY": LiquidatedSide.SHORT}


def parse(raw: str | bytes, assets: Collection[str], ts_recv: datetime) -> ParsedMessage:
    """One ``forceOrder`` message (raw ``/ws`` form, or the ``/stream`` wrapper ``{"stream", "data"}``)."""
    try:
        msg = load(raw)
    except (ValueError, UnicodeDecodeError):
        return bad_message("binance: not JSON")
    if isinstance(msg, dict) and "stream" in msg and isinstance(msg.get("data"), dict | list):
        msg = msg["data"]
    if isinstance(msg, list):  # an array of events (the "@arr" form some clients see): parse each
        parts = [_binanceevent(m, assets, ts_recv) for m in msg]
        return ParsedMessage(
            events=tuple(e for p in parts for e in p.events),
            skipped=sum(p.skipped for p in parts),
            bad=sum(p.bad for p in parts),
            reasons=tuple(r for p in parts for r in p.reasons),
        )
    return _binanceevent(msg, assets, ts_recv)


def _binanceevent(msg: Any, assets: Collection[str], ts_recv: datetime) -> ParsedMessage:
    if not isinstance(msg, dict):
        return bad_message("binance: not a JSON object")
    if "result" in msg and "id" in msg:  # reply to a SUBSCRIBE/LIST_SUBSCRIPTIONS request
        return CONTROL
    if msg.get("e") != "forceOrder" or not isinstance(msg.get("o"), dict):
        return bad_message(f"binance: unexpected message (e={msg.get('e')!r})")
    o = msg["o"]
    asset = asset_of(o.get("s"), assets, _symbol)
    side = _BINANCE_SIDE.get(str(o.get("S", "")).upper())
    price = first_positive(o.get("ap"), o.get("p"))
    size = first_positive(o.get("z"), o.get("q"))
    t_ms = time_ms(o.get("T", msg.get("E")), ts_recv)
    if side is None or price is None or size is None or t_ms is None or not isinstance(o.get("s"), str):
        return bad_message(f"binance: forceOrder with missing/invalid s, S, ap/p, z/q or T ({o!r:.120})")
    if asset is None:
        return ParsedMessage(skipped=1)
    return ParsedMessage(events=(make_event(NAME, "forceOrder", asset, side, price, size, t_ms, ts_recv),))


STREAM = VenueStream(
    venue=NAME,
    dataset="forceOrder",
    url=URL,
    subscribe=subscribe,
    parse=parse,
    doc_url="https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/"
    "All-Market-Liquidation-Order-Streams",
    notes=("at most one liquidation per symbol per second is pushed: totals under-count in cascades",),
    sampled_note="Binance pushes at most one liquidation per symbol per second: totals under-count",
)
