"""Pure parsers: Bybit v5 response bodies to domain types (newest-first lists are sorted ascending).

Open interest is single-sided: ``singleOpenInterest`` when the payload has it; otherwise ``openInterest / 2``,
because the v5 documentation defines ``openInterest`` as "the sum of both sides" and every recording that carries
both fields has ``openInterest`` = 2 × ``singleOpenInterest`` exactly (evidence and dates: docs/sources.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.domain.futures import DatedFuture, Margin
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.scan import PerpTicker
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortKind,
    LongShortSeries,
    OpenInterestSeries,
)
from derivintel.domain.universe import USD_SETTLE, Listing, split_bundle
from derivintel.domain.venue import VenueId
from derivintel.sources.bulk import SCAN_QUOTE, BulkParsed, base_of, rows_tolerant
from derivintel.sources.payload import (
    Where,
    book_side,
    columns,
    field,
    last_ts,
    load_json,
    make_source,
    non_empty,
    ohlcv_candles,
    positive,
    spacing_intervals_hours,
    to_dt,
    to_float,
    to_float_or_none,
    to_ms,
    to_scheduled_dt,
)

PROVIDER = "bybit"
VENUE = VenueId("bybit")
DEFAULT_FUNDING_INTERVAL_H = 8.0
BYBIT_INTERVALS_H = (1.0, 2.0, 4.0, 8.0)


def single_sided_oi(row: Any, where: Where, what: str) -> float:
    """Single-sided open interest (coins for linear) of a tickers or open-interest row: ``singleOpenInterest``
    when present (2026 payloads), else half the documented both-sides ``openInterest``."""
    if isinstance(row, dict) and row.get("singleOpenInterest") not in (None, ""):
        out = to_float(row["singleOpenInterest"], where, f"{what}singleOpenInterest")
    else:
        out = to_float(field(row, "openInterest", where), where, f"{what}openInterest") / 2.0
    if out < 0:
        raise where.fail(f"{what}open interest negative: {out}")
    return out


def parse_instruments_info(body: bytes, *, symbol: str, ts_recv: datetime) -> float | None:
    """``/v5/market/instruments-info`` → ``symbol``'s funding interval in hours (``fundingInterval`` is in
    minutes), None when the row does not state it. An interval Bybit does not run (1/2/4/8h) is a bad payload."""
    where = Where(PROVIDER, "instruments-info", ts_recv)
    rows, _ = _list(body, where)
    row = next((r for r in rows if isinstance(r, dict) and r.get("symbol") == symbol), None)
    if row is None:
        raise where.fail(f"symbol {symbol!r} not in result.list")
    if row.get("fundingInterval") in (None, ""):
        return None
    hours = to_float(row["fundingInterval"], where, "fundingInterval") / 60.0
    if hours not in BYBIT_INTERVALS_H:
        raise where.fail(f"fundingInterval {row['fundingInterval']!r} min is not a Bybit interval (1, 2, 4 or 8 h)")
    return hours


@dataclass(frozen=True, slots=True)
class Envelope:
    """The v5 response envelope, decoded once at the edge: ``retCode`` 0 checked, ``result`` present.

    ``top`` keeps the decoded top-level object for the fields an endpoint reads beside ``result`` (``time``)."""

    result: Any
    top: Mapping[str, Any]

    @classmethod
    def decode(cls, body: bytes, where: Where) -> Envelope:
        """Decode ``body``; a non-zero ``retCode`` is a bad payload (``retCode <code>: <retMsg>``)."""
        obj = load_json(body, where)
        code = field(obj, "retCode", where)
        if str(code) != "0":  # a number in the docs; "0" read the same
            raise where.fail(f"retCode {code}: {obj.get('retMsg', '')}")
        return cls(field(obj, "result", where), obj)

    def rows(self, where: Where) -> list[Any]:
        """``result.list``, non-empty."""
        return non_empty(field(self.result, "list", where), where, "result.list")


def _result(body: bytes, where: Where) -> tuple[Any, Any]:
    """Check the envelope; returns ``(result, top-level object)``. A non-zero ``retCode`` is a bad payload."""
    env = Envelope.decode(body, where)
    return env.result, env.top


def _list(body: bytes, where: Where) -> tuple[list[Any], Any]:
    env = Envelope.decode(body, where)
    return env.rows(where), env.top


def ticker_interval_hours(body: bytes, *, symbol: str, ts_recv: datetime) -> float | None:
    """``fundingIntervalHour`` of ``symbol``'s tickers row, None when the row does not carry it."""
    where = Where(PROVIDER, "tickers", ts_recv)
    rows, _ = _list(body, where)
    row = next((r for r in rows if isinstance(r, dict) and r.get("symbol") == symbol), None)
    if row is None or row.get("fundingIntervalHour") in (None, ""):
        return None
    return positive(to_float(row["fundingIntervalHour"], where, "fundingIntervalHour"), where, "fundingIntervalHour")


def parse_tickers(
    body: bytes, *, asset: str, symbol: str, ts_recv: datetime, instrument_interval_hours: float | None = None
) -> PerpMetrics:
    """``/v5/market/tickers`` → ``PerpMetrics``; OI single-sided coins (see module doc).

    Funding per ``fundingIntervalHour``; without it, per ``instrument_interval_hours`` (instruments-info
    ``fundingInterval``); with neither the interval is unknown and the rate is left None (a rate per 1h or per 8h
    cannot be told apart), ``funding_interval_hours`` then holding Bybit's 8h default only as a placeholder."""
    where = Where(PROVIDER, "tickers", ts_recv)
    rows, obj = _list(body, where)
    row = next((r for r in rows if isinstance(r, dict) and r.get("symbol") == symbol), None)
    if row is None:
        raise where.fail(f"symbol {symbol!r} not in result.list")
    interval = ticker_interval_hours(body, symbol=symbol, ts_recv=ts_recv) or instrument_interval_hours
    rate = to_float(field(row, "fundingRate", where), where, "fundingRate")
    next_ms = to_float(field(row, "nextFundingTime", where), where, "nextFundingTime")
    return PerpMetrics(
        venue=VENUE,
        asset=asset,
        venue_symbol=symbol,
        mark_price_usd=positive(to_float(field(row, "markPrice", where), where, "markPrice"), where, "markPrice"),
        index_price_usd=positive(to_float(field(row, "indexPrice", where), where, "indexPrice"), where, "indexPrice"),
        funding_rate_interval=None if interval is None else rate,
        funding_interval_hours=interval or DEFAULT_FUNDING_INTERVAL_H,
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=to_dt(next_ms, where, "nextFundingTime") if next_ms > 0 else None,
        oi_base=single_sided_oi(row, where, ""),
        volume_24h_usd=to_float(field(row, "turnover24h", where), where, "turnover24h"),
        source=make_source(where, to_dt(field(obj, "time", where), where, "time"), ts_recv),
    )


def parse_open_interest(
    body: bytes,
    *,
    asset: str,
    ts_recv: datetime,
    period_s: int,
    price_by_ts: Mapping[int, float] | None = None,
) -> OpenInterestSeries:
    """``/v5/market/open-interest`` → single-sided ``OpenInterestSeries`` (coins).

    Rows are stamped at the start of their hour, so ``oi_usd`` = coins × the price at that instant: the open of
    the bar starting then (``price_by_ts``: epoch ms → USD, see ``open_prices_by_ts``); NaN where none is known.
    Timestamps in seconds among millisecond rows (seen in 2026 recordings) read right (``payload.to_ms``)."""
    where = Where(PROVIDER, "open-interest", ts_recv)
    rows, _ = _list(body, where)
    ts, vals = [], []
    for i, row in enumerate(rows):
        ts.append(to_ms(field(row, "timestamp", where), where, f"[{i}].timestamp"))
        vals.append(single_sided_oi(row, where, f"[{i}]."))
    ts64, v = columns(vals, ts, where)
    prices = np.array([(price_by_ts or {}).get(int(t), np.nan) for t in ts64.astype(np.int64)], dtype=np.float64)
    return OpenInterestSeries(
        venue=VENUE,
        asset=asset,
        interval_s=period_s,
        ts=ts64,
        oi_base=v[:, 0],
        oi_usd=v[:, 0] * prices,
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_funding_history(
    body: bytes, *, asset: str, symbol: str, ts_recv: datetime, interval_hours: float
) -> FundingSeries:
    """``/v5/market/funding/history`` → settled ``FundingSeries``; each settlement's interval is read from its
    spacing to the previous one (symbols move between 8h and 4h/2h/1h), ``interval_hours`` (today's) only where
    the spacing cannot tell (one row)."""
    where = Where(PROVIDER, "funding-history", ts_recv)
    rows, _ = _list(body, where)
    ts, vals = [], []
    for i, row in enumerate(rows):
        if field(row, "symbol", where) != symbol:
            raise where.fail(f"[{i}] is for {row.get('symbol')!r}, expected {symbol!r}")
        ts.append(to_ms(field(row, "fundingRateTimestamp", where), where, f"[{i}].fundingRateTimestamp"))
        vals.append(to_float(field(row, "fundingRate", where), where, f"[{i}].fundingRate"))
    ts64, v = columns(vals, ts, where)
    return FundingSeries(
        venue=VENUE,
        asset=asset,
        ts=ts64,
        rate_interval=v[:, 0],
        interval_hours=spacing_intervals_hours(ts, BYBIT_INTERVALS_H, interval_hours),
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_account_ratio(body: bytes, *, asset: str, ts_recv: datetime, period_s: int) -> LongShortSeries:
    """``/v5/market/account-ratio`` → accounts ``LongShortSeries``; ratio = buyRatio / sellRatio."""
    where = Where(PROVIDER, "account-ratio", ts_recv)
    rows, _ = _list(body, where)
    ts, vals = [], []
    for i, row in enumerate(rows):
        ts.append(to_ms(field(row, "timestamp", where), where, f"[{i}].timestamp"))
        buy = to_float(field(row, "buyRatio", where), where, f"[{i}].buyRatio")
        sell = positive(to_float(field(row, "sellRatio", where), where, f"[{i}].sellRatio"), where, f"[{i}].sellRatio")
        vals.append(buy / sell)
    ts64, v = columns(vals, ts, where)
    return LongShortSeries(
        venue=VENUE,
        asset=asset,
        kind=LongShortKind.GLOBAL_ACCOUNTS,
        interval_s=period_s,
        ts=ts64,
        ratio=v[:, 0],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_kline(body: bytes, *, asset: str, ts_recv: datetime, interval_s: int) -> CandleSeries:
    """``/v5/market/kline`` → ``CandleSeries`` (volume in coins; no taker split published)."""
    where = Where(PROVIDER, "kline", ts_recv)
    rows, _ = _list(body, where)
    ts, vals = [], []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) < 6:
            raise where.fail(f"[{i}]: expected [start, o, h, l, c, volume, turnover], got {str(row)[:80]}")
        ts.append(to_ms(row[0], where, f"[{i}].start"))
        vals.append([to_float(row[j], where, f"[{i}][{j}]") for j in range(1, 6)])
    ts64, v = columns(vals, ts, where)
    return ohlcv_candles(
        v, ts64, where, venue=VENUE, asset=asset, market="perp", interval_s=interval_s, ts_recv=ts_recv
    )


def parse_orderbook(body: bytes, *, asset: str, symbol: str, ts_recv: datetime) -> OrderBook:
    """``/v5/market/orderbook`` → ``OrderBook`` (``b``/``a`` = ``[price USDT, size coin]``)."""
    where = Where(PROVIDER, "orderbook", ts_recv)
    result, _ = _result(body, where)
    if field(result, "s", where) != symbol:
        raise where.fail(f"book is for {result.get('s')!r}, expected {symbol!r}")
    bids = book_side(field(result, "b", where), where, "b", descending=True)
    asks = book_side(field(result, "a", where), where, "a", descending=False)
    as_of = to_dt(field(result, "ts", where), where, "ts")
    return OrderBook(venue=VENUE, asset=asset, bids=bids, asks=asks, source=make_source(where, as_of, ts_recv))


def open_prices_by_ts(candles: CandleSeries | None) -> dict[int, float]:
    """Map bar open time (epoch ms) → open price (USD): the price at the instant an OI row is stamped."""
    if candles is None:
        return {}
    return dict(zip(candles.ts.astype(np.int64).tolist(), candles.open.tolist(), strict=True))


def parse_instruments_list(body: bytes, *, ts_recv: datetime | None = None) -> tuple[Listing, ...]:
    """``/v5/market/instruments-info?category=linear`` (no symbol) → the USD-margined linear perps that trade.

    ``fundingInterval`` (minutes) becomes hours; a row stating an interval Bybit does not run is a bad payload. Dated
    linear futures and non-trading symbols are left out; ``1000BONK`` is asset BONK with a unit multiplier of 1000.
    One page is read (``limit`` 1000, above Bybit's linear count); a further page (``nextPageCursor``) is not.
    An answer without a single trading perp is a bad payload."""
    where = Where(PROVIDER, "instruments-list", ts_recv)
    rows, _top = _list(body, where)
    out: list[Listing] = []
    for i, row in enumerate(rows):
        if field(row, "contractType", where) != "LinearPerpetual" or field(row, "status", where) != "Trading":
            continue
        settle = row.get("settleCoin") or field(row, "quoteCoin", where)
        if settle not in USD_SETTLE:
            continue
        base = field(row, "baseCoin", where)
        if not isinstance(base, str) or not base:
            raise where.fail(f"result.list[{i}].baseCoin: expected a name, got {base!r}")
        asset, multiplier = split_bundle(base)
        minutes = to_float_or_none(row.get("fundingInterval"), where, f"result.list[{i}].fundingInterval")
        hours = None if minutes is None else minutes / 60.0
        if hours is not None and hours not in BYBIT_INTERVALS_H:
            raise where.fail(
                f"result.list[{i}].fundingInterval {minutes:g} min is not a Bybit interval (1, 2, 4 or 8 h)"
            )
        tick = (row.get("priceFilter") or {}).get("tickSize") if isinstance(row.get("priceFilter"), dict) else None
        out.append(
            Listing(
                provider=PROVIDER,
                asset=asset,
                symbol=str(field(row, "symbol", where)),
                settle=str(settle),
                unit_multiplier=multiplier,
                funding_interval_hours=hours,
                tick_size=to_float_or_none(tick, where, f"result.list[{i}].priceFilter.tickSize"),
            )
        )
    if not out:
        raise where.fail("no trading USDT/USDC linear perpetual in result.list")
    return tuple(out)


# --- dated futures (all-symbol tickers of a category) ---------------------------------------------------------------


def _dated_symbol(asset: str, category: str) -> re.Pattern[str]:
    """Bybit dated-future names of ``asset``: linear ``BTCUSDT-27MAR26`` (USDT) and ``BTC-27MAR26`` (USDC); inverse
    ``BTCUSDH26`` (month code + year)."""
    a = re.escape(asset)
    if category == "inverse":
        return re.compile(rf"^{a}USD[FGHJKMNQUVXZ]\d\d$")
    return re.compile(rf"^{a}(?:USDT)?-\d{{1,2}}[A-Z]{{3}}\d\d$")


def parse_dated_futures(body: bytes, *, asset: str, category: str, ts_recv: datetime) -> tuple[DatedFuture, ...]:
    """``/v5/market/tickers?category=linear|inverse`` (every symbol) → ``asset``'s dated futures.

    A row is a dated future when its ``deliveryTime`` (ms) is set (perpetuals carry ``"0"``) and its name is one of
    ``asset``'s futures. Mark and index USD (USDT/USDC ≈ USD); OI single-sided (module doc): coins for linear, USD
    contracts for inverse (converted to coins at the mark). Every row's mark must read, so a mangled list is a bad
    payload rather than an empty one.
    """
    dataset = f"tickers_{category}_all"
    where = Where(PROVIDER, dataset, ts_recv)
    rows, obj = _list(body, where)
    as_of = to_dt(field(obj, "time", where), where, "time")
    pattern = _dated_symbol(asset, category)
    out = []
    for i, row in enumerate(rows):
        what = f"result.list[{i}]."
        mark = positive(to_float(field(row, "markPrice", where), where, f"{what}markPrice"), where, f"{what}markPrice")
        symbol = str(field(row, "symbol", where))
        if not pattern.match(symbol):
            continue
        delivery_ms = to_float(field(row, "deliveryTime", where), where, f"{what}deliveryTime")
        if delivery_ms <= 0:
            continue
        oi = single_sided_oi(row, where, what)
        out.append(
            DatedFuture(
                venue=VENUE,
                asset=asset,
                venue_symbol=symbol,
                expiry=to_scheduled_dt(delivery_ms, where, f"{what}deliveryTime"),
                mark_price_usd=mark,
                index_price_usd=positive(
                    to_float(field(row, "indexPrice", where), where, f"{what}indexPrice"), where, f"{what}indexPrice"
                ),
                oi_base=oi / mark if category == "inverse" else oi,
                margin=Margin.INVERSE if category == "inverse" else Margin.LINEAR,
                source=make_source(where, as_of, ts_recv),
            )
        )
    return tuple(out)


# -- derivintel scan: bulk (all-symbols) answer ----------------------------------------------------------------------


def parse_scan(bodies: Mapping[str, bytes], ts_recv: datetime) -> BulkParsed:
    """Bulk ``/v5/market/tickers?category=linear`` → one ``PerpTicker`` per USDT perpetual (dated futures, whose
    ``deliveryTime`` is set, and USDC contracts are left out). OI single-sided coins (module doc); funding per
    ``fundingIntervalHour``, left None when a row does not state its interval; ``price24hPcnt`` is a fraction."""
    where = Where(PROVIDER, "tickers_linear_all", ts_recv)
    env = Envelope.decode(bodies["tickers_linear_all"], where)
    as_of = to_dt(field(env.top, "time", where), where, "time")

    def row(r: Any) -> PerpTicker | None:
        symbol = str(field(r, "symbol", where))
        base = base_of(symbol, suffix=SCAN_QUOTE)
        if base is None or str(r.get("deliveryTime", "0")) not in ("0", ""):
            return None
        what = f"{symbol}."
        interval_raw = r.get("fundingIntervalHour")
        interval = None if interval_raw in (None, "") else to_float(interval_raw, where, what + "fundingIntervalHour")
        if interval is not None:
            positive(interval, where, what + "fundingIntervalHour")
        next_ms = to_float(field(r, "nextFundingTime", where), where, what + "nextFundingTime")
        return PerpTicker(
            venue=VENUE,
            asset=base,
            venue_symbol=symbol,
            mark_price_usd=positive(to_float(field(r, "markPrice", where), where, what + "markPrice"), where, symbol),
            index_price_usd=positive(
                to_float(field(r, "indexPrice", where), where, what + "indexPrice"), where, symbol
            ),
            funding_rate_interval=(
                None if interval is None else to_float(field(r, "fundingRate", where), where, what + "fundingRate")
            ),
            funding_interval_hours=interval or DEFAULT_FUNDING_INTERVAL_H,
            funding_kind=FundingKind.PREDICTED,
            next_funding_time=to_dt(int(next_ms), where, what + "nextFundingTime") if next_ms > 0 else None,
            oi_base=single_sided_oi(r, where, what),
            volume_24h_usd=to_float(field(r, "turnover24h", where), where, what + "turnover24h"),
            source=make_source(where, as_of, ts_recv),
            price_change_24h_frac=to_float(field(r, "price24hPcnt", where), where, what + "price24hPcnt"),
        )

    tickers, bad = rows_tolerant(env.rows(where), row, where)
    return BulkParsed(tuple(tickers), (bad,) if bad else ())
