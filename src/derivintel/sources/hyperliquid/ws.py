"""Hyperliquid's websocket ``trades`` channel as an address-discovery stream: URL, subscribe messages, the PURE parser.

Every trade names its two accounts (``users``: ``[buyer, seller]``), so the channel reveals addresses continuously,
where REST ``recentTrades`` shows only the last few trades per poll. Protocol
(https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/websocket): send
``{"method": "subscribe", "subscription": {"type": "trades", "coin": COIN}}`` per coin; the server acknowledges with
``{"channel": "subscriptionResponse", ...}`` and pushes ``{"channel": "trades", "data": [trade, ...]}``; it closes a
connection idle for 60 s, so the client sends ``{"method": "ping"}`` (answered ``{"channel": "pong"}``).
Trade entries are parsed by ``positions.trade_sightings`` (the same rules as REST). The parser never raises: a bad
entry is counted, the good ones of the same message are kept.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime

from derivintel.core.errors import SourceError
from derivintel.domain.positions import AddressSighting
from derivintel.sources.hyperliquid.positions import PROVIDER, VENUE, trade_sightings
from derivintel.sources.payload import Where
from derivintel.sources.stream_model import CONTROL, ParsedMessage, VenueStream, bad_message, load

URL = "wss://api.hyperliquid.xyz/ws"
DATASET = "trades_ws"
PING = json.dumps({"method": "ping"})
PING_INTERVAL_S = 50.0  # under the server's 60 s idle timeout


def subscribe(coins: Sequence[str]) -> list[str]:
    """One ``trades`` subscription per coin (Hyperliquid coin names are the base assets: BTC, ETH, ...)."""
    return [json.dumps({"method": "subscribe", "subscription": {"type": "trades", "coin": c}}) for c in coins]


def parse(raw: str | bytes, coins: Collection[str], ts_recv: datetime) -> ParsedMessage[AddressSighting]:
    """One websocket message: ``trades`` data → address sightings of ``coins``; acks and pongs are control frames;
    ``error`` frames and anything else malformed are ``bad`` with the reason."""
    try:
        msg = load(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return bad_message(f"{PROVIDER} trades: not JSON ({exc})")
    if not isinstance(msg, dict):
        return bad_message(f"{PROVIDER} trades: expected an object, got {type(msg).__name__}")
    channel = msg.get("channel")
    if channel in ("subscriptionResponse", "pong"):
        return CONTROL
    if channel == "error":
        return bad_message(f"{PROVIDER} trades: the server refused: {msg.get('data')!r}")
    if channel != "trades":
        return bad_message(f"{PROVIDER} trades: unexpected channel {channel!r}")
    rows = msg.get("data")
    if not isinstance(rows, list):
        return bad_message(f"{PROVIDER} trades: data is not a list")
    where = Where(PROVIDER, DATASET)
    events: list[AddressSighting] = []
    skipped = bad = 0
    reasons: list[str] = []
    for i, row in enumerate(rows):
        coin = row.get("coin") if isinstance(row, dict) else None
        if isinstance(coin, str) and coin not in coins:
            skipped += 1
            continue
        try:
            found, _not_addresses = trade_sightings(row, coin=str(coin), where=where, at=f"data[{i}]")
        except SourceError as exc:
            bad += 1
            reasons.append(exc.message)
            continue
        events += found
    return ParsedMessage(events=tuple(events), skipped=skipped, bad=bad, reasons=tuple(reasons))


STREAM = VenueStream(
    venue=VENUE,
    dataset=DATASET,
    url=URL,
    subscribe=subscribe,
    parse=parse,
    ping_text=PING,
    ping_interval_s=PING_INTERVAL_S,
    doc_url="https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/websocket/subscriptions",
    notes=("address discovery: every trade names its buyer and seller",),
)
