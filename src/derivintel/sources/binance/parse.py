"""Pure parsers: Binance USD-M / spot response bodies to domain types (units normalised, see ``endpoints``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from derivintel.core.provenance import Gap, GapKind
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
    TakerVolumeSeries,
)
from derivintel.domain.universe import USD_SETTLE, Listing, split_bundle
from derivintel.domain.venue import Market, VenueId
from derivintel.sources.bulk import SCAN_QUOTE, BulkParsed, base_of, optional_part, rows_tolerant
from derivintel.sources.payload import (
    Where,
    as_list,
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
from derivintel.sources.readings import DayStats, OpenInterestReading

VENUE = VenueId("binance")
USDM = "binance-usdm"
COINM = "binance-coinm"
DEFAULT_FUNDING_INTERVAL_H = 8.0
BINANCE_INTERVALS_H = (1.0, 2.0, 4.0, 8.0)

LONG_SHORT_KINDS: dict[str, LongShortKind] = {
    "globalLongShortAccountRatio": LongShortKind.GLOBAL_ACCOUNTS,
    "topLongShortAccountRatio": LongShortKind.TOP_ACCOUNTS,
    "topLongShortPositionRatio": LongShortKind.TOP_POSITIONS,
}


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """Binance's error answer ``{"code": -1121, "msg": "Invalid symbol."}`` (a negative code and its text), which
    takes the place of the endpoint's object or array."""

    code: Any
    msg: str

    @classmethod
    def of(cls, obj: Any) -> ErrorBody | None:
        """The error held by a decoded body, None for any other body (no success answer has both keys)."""
        if isinstance(obj, dict) and "code" in obj and "msg" in obj:
            return cls(code=obj["code"], msg=str(obj["msg"]))
        return None


def load_body(body: bytes, where: Where) -> Any:
    """Decode ``body`` once; an error body is a bad payload worded ``code <code>: <msg>``."""
    obj = load_json(body, where)
    error = ErrorBody.of(obj)
    if error is not None:
        raise where.fail(f"code {error.code}: {error.msg}")
    return obj


def _check_symbol(obj: object, symbol: str, where: Where) -> None:
    got = field(obj, "symbol", where)
    if got != symbol:
        raise where.fail(f"payload is for symbol {got!r}, expected {symbol!r}")


def parse_funding_intervals(body: bytes) -> dict[str, float]:
    """``/fapi/v1/fundingInfo`` → ``{symbol: funding interval hours}`` (only adjusted symbols are listed)."""
    where = Where(USDM, "fundingInfo")
    out: dict[str, float] = {}
    for i, row in enumerate(as_list(load_body(body, where), where, "fundingInfo")):
        symbol = field(row, "symbol", where)
        hours = positive(
            to_float(field(row, "fundingIntervalHours", where), where, f"[{i}].fundingIntervalHours"),
            where,
            f"[{i}].fundingIntervalHours",
        )
        out[str(symbol)] = hours
    return out


def funding_interval_hours(intervals: dict[str, float] | None, symbol: str) -> float:
    """Interval for ``symbol``: listed value, else Binance's 8h default. ``intervals`` None = fundingInfo unknown."""
    if intervals is None:
        return DEFAULT_FUNDING_INTERVAL_H
    return intervals.get(symbol, DEFAULT_FUNDING_INTERVAL_H)


def parse_open_interest(body: bytes, *, symbol: str, ts_recv: datetime) -> OpenInterestReading:
    """``/fapi/v1/openInterest`` → single-sided OI in coins and its event time."""
    where = Where(USDM, "openInterest", ts_recv)
    obj = load_body(body, where)
    _check_symbol(obj, symbol, where)
    oi = to_float(field(obj, "openInterest", where), where, "openInterest")
    if oi < 0:
        raise where.fail(f"negative openInterest {oi}")
    return OpenInterestReading(oi, to_dt(field(obj, "time", where), where, "time"))


def parse_premium_index(
    body: bytes,
    *,
    asset: str,
    symbol: str,
    ts_recv: datetime,
    funding_interval_hours: float,
    oi_base: float | None,
) -> PerpMetrics:
    """``/fapi/v1/premiumIndex`` (+ OI from ``openInterest``) → ``PerpMetrics``.

    ``lastFundingRate`` is the running (predicted) rate per ``funding_interval_hours``; prices in USDT (≈ USD).
    """
    where = Where(USDM, "premiumIndex", ts_recv)
    obj = load_body(body, where)
    _check_symbol(obj, symbol, where)
    mark = positive(to_float(field(obj, "markPrice", where), where, "markPrice"), where, "markPrice")
    index = positive(to_float(field(obj, "indexPrice", where), where, "indexPrice"), where, "indexPrice")
    rate = to_float(field(obj, "lastFundingRate", where), where, "lastFundingRate")
    next_ms = to_ms(field(obj, "nextFundingTime", where), where, "nextFundingTime")
    as_of = to_dt(field(obj, "time", where), where, "time")
    return PerpMetrics(
        venue=VENUE,
        asset=asset,
        venue_symbol=symbol,
        mark_price_usd=mark,
        index_price_usd=index,
        funding_rate_interval=rate,
        funding_interval_hours=funding_interval_hours,
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=to_dt(next_ms, where, "nextFundingTime"),
        oi_base=oi_base,
        volume_24h_usd=None,
        source=make_source(where, as_of, ts_recv),
    )


def parse_funding_history(
    body: bytes, *, asset: str, symbol: str, ts_recv: datetime, interval_hours: float
) -> FundingSeries:
    """``/fapi/v1/fundingRate`` → settled ``FundingSeries``; each settlement's interval is read from its spacing
    to the previous one (Binance moved many symbols from 8h to 4h), ``interval_hours`` (today's, fundingInfo)
    only where the spacing cannot tell (one row)."""
    where = Where(USDM, "fundingRate", ts_recv)
    rows = non_empty(load_body(body, where), where, "fundingRate")
    ts, vals = [], []
    for i, row in enumerate(rows):
        _check_symbol(row, symbol, where)
        ts.append(to_ms(field(row, "fundingTime", where), where, f"[{i}].fundingTime"))
        vals.append(to_float(field(row, "fundingRate", where), where, f"[{i}].fundingRate"))
    ts64, values = columns(vals, ts, where)
    return FundingSeries(
        venue=VENUE,
        asset=asset,
        ts=ts64,
        rate_interval=values[:, 0],
        interval_hours=spacing_intervals_hours(ts, BINANCE_INTERVALS_H, interval_hours),
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_open_interest_hist(
    body: bytes, *, asset: str, symbol: str, ts_recv: datetime, period_s: int
) -> OpenInterestSeries:
    """``/futures/data/openInterestHist`` → ``OpenInterestSeries`` (coins and USDT)."""
    where = Where(USDM, "openInterestHist", ts_recv)
    rows = non_empty(load_body(body, where), where, "openInterestHist")
    ts, vals = [], []
    for i, row in enumerate(rows):
        _check_symbol(row, symbol, where)
        ts.append(to_ms(field(row, "timestamp", where), where, f"[{i}].timestamp"))
        vals.append(
            (
                to_float(field(row, "sumOpenInterest", where), where, f"[{i}].sumOpenInterest"),
                to_float(field(row, "sumOpenInterestValue", where), where, f"[{i}].sumOpenInterestValue"),
            )
        )
    ts64, values = columns(vals, ts, where)
    return OpenInterestSeries(
        venue=VENUE,
        asset=asset,
        interval_s=period_s,
        ts=ts64,
        oi_base=values[:, 0],
        oi_usd=values[:, 1],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_long_short(
    body: bytes, *, dataset: str, asset: str, symbol: str, ts_recv: datetime, period_s: int
) -> LongShortSeries:
    """``/futures/data/{global,top}LongShort*Ratio`` → ``LongShortSeries`` of the matching kind."""
    where = Where(USDM, dataset, ts_recv)
    if dataset not in LONG_SHORT_KINDS:
        raise ValueError(f"not a Binance long/short dataset: {dataset}")
    rows = non_empty(load_body(body, where), where, dataset)
    ts, vals = [], []
    for i, row in enumerate(rows):
        _check_symbol(row, symbol, where)
        ts.append(to_ms(field(row, "timestamp", where), where, f"[{i}].timestamp"))
        ratio = to_float(field(row, "longShortRatio", where), where, f"[{i}].longShortRatio")
        if ratio < 0:
            raise where.fail(f"[{i}].longShortRatio negative: {ratio}")
        vals.append(ratio)
    ts64, values = columns(vals, ts, where)
    return LongShortSeries(
        venue=VENUE,
        asset=asset,
        kind=LONG_SHORT_KINDS[dataset],
        interval_s=period_s,
        ts=ts64,
        ratio=values[:, 0],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_taker_volume(body: bytes, *, asset: str, ts_recv: datetime, period_s: int) -> TakerVolumeSeries:
    """``/futures/data/takerlongshortRatio`` → ``TakerVolumeSeries`` (``buyVol``/``sellVol`` in coins)."""
    where = Where(USDM, "takerlongshortRatio", ts_recv)
    rows = non_empty(load_body(body, where), where, "takerlongshortRatio")
    ts, vals = [], []
    for i, row in enumerate(rows):
        ts.append(to_ms(field(row, "timestamp", where), where, f"[{i}].timestamp"))
        vals.append(
            (
                to_float(field(row, "buyVol", where), where, f"[{i}].buyVol"),
                to_float(field(row, "sellVol", where), where, f"[{i}].sellVol"),
            )
        )
    ts64, values = columns(vals, ts, where)
    return TakerVolumeSeries(
        venue=VENUE,
        asset=asset,
        interval_s=period_s,
        ts=ts64,
        buy_base=values[:, 0],
        sell_base=values[:, 1],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_klines(
    body: bytes, *, provider: str, dataset: str, asset: str, market: Market, interval_s: int, ts_recv: datetime
) -> CandleSeries:
    """``/fapi/v1/klines`` or ``/api/v3/klines`` → ``CandleSeries`` with taker buy volume (column 9, coins).

    Row: ``[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBuyBase, ...]``.
    """
    where = Where(provider, dataset, ts_recv)
    rows = non_empty(load_body(body, where), where, dataset)
    ts, vals = [], []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) < 10:
            raise where.fail(f"[{i}]: expected a kline row of at least 10 columns, got {str(row)[:80]}")
        ts.append(to_ms(row[0], where, f"[{i}].openTime"))
        vals.append([to_float(row[j], where, f"[{i}][{j}]") for j in (1, 2, 3, 4, 5, 9)])
    ts64, v = columns(vals, ts, where)
    return ohlcv_candles(
        v, ts64, where, venue=VENUE, asset=asset, market=market, interval_s=interval_s, ts_recv=ts_recv, taker_buy_col=5
    )


def parse_depth(body: bytes, *, asset: str, ts_recv: datetime, provider: str = USDM) -> OrderBook:
    """``/fapi/v1/depth`` → ``OrderBook`` (``[price USDT, qty coin]``); event time ``E`` when present."""
    where = Where(provider, "depth", ts_recv)
    obj = load_body(body, where)
    bids = book_side(field(obj, "bids", where), where, "bids", descending=True)
    asks = book_side(field(obj, "asks", where), where, "asks", descending=False)
    as_of = to_dt(obj["E"], where, "E") if isinstance(obj, dict) and "E" in obj else ts_recv
    return OrderBook(venue=VENUE, asset=asset, bids=bids, asks=asks, source=make_source(where, as_of, ts_recv))


def parse_exchange_info(body: bytes, *, ts_recv: datetime | None = None) -> tuple[Listing, ...]:
    """``/fapi/v1/exchangeInfo`` → the USD-margined perps (``PERPETUAL``, ``TRADING``, quote USDT/USDC).

    Quarterlies, TradFi perps (``TRADIFI_PERPETUAL``) and symbols not trading are left out. ``1000PEPE`` becomes
    asset PEPE with a unit multiplier of 1000. A list without a single such perp is a bad payload."""
    where = Where(USDM, "instruments-list", ts_recv)
    rows = non_empty(field(load_body(body, where), "symbols", where), where, "symbols")
    out: list[Listing] = []
    for i, row in enumerate(rows):
        if field(row, "contractType", where) != "PERPETUAL" or field(row, "status", where) != "TRADING":
            continue
        quote = field(row, "quoteAsset", where)
        if quote not in USD_SETTLE or row.get("marginAsset", quote) != quote:
            continue
        base = field(row, "baseAsset", where)
        if not isinstance(base, str) or not base:
            raise where.fail(f"symbols[{i}].baseAsset: expected a name, got {base!r}")
        asset, multiplier = split_bundle(base)
        tick = next(
            (
                f.get("tickSize")
                for f in row.get("filters") or ()
                if isinstance(f, dict) and f.get("filterType") == "PRICE_FILTER"
            ),
            None,
        )
        out.append(
            Listing(
                provider=USDM,
                asset=asset,
                symbol=str(field(row, "symbol", where)),
                settle=quote,
                unit_multiplier=multiplier,
                tick_size=to_float_or_none(tick, where, f"symbols[{i}] PRICE_FILTER.tickSize"),
            )
        )
    if not out:
        raise where.fail("no trading USDT/USDC perpetual in symbols")
    return tuple(out)


# --- dated futures (USD-M quarterlies) ----------------------------------------------------------------------------

QUARTERLY_TYPES = frozenset({"CURRENT_QUARTER", "NEXT_QUARTER"})


@dataclass(frozen=True, slots=True)
class DeliveryContract:
    """A USD-M delivery contract from ``exchangeInfo``: base asset and delivery time (aware UTC)."""

    symbol: str
    base_asset: str
    delivery: datetime


def parse_delivery_contracts(body: bytes, *, provider: str = USDM) -> dict[str, DeliveryContract]:
    """``/fapi/v1/exchangeInfo`` (or COIN-M ``/dapi/v1/exchangeInfo``) → ``{symbol: DeliveryContract}`` for the
    TRADING quarterlies (``contractType`` CURRENT_QUARTER / NEXT_QUARTER; ``deliveryDate`` epoch ms; status in
    ``status``, COIN-M ``contractStatus``). Every row's symbol and delivery date must read (perpetuals carry a
    far-future date), so a mangled list is a bad payload, not an empty one."""
    where = Where(provider, "exchangeInfo")
    out: dict[str, DeliveryContract] = {}
    for i, row in enumerate(non_empty(field(load_body(body, where), "symbols", where), where, "symbols")):
        symbol = field(row, "symbol", where)
        if not isinstance(symbol, str) or not symbol:
            raise where.fail(f"symbols[{i}].symbol: expected a symbol name, got {symbol!r}")
        delivery = to_scheduled_dt(field(row, "deliveryDate", where), where, f"symbols[{i}].deliveryDate")
        status = row.get("contractStatus", row.get("status")) if isinstance(row, dict) else None
        if field(row, "contractType", where) not in QUARTERLY_TYPES or status != "TRADING":
            continue
        out[symbol] = DeliveryContract(symbol=symbol, base_asset=str(field(row, "baseAsset", where)), delivery=delivery)
    return out


def parse_quarterly_futures(
    body: bytes,
    *,
    asset: str,
    contracts: dict[str, DeliveryContract],
    ts_recv: datetime,
    provider: str = USDM,
    dataset: str = "premiumIndex_all",
) -> tuple[DatedFuture, ...]:
    """``/fapi/v1/premiumIndex`` (all symbols) → the ``asset``'s quarterlies as ``DatedFuture``.

    ``markPrice``/``indexPrice`` in USDT (≈ USD); OI is not in this payload (None: one ``openInterest`` call per
    contract would be needed). Every row's mark must read; only symbols listed as quarterlies in ``contracts``
    become futures. COIN-M (``provider="binance-coinm"``, ``premiumIndex?pair=BTCUSD``): prices in USD, contracts
    inverse.
    """
    where = Where(provider, dataset, ts_recv)
    out = []
    for i, row in enumerate(non_empty(load_body(body, where), where, "premiumIndex")):
        mark = positive(to_float(field(row, "markPrice", where), where, f"[{i}].markPrice"), where, f"[{i}].markPrice")
        if provider == COINM and field(row, "pair", where) != f"{asset}USD":
            raise where.fail(f"[{i}] is for pair {row.get('pair')!r}, expected {asset}USD")
        contract = contracts.get(str(field(row, "symbol", where)))
        if contract is None or contract.base_asset != asset:
            continue
        index = positive(
            to_float(field(row, "indexPrice", where), where, f"[{i}].indexPrice"), where, f"[{i}].indexPrice"
        )
        out.append(
            DatedFuture(
                venue=VENUE,
                asset=asset,
                venue_symbol=contract.symbol,
                expiry=contract.delivery,
                mark_price_usd=mark,
                index_price_usd=index,
                oi_base=None,
                margin=Margin.INVERSE if provider == COINM else Margin.LINEAR,
                source=make_source(where, to_dt(field(row, "time", where), where, f"[{i}].time"), ts_recv),
            )
        )
    return tuple(out)


# -- derivintel scan: bulk (all-symbols) answers ---------------------------------------------------------------------


def parse_ticker_24hr_all(body: bytes) -> dict[str, DayStats]:
    """``/fapi/v1/ticker/24hr`` (no symbol) → ``{symbol: DayStats}`` (24h price change fraction, quote volume USD).

    ``priceChangePercent`` is in percent (``"-1.250"`` = −1.25 %) and is divided by 100 here."""
    where = Where(USDM, "ticker24hr_all")

    def row(r: Any) -> tuple[str, DayStats]:
        symbol = str(field(r, "symbol", where))
        change = to_float(field(r, "priceChangePercent", where), where, f"{symbol}.priceChangePercent") / 100.0
        quote = to_float(field(r, "quoteVolume", where), where, f"{symbol}.quoteVolume")
        return symbol, DayStats(change, quote)

    rows, _gap = rows_tolerant(as_list(load_body(body, where), where, "ticker/24hr"), row, where)
    return dict(rows)


def parse_symbol_open_interest(body: bytes, symbol: str, ts_recv: datetime) -> float:
    """``/fapi/v1/openInterest`` of one symbol → single-sided OI in coins (the scan's per-symbol OI request)."""
    return parse_open_interest(body, symbol=symbol, ts_recv=ts_recv).oi_base


def parse_scan(bodies: Mapping[str, bytes], ts_recv: datetime) -> BulkParsed:
    """Bulk ``premiumIndex`` (+ ``ticker/24hr`` for change and volume, ``fundingInfo`` for intervals) → one
    ``PerpTicker`` per USDT perpetual. Dated futures (``nextFundingTime`` 0, ``_`` in the symbol) and other quotes
    are left out. No OI: Binance publishes it per symbol only (a gap says so). Without ``fundingInfo`` the interval
    is unknown, so the funding rate is left None (a 4h symbol read as 8h would halve its per-hour rate)."""
    where = Where(USDM, "premiumIndex_all", ts_recv)
    gaps: list[Gap] = []
    stats = optional_part(bodies, USDM, "ticker24hr_all", parse_ticker_24hr_all, gaps)
    intervals = optional_part(bodies, USDM, "fundingInfo", parse_funding_intervals, gaps)

    def row(r: Any) -> PerpTicker | None:
        symbol = str(field(r, "symbol", where))
        base = base_of(symbol, suffix=SCAN_QUOTE)
        if base is None or "_" in symbol:
            return None
        next_ms = to_float(field(r, "nextFundingTime", where), where, f"{symbol}.nextFundingTime")
        if next_ms <= 0:  # a delivery contract
            return None
        what = f"{symbol}."
        day = None if stats is None else stats.get(symbol)
        interval = funding_interval_hours(intervals, symbol)
        return PerpTicker(
            venue=VENUE,
            asset=base,
            venue_symbol=symbol,
            mark_price_usd=positive(to_float(field(r, "markPrice", where), where, what + "markPrice"), where, symbol),
            index_price_usd=positive(
                to_float(field(r, "indexPrice", where), where, what + "indexPrice"), where, symbol
            ),
            funding_rate_interval=(
                to_float(field(r, "lastFundingRate", where), where, what + "lastFundingRate")
                if intervals is not None
                else None
            ),
            funding_interval_hours=interval,
            funding_kind=FundingKind.PREDICTED,
            next_funding_time=to_dt(int(next_ms), where, what + "nextFundingTime"),
            oi_base=None,
            volume_24h_usd=None if day is None else day.volume_24h_usd,
            source=make_source(where, to_dt(field(r, "time", where), where, what + "time"), ts_recv),
            price_change_24h_frac=None if day is None else day.price_change_24h_frac,
        )

    tickers, bad = rows_tolerant(
        as_list(load_body(bodies["premiumIndex_all"], where), where, "premiumIndex"), row, where
    )
    gaps += [bad] if bad else []
    gaps.append(
        Gap(USDM, "openInterest", GapKind.NOT_COVERED, "Binance publishes open interest per symbol only: no bulk OI")
    )
    return BulkParsed(tuple(tickers), tuple(gaps))
