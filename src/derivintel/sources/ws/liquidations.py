"""Realised-liquidation websocket streams: per-venue subscribe messages and PURE parsers into ``LiquidationEvent``.

Nothing here does I/O or reads a clock: the receive time ``ts_recv`` is passed in. Every parser takes one raw
websocket message (``str``/``bytes``) and returns a ``ParsedMessage`` that says what the message was: liquidation
events, a control frame (ack, pong), events for symbols we did not ask for (``skipped``), or malformed (``bad``,
with the reason in words). A parser never raises on venue input.

Venues (docs URLs in ``docs/liquidations.md`` and ``tests/fixtures/ws/SOURCES.md``):

- Binance USD-M ``!forceOrder@arr``: ``o.S = SELL`` ⇒ a LONG was liquidated. Price ``o.ap`` (average fill price;
  ``o.p`` when ``ap`` is 0), size ``o.z`` (filled quantity, coins; ``o.q`` when ``z`` is 0), time ``o.T`` (ms).
  At most one liquidation per symbol per second is pushed, so totals under-count in cascades.
- Bybit v5 linear ``allLiquidation.{symbol}``: ``data`` = list of ``{T, s, S, v, p}``; ``S`` is the side of the
  liquidated POSITION (Bybit docs: "When you receive a Buy update, this means that a long position has been
  liquidated"), ``v`` in coins, ``p`` the bankruptcy price, ``T`` ms. 500 ms batches.
- OKX ``liquidation-orders`` (``instType=SWAP``, every swap): ``data[].details[]`` with ``posSide`` (``long`` /
  ``short``; ``net`` in one-way mode, where the forced order's ``side`` decides: ``sell`` ⇒ long liquidated),
  ``bkPx`` bankruptcy price, ``sz`` in CONTRACTS (× ``CONTRACT_VALUE_BASE`` coins), ``ts`` ms. Sampled: at most
  one order per contract per second (OKX docs).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from derivintel.core.provenance import Source
from derivintel.core.timeutil import from_ms, to_ms
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.sources.okx.endpoints import CONTRACT_VALUE_BASE as OKX_CONTRACT_VALUE_BASE
from derivintel.sources.payload import MAX_AHEAD_OF_FETCH_MS, VENUE_LIFE_START_MS, epoch_ms

BINANCE = "binance-usdm"
BYBIT = "bybit"
OKX = "okx"

BINANCE_URL = "wss://fstream.binance.com/ws/!forceOrder@arr"
BYBIT_URL = "wss://stream.bybit.com/v5/public/linear"
OKX_URL = "wss://ws.okx.com:8443/ws/v5/public"


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """What one websocket message held.

    ``events``: liquidations of the requested assets; ``control``: an ack, pong or other non-data frame;
    ``skipped``: well-formed events of symbols not requested; ``bad``: malformed messages or entries (one message
    can be partly good: its good entries are in ``events``), ``reasons`` says why in words.
    """

    events: tuple[LiquidationEvent, ...] = ()
    control: bool = False
    skipped: int = 0
    bad: int = 0
    reasons: tuple[str, ...] = ()


def _bad(reason: str) -> ParsedMessage:
    return ParsedMessage(bad=1, reasons=(reason,))


_CONTROL = ParsedMessage(control=True)


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


# --- symbols -----------------------------------------------------------------------------------------------
def binance_symbol(asset: str) -> str:
    """``BTC`` → ``BTCUSDT`` (Binance USD-M perpetual)."""
    return f"{asset}USDT"


def bybit_symbol(asset: str) -> str:
    """``BTC`` → ``BTCUSDT`` (Bybit linear perpetual)."""
    return f"{asset}USDT"


def okx_symbol(asset: str) -> str:
    """``BTC`` → ``BTC-USDT-SWAP``."""
    return f"{asset}-USDT-SWAP"


def _asset_of(symbol: Any, assets: Collection[str], to_symbol: Callable[[str], str]) -> str | None:
    for asset in assets:
        if to_symbol(asset) == symbol:
            return asset
    return None


# --- subscribe messages ------------------------------------------------------------------------------------
def binance_subscribe(assets: Sequence[str]) -> list[str]:
    """None: the all-market stream is named in the URL (``/ws/!forceOrder@arr``); symbols are filtered on receipt."""
    return []


def bybit_subscribe(assets: Sequence[str]) -> list[str]:
    """One ``{"op":"subscribe","args":["allLiquidation.BTCUSDT", …]}`` message (Bybit allows 10 args per request)."""
    topics = [f"allLiquidation.{bybit_symbol(a)}" for a in assets]
    return [json.dumps({"op": "subscribe", "args": topics[i : i + 10]}) for i in range(0, len(topics), 10)]


def okx_subscribe(assets: Sequence[str]) -> list[str]:
    """``liquidation-orders`` is instType-wide (OKX rejects an ``instId``): every swap arrives, filtered on receipt."""
    return [json.dumps({"op": "subscribe", "args": [{"channel": "liquidation-orders", "instType": "SWAP"}]})]


# --- helpers -----------------------------------------------------------------------------------------------
def _load(raw: str | bytes) -> Any:
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8")
    return json.loads(raw)


def _pos_float(value: Any) -> float | None:
    """A strictly positive finite number from a venue string/number, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and x > 0 else None


def _time_ms(value: Any, ts_recv: datetime) -> int | None:
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


def _first_positive(*values: Any) -> float | None:
    for v in values:
        x = _pos_float(v)
        if x is not None:
            return x
    return None


def _event(
    venue: str, dataset: str, asset: str, side: LiquidatedSide, price: float, size: float, t_ms: int, recv: datetime
) -> LiquidationEvent:
    src = Source(name=venue, dataset=dataset, as_of=from_ms(t_ms), fetched_at=recv)
    return LiquidationEvent(venue=venue, asset=asset, side=side, price_usd=price, size_base=size, source=src)


# --- Binance -----------------------------------------------------------------------------------------------
_BINANCE_SIDE = {"SELL": LiquidatedSide.LONG, "BUY": LiquidatedSide.SHORT}


def parse_binance(raw: str | bytes, assets: Collection[str], ts_recv: datetime) -> ParsedMessage:
    """One ``forceOrder`` message (raw ``/ws`` form, or the ``/stream`` wrapper ``{"stream", "data"}``)."""
    try:
        msg = _load(raw)
    except (ValueError, UnicodeDecodeError):
        return _bad("binance: not JSON")
    if isinstance(msg, dict) and "stream" in msg and isinstance(msg.get("data"), dict | list):
        msg = msg["data"]
    if isinstance(msg, list):  # an array of events (the "@arr" form some clients see): parse each
        parts = [_binance_event(m, assets, ts_recv) for m in msg]
        return ParsedMessage(
            events=tuple(e for p in parts for e in p.events),
            skipped=sum(p.skipped for p in parts),
            bad=sum(p.bad for p in parts),
            reasons=tuple(r for p in parts for r in p.reasons),
        )
    return _binance_event(msg, assets, ts_recv)


def _binance_event(msg: Any, assets: Collection[str], ts_recv: datetime) -> ParsedMessage:
    if not isinstance(msg, dict):
        return _bad("binance: not a JSON object")
    if "result" in msg and "id" in msg:  # reply to a SUBSCRIBE/LIST_SUBSCRIPTIONS request
        return _CONTROL
    if msg.get("e") != "forceOrder" or not isinstance(msg.get("o"), dict):
        return _bad(f"binance: unexpected message (e={msg.get('e')!r})")
    o = msg["o"]
    asset = _asset_of(o.get("s"), assets, binance_symbol)
    side = _BINANCE_SIDE.get(str(o.get("S", "")).upper())
    price = _first_positive(o.get("ap"), o.get("p"))
    size = _first_positive(o.get("z"), o.get("q"))
    t_ms = _time_ms(o.get("T", msg.get("E")), ts_recv)
    if side is None or price is None or size is None or t_ms is None or not isinstance(o.get("s"), str):
        return _bad(f"binance: forceOrder with missing/invalid s, S, ap/p, z/q or T ({o!r:.120})")
    if asset is None:
        return ParsedMessage(skipped=1)
    return ParsedMessage(events=(_event(BINANCE, "forceOrder", asset, side, price, size, t_ms, ts_recv),))


# --- Bybit -------------------------------------------------------------------------------------------------
_BYBIT_SIDE = {"Buy": LiquidatedSide.LONG, "Sell": LiquidatedSide.SHORT}


def parse_bybit(raw: str | bytes, assets: Collection[str], ts_recv: datetime) -> ParsedMessage:
    """One ``allLiquidation.{symbol}`` message (a batch of entries), or an op reply (subscribe / pong)."""
    try:
        msg = _load(raw)
    except (ValueError, UnicodeDecodeError):
        return _bad("bybit: not JSON")
    if not isinstance(msg, dict):
        return _bad("bybit: not a JSON object")
    if "op" in msg:  # {"success":true,"ret_msg":"pong"|"","op":"ping"|"subscribe",...}
        if msg.get("success") is False:
            return ParsedMessage(control=True, reasons=(f"bybit: {msg.get('op')} refused: {msg.get('ret_msg')}",))
        return _CONTROL
    topic = msg.get("topic")
    data = msg.get("data")
    if not isinstance(topic, str) or not topic.startswith("allLiquidation.") or not isinstance(data, list):
        return _bad(f"bybit: unexpected message (topic={topic!r})")
    events: list[LiquidationEvent] = []
    bad, skipped, reasons = 0, 0, []
    for entry in data:
        if not isinstance(entry, dict):
            bad += 1
            reasons.append("bybit: entry is not an object")
            continue
        side = _BYBIT_SIDE.get(str(entry.get("S")))
        price = _pos_float(entry.get("p"))
        size = _pos_float(entry.get("v"))
        t_ms = _time_ms(entry.get("T"), ts_recv)
        if side is None or price is None or size is None or t_ms is None or not isinstance(entry.get("s"), str):
            bad += 1
            reasons.append(f"bybit: entry with missing/invalid T, s, S, v or p ({entry!r:.120})")
            continue
        asset = _asset_of(entry["s"], assets, bybit_symbol)
        if asset is None:
            skipped += 1
            continue
        events.append(_event(BYBIT, "allLiquidation", asset, side, price, size, t_ms, ts_recv))
    return ParsedMessage(events=with_ordinals(events), skipped=skipped, bad=bad, reasons=tuple(reasons))


# --- OKX ---------------------------------------------------------------------------------------------------
_OKX_POS_SIDE = {"long": LiquidatedSide.LONG, "short": LiquidatedSide.SHORT}
_OKX_ORDER_SIDE = {"sell": LiquidatedSide.LONG, "buy": LiquidatedSide.SHORT}


def _okx_side(detail: Mapping[str, Any]) -> LiquidatedSide | None:
    pos = _OKX_POS_SIDE.get(str(detail.get("posSide", "")).lower())
    if pos is not None:
        return pos
    return _OKX_ORDER_SIDE.get(str(detail.get("side", "")).lower())  # one-way ("net") mode


def parse_okx(
    raw: str | bytes,
    assets: Collection[str],
    ts_recv: datetime,
    *,
    contract_value_base: Mapping[str, float] = OKX_CONTRACT_VALUE_BASE,
) -> ParsedMessage:
    """One ``liquidation-orders`` push, an event reply (subscribe / error) or the text ``pong``."""
    if raw in ("pong", b"pong"):
        return _CONTROL
    try:
        msg = _load(raw)
    except (ValueError, UnicodeDecodeError):
        return _bad("okx: not JSON")
    if not isinstance(msg, dict):
        return _bad("okx: not a JSON object")
    if "event" in msg:  # {"event":"subscribe",...} / {"event":"error","code":..,"msg":..}
        if msg.get("event") == "error":
            return ParsedMessage(control=True, reasons=(f"okx: error {msg.get('code')}: {msg.get('msg')}",))
        return _CONTROL
    arg = msg.get("arg")
    data = msg.get("data")
    if not isinstance(arg, dict) or arg.get("channel") != "liquidation-orders" or not isinstance(data, list):
        return _bad("okx: unexpected message (not a liquidation-orders push)")
    events: list[LiquidationEvent] = []
    bad, skipped, reasons = 0, 0, []
    for item in data:
        details = item.get("details") if isinstance(item, dict) else None
        inst = item.get("instId") if isinstance(item, dict) else None
        if not isinstance(inst, str) or not isinstance(details, list):
            bad += 1
            reasons.append("okx: data item without instId/details")
            continue
        asset = _asset_of(inst, assets, okx_symbol)
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
            price = _pos_float(d.get("bkPx"))
            contracts = _pos_float(d.get("sz"))
            t_ms = _time_ms(d.get("ts"), ts_recv)
            if side is None or price is None or contracts is None or t_ms is None or ct_val is None:
                bad += 1
                reasons.append(f"okx: detail with missing/invalid posSide/side, bkPx, sz, ts or ctVal ({d!r:.120})")
                continue
            size = contracts * ct_val
            events.append(_event(OKX, "liquidation-orders", asset, side, price, size, t_ms, ts_recv))
    return ParsedMessage(events=with_ordinals(events), skipped=skipped, bad=bad, reasons=tuple(reasons))


# --- stream declarations -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VenueStream:
    """One venue's liquidation stream, as data: where to connect, what to send after connecting, how to keep the
    connection alive at application level (``ping_text`` every ``ping_interval_s`` seconds; None when the server
    pings and the websocket library answers), and the pure parser of its messages."""

    venue: str
    dataset: str
    url: str
    subscribe: Callable[[Sequence[str]], list[str]]
    parse: Parser
    ping_text: str | None = None
    ping_interval_s: float | None = None
    doc_url: str = ""
    notes: tuple[str, ...] = field(default=())

    def with_url(self, url: str) -> VenueStream:
        return replace(self, url=url)


STREAMS: dict[str, VenueStream] = {
    BINANCE: VenueStream(
        venue=BINANCE,
        dataset="forceOrder",
        url=BINANCE_URL,
        subscribe=binance_subscribe,
        parse=parse_binance,
        doc_url="https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/"
        "All-Market-Liquidation-Order-Streams",
        notes=("at most one liquidation per symbol per second is pushed: totals under-count in cascades",),
    ),
    BYBIT: VenueStream(
        venue=BYBIT,
        dataset="allLiquidation",
        url=BYBIT_URL,
        subscribe=bybit_subscribe,
        parse=parse_bybit,
        ping_text=json.dumps({"op": "ping"}),
        ping_interval_s=20.0,
        doc_url="https://bybit-exchange.github.io/docs/v5/websocket/public/all-liquidation",
    ),
    OKX: VenueStream(
        venue=OKX,
        dataset="liquidation-orders",
        url=OKX_URL,
        subscribe=okx_subscribe,
        parse=parse_okx,
        ping_text="ping",
        ping_interval_s=25.0,
        doc_url="https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel",
        notes=(
            "at most one liquidation per contract per second is pushed (OKX docs): totals are a lower bound",
            "sizes converted from contracts with the contract value of each swap",
        ),
    ),
}


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
