"""OKX ``liquidation-orders`` liquidation stream (``instType=SWAP``): URL, subscribe messages and the PURE parser.

``data[].details[]`` with ``posSide`` (``long`` / ``short``; ``net`` in one-way mode, where the forced order's
``side`` decides: ``sell`` ⇒ long liquidated), ``bkPx`` bankruptcy price, ``sz`` in CONTRACTS
(× ``CONTRACT_VALUE_BASE`` coins), ``ts`` ms. Sampled: at most one order per contract per second (OKX docs).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.venue import VenueId
from derivintel.sources.okx.endpoints import CONTRACT_VALUE_BASE, PROVIDER
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
URL = "wss://ws.okx.com:8443/ws/v5/public"
_symbol = PROVIDER.symbol


def subscribe(assets: Sequence[str]) -> list[str]:
    """``liquidation-orders`` is instType-wide (OKX rejects an ``instId``): every swap arrives, filtered on receipt."""
    return [json.dumps({"op": "subscribe", "args": [{"channel": "liquidation-orders", "instType": "SWAP"}]})]


_OKX_POS_SIDE = {"long": LiquidatedSide.LONG, "short": LiquidatedSide.SHORT}
_OKX_ORDER_SIDE = {"sell": LiquidatedSide.LONG, "buy": LiquidatedSide.SHORT}


def _okx_side(detail: Mapping[str, Any]) -> LiquidatedSide | None:
    pos = _OKX_POS_SIDE.get(str(detail.get("posSide", "")).lower())
    if pos is not None:
        return pos
    return _OKX_ORDER_SIDE.get(str(detail.get("side", "")).lower())  # one-way ("net") mode


def parse(
    raw: str | bytes,
    assets: Collection[str],
    ts_recv: datetime,
    *,
    contract_value_base: Mapping[str, float] = CONTRACT_VALUE_BASE,
) -> ParsedMessage:
    """One ``liquidation-orders`` push, an event reply (subscribe / error) or the text ``pong``."""
    if raw in ("pong", b"pong"):
        return CONTROL
    try:
        msg = load(raw)
    except (ValueError, UnicodeDecodeError):
        return bad_message("okx: not JSON")
    if not isinstance(msg, dict):
        return bad_message("okx: not a JSON object")
    if "event" in msg:  # {"event":"subscribe",...} / {"event":"error","code":..,"msg":..}
        if msg.get("event") == "error":
            return ParsedMessage(control=True, reasons=(f"okx: error {msg.get('code')}: {msg.get('msg')}",))
        return CONTROL
    arg = msg.get("arg")
    data = msg.get("data")
    if not isinstance(arg, dict) or arg.get("channel") != "liquidation-orders" or not isinstance(data, list):
        return bad_message("okx: unexpected message (not a liquidation-orders push)")
    events: list[LiquidationEvent] = []
    bad, skipped, reasons = 0, 0, []
    for item in data:
        details = item.get("details") if isinstance(item, dict) else None
        inst = item.get("instId") if isinstance(item, dict) else None
        if not isinstance(inst, str) or not isinstance(details, list):
            bad += 1
            reasons.append("okx: data item without instId/details")
            continue
        asset = asset_of(inst, assets, _symbol)
        if asset is None:
            skipped += len(details)
            continue
        ct_val = contract_value_base.get(asset)
        for d in details:
            if not isinstance(d, dict):
                bad += 1
                reasons.append("okx: detail is not an object")
                continue
            side = _okx_side(d)
            price = pos_float(d.get("bkPx"))
            contracts = pos_float(d.get("sz"))
            t_ms = time_ms(d.get("ts"), ts_recv)
            if side is None or price is None or contracts is None or t_ms is None or ct_val is None:
                bad += 1
                reasons.append(f"okx: detail with missing/invalid posSide/side, bkPx, sz, ts or ctVal ({d!r:.120})")
                continue
            size = contracts * ct_val
            events.append(make_event(NAME, "liquidation-orders", asset, side, price, size, t_ms, ts_recv))
    return ParsedMessage(events=with_ordinals(events), skipped=skipped, bad=bad, reasons=tuple(reasons))


STREAM = VenueStream(
    venue=NAME,
    dataset="liquidation-orders",
    url=URL,
    subscribe=subscribe,
    parse=parse,
    ping_text="ping",
    ping_interval_s=25.0,
    doc_url="https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel",
    notes=(
        "at most one liquidation per contract per second is pushed (OKX docs): totals are a lower bound",
        "sizes converted from contracts with the contract value of each swap",
    ),
)
