"""Bybit v5 linear ``allLiquidation.{symbol}`` liquidation stream: URL, subscribe messages and the PURE parser.

``data`` = list of ``{T, s, S, v, p}``; ``S`` is the side of the liquidated POSITION (Bybit docs: "When you receive
a Buy update, this means that a long position has been liquidated"), ``v`` in coins, ``p`` the bankruptcy price,
``T`` ms. 500 ms batches.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime

from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.venue import VenueId
from derivintel.sources.bybit.endpoints import PROVIDER
from derivintel.sources.stream_model import (
    CONTROL,
    ParsedMessage,
    VenueStream,
    asset_of,
    bad_message,
    load,
    make_event,
    pos_float,
    time_ms,
    with_ordinals,
)

NAME = VenueId(PROVIDER.name)  # liquidation events carry the provider id as their venue
URL = "wss://stream.bybit.com/v5/public/linear"
_symbol = PROVIDER.symbol


def subscribe(assets: Sequence[str]) -> list[str]:
    """One ``{"op":"subscribe","args":["allLiquidation.BTCUSDT", …]}`` message (Bybit allows 10 args per request)."""
    topics = [f"allLiquidation.{_symbol(a)}" for a in assets]
    return [json.dumps({"op": "subscribe", "args": topics[i : i + 10]}) for i in range(0, len(topics), 10)]


_BYBIT_SIDE = {"Buy": LiquidatedSide.LONG, "Sell": LiquidatedSide.SHORT}


def parse(raw: str | bytes, assets: Collection[str], ts_recv: datetime) -> ParsedMessage:
    """One ``allLiquidation.{symbol}`` message (a batch of entries), or an op reply (subscribe / pong)."""
    try:
        msg = load(raw)
    except (ValueError, UnicodeDecodeError):
        return bad_message("bybit: not JSON")
    if not isinstance(msg, dict):
        return bad_message("bybit: not a JSON object")
    if "op" in msg:  # {"success":true,"ret_msg":"pong"|"","op":"ping"|"subscribe",...}
        if msg.get("success") is False:
            return ParsedMessage(control=True, reasons=(f"bybit: {msg.get('op')} refused: {msg.get('ret_msg')}",))
        return CONTROL
    topic = msg.get("topic")
    data = msg.get("data")
    if not isinstance(topic, str) or not topic.startswith("allLiquidation.") or not isinstance(data, list):
        return bad_message(f"bybit: unexpected message (topic={topic!r})")
    events: list[LiquidationEvent] = []
    bad, skipped, reasons = 0, 0, []
    for entry in data:
        if not isinstance(entry, dict):
            bad += 1
            reasons.append("bybit: entry is not an object")
            continue
        side = _BYBIT_SIDE.get(str(entry.get("S")))
        price = pos_float(entry.get("p"))
        size = pos_float(entry.get("v"))
        t_ms = time_ms(entry.get("T"), ts_recv)
        if side is None or price is None or size is None or t_ms is None or not isinstance(entry.get("s"), str):
            bad += 1
            reasons.append(f"bybit: entry with missing/invalid T, s, S, v or p ({entry!r:.120})")
            continue
        asset = asset_of(entry["s"], assets, _symbol)
        if asset is None:
            skipped += 1
            continue
        events.append(make_event(NAME, "allLiquidation", asset, side, price, size, t_ms, ts_recv))
    return ParsedMessage(events=with_ordinals(events), skipped=skipped, bad=bad, reasons=tuple(reasons))


STREAM = VenueStream(
    venue=NAME,
    dataset="allLiquidation",
    url=URL,
    subscribe=subscribe,
    parse=parse,
    ping_text=json.dumps({"op": "ping"}),
    ping_interval_s=20.0,
    doc_url="https://bybit-exchange.github.io/docs/v5/websocket/public/all-liquidation",
)
