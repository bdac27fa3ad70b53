"""Parser of Deribit ``public/get_last_trades_by_currency`` (kind ``option``) into :class:`OptionTrades`.

Real shapes (recorded responses in NautilusTrader's Deribit adapter tests): ``result.trades[]`` with ``amount``
(options: coins), ``price`` (coin), ``direction`` (the taker's side), ``iv`` (percent), ``index_price``,
``timestamp`` (ms), ``trade_id``, optional ``block_trade_id``; a combo trade carries its executed ``legs`` (each a
trade of its own with ``combo_id``). Combos are expanded into their legs, and a trade id seen twice counts once, so
a combo and its legs listed side by side are never double counted. Rows that are not single options (perpetuals,
futures, combos without legs) are skipped and counted in ``skipped``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.core.timeutil import from_ms
from derivintel.domain.option_trades import OptionTrades
from derivintel.sources.files.deribit_chain import parse_instrument_name
from derivintel.sources.payload import Where, as_list, field, load_json, make_source, to_float, to_ms

PROVIDER = "deribit"
DATASET = "get_last_trades_by_currency"


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
    result = field(load_json(body, where), "result", where)
    rows = as_list(field(result, "trades", where), where, "result.trades")
    seen: set[str] = set()
    cols: dict[str, list[Any]] = {
        k: [] for k in ("id", "name", "ts", "exp", "k", "call", "amt", "px", "agg", "iv", "idx", "blk", "cmb")
    }
    skipped = 0
    for j, (t, combo) in enumerate(_flatten(rows, where)):
        what = f"trades[{j}]"
        name = str(field(t, "instrument_name", where))
        try:
            cur, expiry, strike, is_call = parse_instrument_name(name)
        except ValueError:
            skipped += 1
            continue
        if cur != currency.upper():
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
        cols["exp"].append(np.datetime64(expiry.replace(tzinfo=None), "ms"))
        cols["k"].append(strike)
        cols["call"].append(is_call)
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
