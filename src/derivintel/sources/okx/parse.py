"""Pure parsers: OKX v5 response bodies to domain types (contracts converted to coins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.core.provenance import Gap
from derivintel.domain.futures import DatedFuture, Margin
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.scan import PerpTicker
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortKind,
    LongShortSeries,
    TakerVolumeSeries,
)
from derivintel.domain.universe import USD_SETTLE, Listing
from derivintel.domain.venue import VenueId
from derivintel.sources.bulk import SCAN_QUOTE, BulkParsed, base_of, optional_part, rows_tolerant
from derivintel.sources.envelope import CodeMsgEnvelope
from derivintel.sources.payload import (
    Where,
    book_side,
    columns,
    field,
    last_ts,
    make_source,
    ohlcv_candles,
    positive,
    spacing_intervals_hours,
    to_dt,
    to_float,
    to_float_or_none,
    to_ms,
    to_scheduled_dt,
)
from derivintel.sources.readings import DayStats, FundingReading, MarkReading

PROVIDER = "okx"
VENUE = VenueId("okx")
DEFAULT_FUNDING_INTERVAL_H = 8.0
OKX_INTERVALS_H = (1.0, 2.0, 4.0, 6.0, 8.0)


def _data(body: bytes, where: Where) -> list[Any]:
    """The envelope checked (``code`` must be ``"0"``, ``CodeMsgEnvelope``) and its non-empty ``data`` array."""
    return CodeMsgEnvelope.decode(body, where).rows(where)


def _row_for(rows: list[Any], key: str, value: str, where: Where) -> dict[str, Any]:
    for row in rows:
        if isinstance(row, dict) and row.get(key) == value:
            return row
    raise where.fail(f"no row with {key}={value!r} in data")


@dataclass(frozen=True, slots=True)
class SwapOpenInterest:
    """``/public/open-interest`` of one swap: single-sided ``oi_base`` in coins, the contract value in coins it
    implies (``oiCcy / oi``; NaN when ``oi`` is 0) and the event time ``as_of``."""

    oi_base: float
    contract_value_base: float
    as_of: datetime


@dataclass(frozen=True, slots=True)
class ListedFuture:
    """A listed dated future of an instrument family: delivery time (aware UTC) and margin (``ctType``)."""

    expiry: datetime
    margin: Margin


def parse_open_interest(body: bytes, *, symbol: str, ts_recv: datetime) -> SwapOpenInterest:
    """``/public/open-interest`` → ``SwapOpenInterest`` (coins, contract value in coins, event time)."""
    where = Where(PROVIDER, "open-interest", ts_recv)
    row = _row_for(_data(body, where), "instId", symbol, where)
    oi_contracts = to_float(field(row, "oi", where), where, "oi")
    oi_base = to_float(field(row, "oiCcy", where), where, "oiCcy")
    if oi_contracts < 0 or oi_base < 0:
        raise where.fail("negative open interest")
    ct_val = oi_base / oi_contracts if oi_contracts > 0 else float("nan")
    return SwapOpenInterest(oi_base, ct_val, to_dt(field(row, "ts", where), where, "ts"))


def parse_mark_price(body: bytes, *, symbol: str, ts_recv: datetime) -> MarkReading:
    """``/public/mark-price`` → mark in USD and its event time."""
    where = Where(PROVIDER, "mark-price", ts_recv)
    row = _row_for(_data(body, where), "instId", symbol, where)
    mark = positive(to_float(field(row, "markPx", where), where, "markPx"), where, "markPx")
    return MarkReading(mark, to_dt(field(row, "ts", where), where, "ts"))


def parse_index_price(body: bytes, *, index_id: str) -> float:
    """``/market/index-tickers`` → index price in USD(T)."""
    where = Where(PROVIDER, "index-tickers")
    row = _row_for(_data(body, where), "instId", index_id, where)
    return positive(to_float(field(row, "idxPx", where), where, "idxPx"), where, "idxPx")


def parse_funding_rate(
    body: bytes,
    *,
    asset: str,
    symbol: str,
    ts_recv: datetime,
    mark_price_usd: float,
    index_price_usd: float | None,
    oi_base: float | None,
) -> PerpMetrics:
    """``/public/funding-rate`` (+ mark, index, OI) → ``PerpMetrics``.

    The interval is ``nextFundingTime − fundingTime`` in hours (OKX runs 1h..8h intervals per instrument).
    """
    where = Where(PROVIDER, "funding-rate", ts_recv)
    row = _row_for(_data(body, where), "instId", symbol, where)
    funding_ms = to_ms(field(row, "fundingTime", where), where, "fundingTime")
    next_ms = to_ms(field(row, "nextFundingTime", where), where, "nextFundingTime")
    interval_h = (next_ms - funding_ms) / 3_600_000
    if interval_h <= 0:
        raise where.fail(f"nextFundingTime {next_ms} not after fundingTime {funding_ms}")
    as_of = to_dt(row["ts"], where, "ts") if "ts" in row else ts_recv
    return PerpMetrics(
        venue=VENUE,
        asset=asset,
        venue_symbol=symbol,
        mark_price_usd=mark_price_usd,
        index_price_usd=index_price_usd,
        funding_rate_interval=to_float(field(row, "fundingRate", where), where, "fundingRate"),
        funding_interval_hours=float(round(interval_h, 6)),
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=to_dt(funding_ms, where, "fundingTime"),
        oi_base=oi_base,
        volume_24h_usd=None,
        source=make_source(where, as_of, ts_recv),
    )


def parse_funding_history(
    body: bytes, *, asset: str, symbol: str, ts_recv: datetime, interval_hours: float | None = None
) -> FundingSeries:
    """``/public/funding-rate-history`` → settled ``FundingSeries``; ``realizedRate`` per interval.

    The interval per row is the spacing of consecutive ``fundingTime`` values when it is a valid OKX interval,
    else ``interval_hours`` (from the current funding-rate), else 8h.
    """
    where = Where(PROVIDER, "funding-rate-history", ts_recv)
    rows = _data(body, where)
    ts, vals = [], []
    for i, row in enumerate(rows):
        if field(row, "instId", where) != symbol:
            raise where.fail(f"[{i}] is for {row.get('instId')!r}, expected {symbol!r}")
        ts.append(to_ms(field(row, "fundingTime", where), where, f"[{i}].fundingTime"))
        vals.append(to_float(field(row, "realizedRate", where), where, f"[{i}].realizedRate"))
    ts64, v = columns(vals, ts, where)
    return FundingSeries(
        venue=VENUE,
        asset=asset,
        ts=ts64,
        rate_interval=v[:, 0],
        interval_hours=spacing_intervals_hours(ts, OKX_INTERVALS_H, interval_hours or DEFAULT_FUNDING_INTERVAL_H),
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def _rows(body: bytes, where: Where, width: int) -> tuple[np.ndarray, np.ndarray]:
    ts, vals = [], []
    for i, row in enumerate(_data(body, where)):
        if not isinstance(row, list) or len(row) < width:
            raise where.fail(f"[{i}]: expected a row of {width}+ columns, got {str(row)[:80]}")
        ts.append(to_ms(row[0], where, f"[{i}].ts"))
        vals.append([to_float(row[j], where, f"[{i}][{j}]") for j in range(1, width)])
    return columns(vals, ts, where)


def parse_long_short_ratio(body: bytes, *, asset: str, ts_recv: datetime, period_s: int) -> LongShortSeries:
    """rubik ``long-short-account-ratio-contract`` rows ``[ts, ratio]`` → accounts ``LongShortSeries``."""
    where = Where(PROVIDER, "long-short-account-ratio", ts_recv)
    ts64, v = _rows(body, where, 2)
    return LongShortSeries(
        venue=VENUE,
        asset=asset,
        kind=LongShortKind.GLOBAL_ACCOUNTS,
        interval_s=period_s,
        ts=ts64,
        ratio=v[:, 0],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_taker_volume(body: bytes, *, asset: str, ts_recv: datetime, period_s: int) -> TakerVolumeSeries:
    """rubik ``taker-volume-contract`` rows ``[ts, sellVol, buyVol]`` (SELL FIRST; coins with unit=0)."""
    where = Where(PROVIDER, "taker-volume", ts_recv)
    ts64, v = _rows(body, where, 3)
    return TakerVolumeSeries(
        venue=VENUE,
        asset=asset,
        interval_s=period_s,
        ts=ts64,
        buy_base=v[:, 1],
        sell_base=v[:, 0],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_candles(
    body: bytes, *, asset: str, ts_recv: datetime, interval_s: int, dataset: str = "candles"
) -> CandleSeries:
    """``/market/candles`` (or ``history-candles``, same rows) → ``CandleSeries``; ``volume_base`` = ``volCcy``
    (coins for swaps); no taker split."""
    where = Where(PROVIDER, dataset, ts_recv)
    ts64, v = _rows(body, where, 7)
    return ohlcv_candles(
        v, ts64, where, venue=VENUE, asset=asset, market="perp", interval_s=interval_s, ts_recv=ts_recv, volume_col=5
    )


def parse_books(body: bytes, *, asset: str, ts_recv: datetime, contract_value_base: float) -> OrderBook:
    """``/market/books`` → ``OrderBook``; sizes converted from contracts to coins (× ``contract_value_base``)."""
    where = Where(PROVIDER, "books", ts_recv)
    if not contract_value_base > 0:
        raise where.fail(f"unknown contract value for {asset}")
    book = _data(body, where)[0]
    bids = book_side(field(book, "bids", where), where, "bids", descending=True)
    asks = book_side(field(book, "asks", where), where, "asks", descending=False)
    bids[:, 1] *= contract_value_base
    asks[:, 1] *= contract_value_base
    as_of = to_dt(field(book, "ts", where), where, "ts")
    return OrderBook(venue=VENUE, asset=asset, bids=bids, asks=asks, source=make_source(where, as_of, ts_recv))


def next_funding_rate(body: bytes, *, symbol: str) -> float | None:
    """``nextFundingRate`` when OKX publishes it (often ``""``), else None."""
    where = Where(PROVIDER, "funding-rate")
    row = _row_for(_data(body, where), "instId", symbol, where)
    return to_float_or_none(row.get("nextFundingRate"), where, "nextFundingRate")


def parse_instruments(body: bytes, *, ts_recv: datetime | None = None) -> tuple[Listing, ...]:
    """``/public/instruments?instType=SWAP`` → the live linear swaps settled in USDT/USDC (inverse ones skipped).

    Contract size in coins = ``ctVal × ctMult`` (``ctValCcy`` is the base asset). An answer without a single live
    linear USD swap is a bad payload."""
    where = Where(PROVIDER, "instruments", ts_recv)
    out: list[Listing] = []
    for i, row in enumerate(_data(body, where)):
        if field(row, "ctType", where) != "linear" or field(row, "state", where) != "live":
            continue
        settle = field(row, "settleCcy", where)
        if settle not in USD_SETTLE:
            continue
        asset = field(row, "ctValCcy", where)
        if not isinstance(asset, str) or not asset:
            raise where.fail(f"data[{i}].ctValCcy: expected a coin, got {asset!r}")
        ct_val = positive(to_float(field(row, "ctVal", where), where, f"data[{i}].ctVal"), where, f"data[{i}].ctVal")
        ct_mult = to_float_or_none(row.get("ctMult"), where, f"data[{i}].ctMult") or 1.0
        out.append(
            Listing(
                provider=PROVIDER,
                asset=asset.upper(),
                symbol=str(field(row, "instId", where)),
                settle=str(settle),
                contract_size_base=ct_val * ct_mult,
                tick_size=to_float_or_none(row.get("tickSz"), where, f"data[{i}].tickSz"),
            )
        )
    if not out:
        raise where.fail("no live USDT/USDC linear swap in data")
    return tuple(out)


# --- dated futures (FUTURES, instrument family {asset}-USD: coin-margined) ----------------------------------------


def _family_rows(body: bytes, where: Where, family: str) -> list[dict[str, Any]]:
    """``data`` rows, each an instrument of ``family`` (its ``instId`` is ``<family>-YYMMDD``)."""
    rows = _data(body, where)
    for i, row in enumerate(rows):
        inst = field(row, "instId", where)
        if not isinstance(inst, str) or not inst.startswith(f"{family}-"):
            raise where.fail(f"data[{i}] is {inst!r}, not an instrument of {family!r}")
    return rows


def parse_futures_instruments(body: bytes, *, family: str) -> dict[str, ListedFuture]:
    """``/public/instruments?instType=FUTURES&instFamily=…`` → ``{instId: ListedFuture}`` (``expTime`` ms;
    ``ctType`` ``inverse`` or ``linear``)."""
    where = Where(PROVIDER, "instruments_futures")
    out: dict[str, ListedFuture] = {}
    for i, row in enumerate(_family_rows(body, where, family)):
        ct_type = field(row, "ctType", where)
        if ct_type not in ("inverse", "linear"):
            raise where.fail(f"data[{i}].ctType: expected inverse or linear, got {ct_type!r}")
        expiry = to_scheduled_dt(field(row, "expTime", where), where, f"data[{i}].expTime")
        out[str(field(row, "instId", where))] = ListedFuture(expiry, Margin(ct_type))
    return out


def parse_futures_open_interest(body: bytes, *, family: str) -> dict[str, float]:
    """``/public/open-interest?instType=FUTURES&instFamily=…`` → ``{instId: oi in coins}`` (``oiCcy``,
    single-sided)."""
    where = Where(PROVIDER, "open-interest_futures")
    out = {}
    for i, row in enumerate(_family_rows(body, where, family)):
        oi = to_float(field(row, "oiCcy", where), where, f"data[{i}].oiCcy")
        if oi < 0:
            raise where.fail(f"data[{i}].oiCcy: negative open interest")
        out[str(field(row, "instId", where))] = oi
    return out


def parse_futures_marks(
    body: bytes,
    *,
    asset: str,
    instruments: Mapping[str, ListedFuture],
    oi_base: dict[str, float] | None,
    ts_recv: datetime,
) -> tuple[DatedFuture, ...]:
    """``/public/mark-price?instType=FUTURES&instFamily=…`` → ``DatedFuture`` per listed instrument.

    ``markPx`` in USD (the family's quote); OKX publishes no index with it (None: the curve uses the reference
    price). Expiry and margin from ``instruments``; a mark for an unlisted instrument is a bad payload.
    """
    where = Where(PROVIDER, "mark-price_futures", ts_recv)
    out = []
    for i, row in enumerate(_data(body, where)):
        inst = str(field(row, "instId", where))
        if inst not in instruments:
            raise where.fail(f"data[{i}]: {inst!r} is not among the listed futures")
        listed = instruments[inst]
        mark = positive(to_float(field(row, "markPx", where), where, f"data[{i}].markPx"), where, "markPx")
        out.append(
            DatedFuture(
                venue=VENUE,
                asset=asset,
                venue_symbol=inst,
                expiry=listed.expiry,
                mark_price_usd=mark,
                index_price_usd=None,
                oi_base=None if oi_base is None else oi_base.get(inst),
                margin=listed.margin,
                source=make_source(where, to_dt(field(row, "ts", where), where, f"data[{i}].ts"), ts_recv),
            )
        )
    return tuple(out)


# -- derivintel scan: bulk (all-instruments) answers -----------------------------------------------------------------

SWAP_SUFFIX = f"-{SCAN_QUOTE}-SWAP"


def _by_inst(body: bytes, dataset: str, read: Any) -> dict[str, Any]:
    """``{instId: read(row)}`` over the ``data`` rows of a bulk answer, unreadable rows skipped (``rows_tolerant``)."""
    where = Where(PROVIDER, dataset)

    def row(r: Any) -> tuple[str, Any] | None:
        inst = str(field(r, "instId", where))
        return (inst, read(r, where, inst)) if inst.endswith(SWAP_SUFFIX) or dataset == "index-tickers_all" else None

    rows, _gap = rows_tolerant(_data(body, where), row, where)
    return dict(rows)


def parse_tickers_all(body: bytes) -> dict[str, DayStats]:
    """``/market/tickers?instType=SWAP`` → ``{instId: DayStats}``: 24h change fraction ``last/open24h − 1``, volume
    USD; swaps' ``volCcy24h`` is in base coin, so volume USD = ``volCcy24h × last``."""

    def read(r: Any, where: Where, inst: str) -> DayStats:
        last = positive(to_float(field(r, "last", where), where, f"{inst}.last"), where, f"{inst}.last")
        open24 = to_float_or_none(r.get("open24h"), where, f"{inst}.open24h")
        change = last / open24 - 1.0 if open24 else None
        return DayStats(change, to_float(field(r, "volCcy24h", where), where, f"{inst}.volCcy24h") * last)

    return _by_inst(body, "tickers_all", read)


def parse_funding_all(body: bytes) -> dict[str, FundingReading]:
    """``/public/funding-rate?instId=ANY`` → ``{instId: FundingReading}`` (rate per interval, interval h, next
    funding time)."""

    def read(r: Any, where: Where, inst: str) -> FundingReading:
        t0 = to_ms(field(r, "fundingTime", where), where, f"{inst}.fundingTime")
        t1 = to_ms(field(r, "nextFundingTime", where), where, f"{inst}.nextFundingTime")
        if t1 <= t0:
            raise where.fail(f"{inst}: nextFundingTime {t1} not after fundingTime {t0}")
        rate = to_float(field(r, "fundingRate", where), where, f"{inst}.fundingRate")
        return FundingReading(rate, round((t1 - t0) / 3_600_000, 6), to_dt(t0, where, f"{inst}.fundingTime"))

    return _by_inst(body, "funding-rate_all", read)


def parse_open_interest_all(body: bytes) -> dict[str, float]:
    """``/public/open-interest?instType=SWAP`` → ``{instId: single-sided OI in coins (oiCcy)}``."""

    def read(r: Any, where: Where, inst: str) -> float:
        oi = to_float(field(r, "oiCcy", where), where, f"{inst}.oiCcy")
        if oi < 0:
            raise where.fail(f"{inst}: negative open interest {oi}")
        return oi

    return _by_inst(body, "open-interest_all", read)


def parse_index_all(body: bytes) -> dict[str, float]:
    """``/market/index-tickers?quoteCcy=USDT`` → ``{index instId (BTC-USDT): index price}``."""

    def read(r: Any, where: Where, inst: str) -> float:
        return positive(to_float(field(r, "idxPx", where), where, f"{inst}.idxPx"), where, f"{inst}.idxPx")

    return _by_inst(body, "index-tickers_all", read)


def parse_scan(bodies: Mapping[str, bytes], ts_recv: datetime) -> BulkParsed:
    """Bulk mark prices (the rows) + tickers, funding, OI and index answers → one ``PerpTicker`` per
    ``-USDT-SWAP``. Each enrichment that fails empties its columns (with a gap), never the rows."""
    where = Where(PROVIDER, "mark-price_all", ts_recv)
    gaps: list[Gap] = []
    stats = optional_part(bodies, PROVIDER, "tickers_all", parse_tickers_all, gaps) or {}
    funding = optional_part(bodies, PROVIDER, "funding-rate_all", parse_funding_all, gaps)
    oi = optional_part(bodies, PROVIDER, "open-interest_all", parse_open_interest_all, gaps)
    index = optional_part(bodies, PROVIDER, "index-tickers_all", parse_index_all, gaps) or {}

    def row(r: Any) -> PerpTicker | None:
        inst = str(field(r, "instId", where))
        base = base_of(inst, suffix=SWAP_SUFFIX)
        if base is None:
            return None
        mark = positive(to_float(field(r, "markPx", where), where, f"{inst}.markPx"), where, f"{inst}.markPx")
        now = (funding or {}).get(inst)
        day = stats.get(inst)
        return PerpTicker(
            venue=VENUE,
            asset=base,
            venue_symbol=inst,
            mark_price_usd=mark,
            index_price_usd=index.get(f"{base}-{SCAN_QUOTE}"),
            funding_rate_interval=None if now is None else now.rate_interval,
            funding_interval_hours=DEFAULT_FUNDING_INTERVAL_H if now is None else now.interval_hours,
            funding_kind=FundingKind.PREDICTED,
            next_funding_time=None if now is None else now.next_funding_time,
            oi_base=None if oi is None else oi.get(inst),
            volume_24h_usd=None if day is None else day.volume_24h_usd,
            source=make_source(where, to_dt(field(r, "ts", where), where, f"{inst}.ts"), ts_recv),
            price_change_24h_frac=None if day is None else day.price_change_24h_frac,
            oi_source=None if oi is None else "okx/open-interest_all",
        )

    tickers, bad = rows_tolerant(_data(bodies["mark-price_all"], where), row, where)
    return BulkParsed(tuple(tickers), tuple(gaps) + ((bad,) if bad else ()))
