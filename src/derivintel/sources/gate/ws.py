"""Gate ``futures.public_liquidates`` liquidation stream (USDT settle): URL, subscribe messages and the PURE parser.

``result`` = list of ``{price, size, time, contract}`` (documented since 2026-08-20 as every forced order of one
contract in a ~1 s aggregation window, at most 20 per push; before that at most one per contract per second).
``size`` is in CONTRACTS (× the contract's ``quanto_multiplier`` coins) and SIGNED like every Gate order size:
negative = a forced SELL, which closes a LONG position; positive = a forced buy closing a short. ``time`` is in ms
(seconds in older payloads; the unit is read by magnitude). Only contracts with a multiplier declared in
``WS_MULTIPLIER_BASE`` are converted (an unknown size is counted bad, never guessed); the doctor compares the
table with the contract endpoint's ``quanto_multiplier``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.venue import VenueId
from derivintel.sources.gate.endpoints import PROVIDER
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
URL = "wss://fx-ws.gateio.ws/v4/ws/usdt"
CHANNEL = "futures.public_liquidates"
_symbol = PROVIDER.symbol

# Coins per contract of the collected contracts, checked by the doctor against /contracts/{contract}:
# BTC_USDT 0.0001 (captured 2026-09-15, tests/fixtures/gate/SOURCES.md), ETH_USDT 0.01.
WS_MULTIPLIER_BASE: Mapping[str, float] = {"BTC": 0.0001, "ETH": 0.01}


def subscribe(assets: Sequence[str]) -> list[str]:
    """One subscribe request naming every collected contract whose size is declared (``payload``), stamped with the
    current time (s); none when no asset has a declared contract size (its sizes could not be converted)."""
    payload = [_symbol(a) for a in assets if a in WS_MULTIPLIER_BASE]
    if not payload:
        return []
    return [json.dumps({"time": int(time.time()), "channel": CHANNEL, "event": "subscribe", "payload": payload})]


def parse(
    raw: str | bytes,
    assets: Collection[str],
    ts_recv: datetime,
    *,
    multiplier_base: Mapping[str, float] = WS_MULTIPLIER_BASE,
) -> ParsedMessage:
    """One ``futures.public_liquidates`` update, a subscribe reply or a ``futures.pong``."""
    try:
        msg = load(raw)
    except (ValueError, UnicodeDecodeError):
        return bad_message("gate: not JSON")
    if not isinstance(msg, dict):
        return bad_message("gate: not a JSON object")
    channel, event = msg.get("channel"), msg.get("event")
    if channel == "futures.pong" or event in ("subscribe", "unsubscribe"):
        error = msg.get("error")
        if error:
            return ParsedMessage(control=True, reasons=(f"gate: {channel} {event} refused: {error}",))
        return CONTROL
    result = msg.get("result")
    if channel != CHANNEL or event != "update" or not isinstance(result, list):
        return bad_message(f"gate: unexpected message (channel={channel!r}, event={event!r})")
    events: list[LiquidationEvent] = []
    bad, skipped, reasons = 0, 0, []
    for entry in result:
        if not isinstance(entry, dict):
            bad += 1
            reasons.append("gate: entry is not an object")
            continue
        asset = asset_of(entry.get("contract"), assets, _symbol)
        if asset is None:
            skipped += 1
            continue
        price = pos_float(entry.get("price"))
        signed = entry.get("size")
        contracts = pos_float(abs(float(signed))) if _is_number(signed) else None
        t_ms = time_ms(entry.get("time", entry.get("time_ms")), ts_recv)
        mult = multiplier_base.get(asset)
        if price is None or contracts is None or t_ms is None or mult is None:
            bad += 1
            what = "no declared contract size" if mult is None else "missing/invalid price, size or time"
            reasons.append(f"gate: {asset} entry with {what} ({entry!r:.120})")
            continue
        side = LiquidatedSide.LONG if float(signed) < 0 else LiquidatedSide.SHORT
        events.append(make_event(NAME, CHANNEL, asset, side, price, contracts * mult, t_ms, ts_recv))
    return ParsedMessage(events=with_ordinals(events), skipped=skipped, bad=bad, reasons=tuple(reasons))


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    try:
        return abs(float(value)) < float("inf")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


STREAM = VenueStream(
    venue=NAME,
    dataset=CHANNEL,
    url=URL,
    subscribe=subscribe,
    parse=parse,
    ping_text=json.dumps({"channel": "futures.ping"}),
    ping_interval_s=20.0,
    doc_url="https://www.gate.com/docs/developers/futures/ws/en/#public-liquidation-order-channel",
    notes=("size in contracts × quanto_multiplier; negative size = forced sell = long liquidated",),
)
