"""Parser and pager of Deribit ``public/get_last_trades_by_currency_and_time`` (kind ``option``) into
:class:`OptionTrades` (the same ``result.trades``/``has_more`` shape as ``get_last_trades_by_currency``).

Real shapes (recorded responses in NautilusTrader's Deribit adapter tests): ``result.trades[]`` with ``amount``
(options: coins), ``price`` (coin), ``direction`` (the taker's side), ``iv`` (percent), ``index_price``,
``timestamp`` (ms), ``trade_id``, optional ``block_trade_id``; a combo trade carries its executed ``legs`` (each a
trade of its own with ``combo_id``). Combos are expanded into their legs, and a trade id seen twice counts once, so
a combo and its legs listed side by side are never double counted. Rows that are not single options (perpetuals,
futures, combos without legs) are skipped and counted in ``skipped``.

Paging (``next_page_params``): pages are asked newest first (``sorting=desc``, ``count`` ≤ 1000, the venue's
maximum); the next page ends at the oldest trade of the last one (inclusive: a trade id seen twice counts once).
The venue keeps 24 h of trades for this method. ``parse_trade_pages`` merges the pages and states from when the
record is complete: the window start, or the oldest trade fetched when the page limit stopped the fetch first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.core.timeutil import from_ms
from derivintel.domain.option_trades import OptionTrades, merge_option_trades, with_coverage
from derivintel.sources.deribit.chain_file import parse_instrument_name
from derivintel.sources.deribit.parse import RpcEnvelope
from derivintel.sources.payload import Where, as_list, field, make_source, to_float, to_ms

PROVIDER = "deribit"
DATASET = "option_trades"


@dataclass(frozen=True, slots=True)
class ParsedTrades:
    """The trades, whether the venue has more (``has_more``: page on), and rows skipped as not single options."""

    trades: OptionTrades
    has_more: bool
    skipped: int


def _flatten(rows: list[Any], where: Where) -> list[tuple[dict[str, Any], bool]]:
    out: list[tuple[dict[str, Any], bool]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise where.fail(f"trades[{i}]: expected an object, got {type(row).__name__}")
        legs = row.get("legs")
        if legs:
            out += [(leg, True) for leg in as_list(legs, where, f"trades[{i}].legs")]
        else:
            out.append((row, bool(row.get("combo_id"))))
    return out


def parse_option_trades(body: bytes | str, *, currency: str, ts_recv: datetime) -> ParsedTrades:
    """Option trades of ``currency`` from one response page (module doc); ``BadPayloadError`` on a malformed page."""
    where = Where(PROVIDER, DATASET, ts_recv)
    result = RpcEnvelope.decode(body, where).result
    rows = as_list(field(result, "trades", where), where, "result.trades")
    seen: set[str] = set()
    cols: dict[str, list[Any]] = {
        k: [] for k in ("id", "name", "ts", "exp", "k", "call", "amt", "px", "agg", "iv", "idx", "blk", "cmb")
    }
    skipped = 0
    for j, (t, combo) in enumerate(_flatten(rows, where)):
        what = f"trades[{j}]"
        name = field(t, "instrument_name", where)
        if not isinstance(name, str) or not name.startswith(f"{currency.upper()}-"):
            raise where.fail(f"{what}.instrument_name: expected a {currency.upper()} instrument, got {name!r}")
        try:
            option = parse_instrument_name(name)
        except ValueError:
            skipped += 1
            continue
        if option.currency != currency.upper():
            raise where.fail(f"{what}: {name} is not a {currency.upper()} option")
        trade_id = str(field(t, "trade_id", where))
        if trade_id in seen:
            continue
        seen.add(trade_id)
        direction = field(t, "direction", where)
        if direction not in ("buy", "sell"):
            raise where.fail(f"{what}.direction: expected 'buy' or 'sell', got {direction!r}")
        iv = t.get("iv")
        cols["id"].append(trade_id)
        cols["name"].append(name)
        cols["ts"].append(to_ms(field(t, "timestamp", where), where, f"{what}.timestamp"))
        cols["exp"].append(np.datetime64(option.expiry.replace(tzinfo=None), "ms"))
        cols["k"].append(option.strike)
        cols["call"].append(option.is_call)
        cols["amt"].append(to_float(field(t, "amount", where), where, f"{what}.amount"))
        cols["px"].append(to_float(field(t, "price", where), where, f"{what}.price"))
        cols["agg"].append(1 if direction == "buy" else -1)
        cols["iv"].append(np.nan if iv is None else to_float(iv, where, f"{what}.iv") / 100.0)
        cols["idx"].append(to_float(field(t, "index_price", where), where, f"{what}.index_price"))
        cols["blk"].append(bool(t.get("block_trade_id")))
        cols["cmb"].append(combo)
    ts = np.array(cols["ts"], dtype="datetime64[ms]")
    order = np.argsort(ts, kind="stable")
    as_of = from_ms(int(ts.astype(np.int64).max())) if len(ts) else ts_recv
    pick = lambda key, dtype: np.asarray(cols[key], dtype=dtype)[order]  # noqa: E731
    trades = OptionTrades(
        currency=currency.upper(),
        trade_id=tuple(cols["id"][i] for i in order),
        instrument=tuple(cols["name"][i] for i in order),
        ts=ts[order],
        expiry=pick("exp", "datetime64[ms]"),
        strike=pick("k", float),
        is_call=pick("call", bool),
        amount_base=pick("amt", float),
        price_coin=pick("px", float),
        aggressor=pick("agg", np.int8),
        iv=pick("iv", float),
        index_price_usd=pick("idx", float),
        is_block=pick("blk", bool),
        is_combo=pick("cmb", bool),
        source=make_source(where, as_of, ts_recv),
    )
    return ParsedTrades(trades, bool(result.get("has_more", False)), skipped)


def _oldest_ms(result: Any, where: Where) -> int | None:
    rows = as_list(field(result, "trades", where), where, "result.trades")
    stamps = [to_ms(field(r, "timestamp", where), where, "trades[].timestamp") for r in rows if isinstance(r, dict)]
    return min(stamps) if stamps else None


def next_page_params(body: bytes, params: dict[str, str]) -> dict[str, str] | None:
    """The params of the page after ``body`` (module doc), or None when the window is complete."""
    where = Where(PROVIDER, DATASET)
    result = RpcEnvelope.decode(body, where).result
    oldest = _oldest_ms(result, where)
    start, end = int(params["start_timestamp"]), int(params["end_timestamp"])
    if not result.get("has_more") or oldest is None or oldest <= start:
        return None
    nxt = oldest if oldest < end else oldest - 1  # a full page inside one millisecond: step past it
    return None if nxt < start else {**params, "end_timestamp": str(nxt)}


@dataclass(frozen=True, slots=True)
class TradeWindow:
    """The merged pages: trades (``covered_from`` set), pages read, and whether the page limit cut the window."""

    trades: OptionTrades
    pages: int
    truncated: bool
    skipped: int


def parse_trade_pages(bodies: list[tuple[bytes, datetime]], *, currency: str, start: datetime) -> TradeWindow:
    """Pages ``(body, ts_recv)`` newest first of one window starting at ``start`` → one record (module doc)."""
    parsed = [parse_option_trades(body, currency=currency, ts_recv=recv) for body, recv in bodies]
    merged = merge_option_trades([p.trades for p in parsed], covered_from=None)
    assert merged is not None  # at least one page
    last = parsed[-1]
    oldest = merged.ts.min() if len(merged) else None
    truncated = bool(last.has_more) and oldest is not None and from_ms(int(oldest.astype(np.int64))) > start
    covered = from_ms(int(oldest.astype(np.int64))) if truncated and oldest is not None else start
    return TradeWindow(
        with_coverage(merged, covered),
        len(parsed),
        truncated,
        sum(p.skipped for p in parsed),
    )
