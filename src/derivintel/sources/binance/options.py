"""Pure parsers of Binance European options (``eapi``): listing, marks with IV and greeks, 24h tickers.

Units: ``markIV`` is a fraction; ``markPrice`` and strikes in USDT (taken as USD); volume in contracts of ``unit``
coins (exchangeInfo), so coins = contracts × unit. Binance marks use Black-Scholes with ``riskFreeInterest`` r on
the index S (``exercisePrice`` of the ticker: the index, or the estimated settlement price in the last half hour
before expiry), so the Black-76 forward of an expiry T years away is ``F = S·e^{rT}``. The mark endpoint carries
no timestamp: its receive time is the chain's ``as_of``. Open interest needs one request per expiry and is not
fetched (``endpoints.OPTIONS_NOT_FETCHED``): the chain's OI is NaN.
Instrument names ``BTC-251226-100000-C``; expiries from ``expiryDate`` (08:00 UTC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from derivintel.core.timeutil import to_ms as datetime_to_ms
from derivintel.domain.options import OptionChain
from derivintel.sources.binance import roles
from derivintel.sources.binance.parse import load_body
from derivintel.sources.option_rows import NAN, OptionRow, build_chain
from derivintel.sources.payload import (
    Where,
    as_list,
    field,
    make_source,
    non_empty,
    positive,
    to_float,
    to_ms,
)

PROVIDER = "binance-options"
VENUE = roles.OPTIONS_VENUE
YEAR_MS = 365.0 * 86_400_000


@dataclass(frozen=True, slots=True)
class Listing:
    """One listed option: base asset (``BTC``), expiry (ms), strike (USD), call flag, coins per contract."""

    base: str
    expiry_ms: int
    strike_usd: float
    is_call: bool
    unit_base: float


@dataclass(frozen=True, slots=True)
class Ticker:
    """24h volume in contracts and the underlying index (USD) of one option."""

    volume_contracts: float
    index_usd: float


def parse_exchange_info(body: bytes, *, ts_recv: datetime) -> dict[str, Listing]:
    """``/eapi/v1/exchangeInfo`` → symbol → ``Listing`` for every listed option."""
    where = Where(PROVIDER, "exchangeInfo", ts_recv)
    future = Where(PROVIDER, "exchangeInfo")  # expiries lie ahead of the fetch: no "not after the fetch" bound
    out: dict[str, Listing] = {}
    for i, row in enumerate(non_empty(field(load_body(body, where), "optionSymbols", where), where, "optionSymbols")):
        symbol = str(field(row, "symbol", where))
        side = field(row, "side", where)
        if side not in ("CALL", "PUT"):
            raise where.fail(f"optionSymbols[{i}].side: expected CALL or PUT, got {side!r}")
        underlying = str(field(row, "underlying", where))
        if not underlying.endswith("USDT"):
            raise where.fail(f"{symbol}: underlying {underlying!r} is not quoted in USDT")
        out[symbol] = Listing(
            base=underlying[: -len("USDT")],
            expiry_ms=to_ms(field(row, "expiryDate", where), future, f"{symbol}.expiryDate"),
            strike_usd=positive(
                to_float(field(row, "strikePrice", where), where, f"{symbol}.strikePrice"), where, symbol
            ),
            is_call=side == "CALL",
            unit_base=positive(to_float(field(row, "unit", where), where, f"{symbol}.unit"), where, f"{symbol}.unit"),
        )
    return out


def parse_ticker(body: bytes, *, ts_recv: datetime) -> dict[str, Ticker]:
    """``/eapi/v1/ticker`` → symbol → 24h volume (contracts) and index (USD)."""
    where = Where(PROVIDER, "ticker", ts_recv)
    out = {}
    for row in non_empty(load_body(body, where), where, "tickers"):
        symbol = str(field(row, "symbol", where))
        out[symbol] = Ticker(
            volume_contracts=to_float(field(row, "volume", where), where, f"{symbol}.volume"),
            index_usd=positive(
                to_float(field(row, "exercisePrice", where), where, f"{symbol}.exercisePrice"), where, symbol
            ),
        )
    return out


def listed_bases(listings: dict[str, Listing]) -> frozenset[str]:
    """Base assets with at least one listed option."""
    return frozenset(x.base for x in listings.values())


def parse_mark(
    body: bytes, *, asset: str, ts_recv: datetime, listings: dict[str, Listing], tickers: dict[str, Ticker]
) -> OptionChain:
    """``/eapi/v1/mark`` rows of ``asset`` (joined to the listing and ticker by symbol) → ``OptionChain``.

    A mark row of ``asset`` without a listing or ticker is a bad payload (the three answers disagree)."""
    where = Where(PROVIDER, "mark", ts_recv)
    now_ms = datetime_to_ms(ts_recv)
    rows: list[OptionRow] = []
    index: float | None = None
    for row in as_list(load_body(body, where), where, "marks"):
        symbol = str(field(row, "symbol", where))
        if not symbol.startswith(f"{asset}-"):
            continue
        listing, tick = listings.get(symbol), tickers.get(symbol)
        if listing is None or tick is None:
            raise where.fail(f"{symbol}: marked but missing from the {'listing' if listing is None else 'tickers'}")
        iv = to_float(field(row, "markIV", where), where, f"{symbol}.markIV")
        rate = to_float(field(row, "riskFreeInterest", where), where, f"{symbol}.riskFreeInterest")
        forward = tick.index_usd * math.exp(rate * max(listing.expiry_ms - now_ms, 0) / YEAR_MS)
        index = tick.index_usd
        rows.append(
            OptionRow(
                instrument=symbol,
                expiry_ms=listing.expiry_ms,
                strike_usd=listing.strike_usd,
                is_call=listing.is_call,
                mark_iv=iv if iv > 0 else NAN,
                volume_base=tick.volume_contracts * listing.unit_base,
                forward_usd=forward,
                mark_price_coin=to_float(field(row, "markPrice", where), where, f"{symbol}.markPrice") / forward,
                delta=to_float(field(row, "delta", where), where, f"{symbol}.delta"),
                gamma=to_float(field(row, "gamma", where), where, f"{symbol}.gamma"),
            )
        )
    return build_chain(asset, rows, source=make_source(where, ts_recv, ts_recv), index_price_usd=index, where=where)
