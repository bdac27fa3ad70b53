"""Pure parser of Bybit option tickers (``/v5/market/tickers?category=option&baseCoin=BTC``) into an ``OptionChain``.

Units: ``markIv`` is a fraction; ``markPrice``, ``underlyingPrice`` (the forward of the expiry) and ``indexPrice``
in USD; ``openInterest`` and ``volume24h`` in coins (a contract is one coin). Sidedness: the option tickers
documentation calls ``openInterest`` "Open interest size" (the linear one says "sum of both sides", and Bybit later
added ``singleOpenInterest`` there: docs/sources.md), so option ``openInterest`` is read as single-sided, and a
``singleOpenInterest`` field, should option rows carry one, is preferred. The chain's mark in coin
is ``markPrice / underlyingPrice``. Instrument names ``BTC-26DEC25-100000-C``, with a settle-coin suffix
(``-USDT``) on the newer listings; expiries at 08:00 UTC. The event time is the envelope's ``time`` (ms).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from derivintel.domain.options import OptionChain
from derivintel.sources.bybit import roles
from derivintel.sources.bybit.parse import Envelope
from derivintel.sources.option_rows import NAN, OptionRow, build_chain, expiry_ms
from derivintel.sources.payload import Where, as_list, field, make_source, positive, to_dt, to_float

PROVIDER = "bybit-options"
VENUE = roles.OPTIONS_VENUE
_SETTLE_SUFFIXES = ("USDT", "USDC")


def _name(symbol: str, asset: str, where: Where) -> tuple[int, float, bool]:
    parts = symbol.split("-")
    if len(parts) == 5 and parts[4] in _SETTLE_SUFFIXES:
        parts = parts[:4]
    if len(parts) != 4 or parts[3] not in ("C", "P"):
        raise where.fail(f"not an option symbol: {symbol!r}")
    if parts[0] != asset:
        raise where.fail(f"{symbol!r} is not a {asset} option")
    return expiry_ms(parts[1], where, symbol), to_float(parts[2], where, f"{symbol} strike"), parts[3] == "C"


def parse_option_tickers(body: bytes, *, asset: str, ts_recv: datetime) -> OptionChain | None:
    """Every listed option of ``asset`` with mark IV, forward, OI and 24h volume (module doc for units); None when
    the answer lists no option (the venue lists none on ``asset``)."""
    where = Where(PROVIDER, "tickers", ts_recv)
    envelope = Envelope.decode(body, where)
    result = envelope.result
    if field(result, "category", where) != "option":
        raise where.fail(f"category {result.get('category')!r}, expected 'option'")
    listed = as_list(field(result, "list", where), where, "result.list")
    if not listed:
        return None
    rows: list[OptionRow] = []
    index: float | None = None
    for row in listed:
        symbol = str(field(row, "symbol", where))
        exp, strike, is_call = _name(symbol, asset, where)
        forward = positive(
            to_float(field(row, "underlyingPrice", where), where, f"{symbol}.underlyingPrice"), where, symbol
        )
        iv = to_float(field(row, "markIv", where), where, f"{symbol}.markIv")
        index = to_float(field(row, "indexPrice", where), where, f"{symbol}.indexPrice")
        rows.append(
            OptionRow(
                instrument=symbol,
                expiry_ms=exp,
                strike_usd=strike,
                is_call=is_call,
                mark_iv=iv if iv > 0 else NAN,
                oi_base=_single_sided_oi(row, where, symbol),
                volume_base=to_float(field(row, "volume24h", where), where, f"{symbol}.volume24h"),
                forward_usd=forward,
                mark_price_coin=to_float(field(row, "markPrice", where), where, f"{symbol}.markPrice") / forward,
                delta=_get(row, "delta", where, symbol),
                gamma=_get(row, "gamma", where, symbol),
            )
        )
    source = make_source(where, to_dt(field(envelope.top, "time", where), where, "time"), ts_recv)
    return build_chain(asset, rows, source=source, index_price_usd=index if index and index > 0 else None, where=where)


def _single_sided_oi(row: dict[str, Any], where: Where, symbol: str) -> float:
    if row.get("singleOpenInterest") not in (None, ""):
        return to_float(row["singleOpenInterest"], where, f"{symbol}.singleOpenInterest")
    return to_float(field(row, "openInterest", where), where, f"{symbol}.openInterest")


def _get(row: dict[str, Any], key: str, where: Where, symbol: str) -> float:
    value = row.get(key)
    return NAN if value in (None, "") else to_float(value, where, f"{symbol}.{key}")
