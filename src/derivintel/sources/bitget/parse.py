"""Pure parsers: Bitget v2 mix response bodies to domain types.

Open interest is ``holdingAmount`` (tickers) / ``size`` (open-interest) in base coins, read as SINGLE-SIDED: the
documentation calls it "the total positions of a certain trading pair on the platform", and the doctor check
compares it with the other venues (``checks.py``). Funding is per ``fundingRateInterval`` hours from
``/current-fund-rate``; without it the rate is left out rather than assumed per 8h.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.series import CandleSeries, FundingSeries, LongShortKind, LongShortSeries
from derivintel.domain.venue import VenueId
from derivintel.sources.bulk import BulkParsed, as_tickers
from derivintel.sources.envelope import CodeMsgEnvelope, code_is_zeros
from derivintel.sources.payload import (
    Where,
    book_side,
    columns,
    field,
    last_ts,
    make_source,
    non_empty,
    ohlcv_candles,
    positive,
    spacing_intervals_hours,
    to_dt,
    to_float,
    to_float_or_none,
    to_ms,
)
from derivintel.sources.readings import OpenInterestReading

PROVIDER = "bitget"
VENUE = VenueId("bitget")
DEFAULT_FUNDING_INTERVAL_H = 8.0
BITGET_INTERVALS_H = (1.0, 2.0, 4.0, 8.0)
QUOTE_SUFFIX = "USDT"


def _data(body: bytes, where: Where) -> Any:
    """The envelope checked (``code`` must be ``"00000"``, ``CodeMsgEnvelope``) and its ``data``."""
    return CodeMsgEnvelope.decode(body, where, ok=code_is_zeros).data


def _rows(body: bytes, where: Where) -> list[Any]:
    return non_empty(_data(body, where), where, "data")


def _row_for(rows: list[Any], symbol: str, where: Where) -> dict[str, Any]:
    for row in rows:
        if isinstance(row, dict) and row.get("symbol") == symbol:
            return row
    raise where.fail(f"symbol {symbol!r} not in data")


@dataclass(frozen=True, slots=True)
class CurrentFunding:
    """``/current-fund-rate`` for one symbol: the running rate, its interval (hours) and the next settlement."""

    rate_interval: float
    interval_hours: float
    next_funding_ms: int | None


def _interval_hours(row: Mapping[str, Any], where: Where, what: str) -> float:
    hours = to_float(field(row, "fundingRateInterval", where), where, f"{what}fundingRateInterval")
    if hours not in BITGET_INTERVALS_H:
        raise where.fail(f"{what}fundingRateInterval {hours:g} h is not a Bitget interval (1, 2, 4 or 8 h)")
    return hours


def _current(row: Mapping[str, Any], where: Where, what: str = "") -> CurrentFunding:
    nxt = to_float_or_none(row.get("nextUpdate"), where, f"{what}nextUpdate")
    return CurrentFunding(
        rate_interval=to_float(field(row, "fundingRate", where), where, f"{what}fundingRate"),
        interval_hours=_interval_hours(row, where, what),
        next_funding_ms=to_ms(nxt, where, f"{what}nextUpdate") if nxt else None,
    )


def parse_current_fund_rate(body: bytes, *, symbol: str, ts_recv: datetime) -> CurrentFunding:
    """``/current-fund-rate?symbol=…`` → ``CurrentFunding`` of ``symbol``."""
    where = Where(PROVIDER, "current-fund-rate", ts_recv)
    return _current(_row_for(_rows(body, where), symbol, where), where)


def parse_current_fund_rates(body: bytes, *, ts_recv: datetime) -> dict[str, CurrentFunding]:
    """``/current-fund-rate`` without a symbol (every USDT-FUTURES perp) → symbol → ``CurrentFunding``."""
    where = Where(PROVIDER, "current-fund-rates", ts_recv)
    out: dict[str, CurrentFunding] = {}
    for i, row in enumerate(_rows(body, where)):
        out[str(field(row, "symbol", where))] = _current(row, where, f"[{i}].")
    return out


def _perp(
    row: Mapping[str, Any], where: Where, *, asset: str, ts_recv: datetime, funding: CurrentFunding | None, what: str
) -> PerpMetrics:
    symbol = str(field(row, "symbol", where))
    oi = to_float(field(row, "holdingAmount", where), where, f"{what}holdingAmount")
    if oi < 0:
        raise where.fail(f"{what}holdingAmount negative: {oi}")
    nxt = None if funding is None or funding.next_funding_ms is None else funding.next_funding_ms
    return PerpMetrics(
        venue=VENUE,
        asset=asset,
        venue_symbol=symbol,
        mark_price_usd=positive(
            to_float(field(row, "markPrice", where), where, f"{what}markPrice"), where, "markPrice"
        ),
        index_price_usd=positive(
            to_float(field(row, "indexPrice", where), where, f"{what}indexPrice"), where, "indexPrice"
        ),
        funding_rate_interval=None if funding is None else funding.rate_interval,
        funding_interval_hours=DEFAULT_FUNDING_INTERVAL_H if funding is None else funding.interval_hours,
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=None if nxt is None else to_dt(nxt, where, f"{what}nextUpdate"),
        oi_base=oi,
        volume_24h_usd=to_float(field(row, "quoteVolume", where), where, f"{what}quoteVolume"),
        source=make_source(where, to_dt(field(row, "ts", where), where, f"{what}ts"), ts_recv),
    )


def parse_ticker(
    body: bytes, *, asset: str, symbol: str, ts_recv: datetime, funding: CurrentFunding | None
) -> PerpMetrics:
    """``/ticker`` (+ ``/current-fund-rate``) → ``PerpMetrics``. The rate and interval come from ``funding`` (the
    current-fund-rate row); None leaves the rate out (8h is then only a placeholder interval)."""
    where = Where(PROVIDER, "ticker", ts_recv)
    row = _row_for(_rows(body, where), symbol, where)
    return _perp(row, where, asset=asset, ts_recv=ts_recv, funding=funding, what="")


def base_asset(symbol: str) -> str | None:
    """Base coin of a USDT-FUTURES symbol (``BTCUSDT`` → ``BTC``), None for other quotes or dated contracts."""
    if not symbol.endswith(QUOTE_SUFFIX) or len(symbol) <= len(QUOTE_SUFFIX):
        return None
    return symbol[: -len(QUOTE_SUFFIX)]


def parse_bulk_tickers(
    body: bytes, *, ts_recv: datetime, funding: Mapping[str, CurrentFunding] | None = None
) -> tuple[PerpMetrics, ...]:
    """``/tickers?productType=USDT-FUTURES`` (every perp at once) → one ``PerpMetrics`` per ``…USDT`` symbol.

    ``funding`` (``parse_current_fund_rates``) gives each symbol's rate and interval; a symbol it lacks keeps its
    rate out (None). Rows of other quotes are skipped; a malformed row is a bad payload (the whole answer)."""
    where = Where(PROVIDER, "tickers", ts_recv)
    out = []
    for i, row in enumerate(_rows(body, where)):
        asset = base_asset(str(field(row, "symbol", where)))
        if asset is None:
            continue
        current = (funding or {}).get(row["symbol"])
        out.append(_perp(row, where, asset=asset, ts_recv=ts_recv, funding=current, what=f"[{i}]."))
    if not out:
        raise where.fail("no USDT perpetual in data")
    return tuple(out)


def parse_open_interest(body: bytes, *, symbol: str, ts_recv: datetime) -> OpenInterestReading:
    """``/open-interest`` → ``size`` (single-sided OI in base coins) and its event time."""
    where = Where(PROVIDER, "open-interest", ts_recv)
    data = _data(body, where)
    rows = non_empty(field(data, "openInterestList", where), where, "data.openInterestList")
    row = _row_for(rows, symbol, where)
    size = to_float(field(row, "size", where), where, "size")
    if size < 0:
        raise where.fail(f"size negative: {size}")
    return OpenInterestReading(size, to_dt(field(data, "ts", where), where, "ts"))


def parse_history_fund_rate(
    body: bytes, *, asset: str, symbol: str, ts_recv: datetime, interval_hours: float | None
) -> FundingSeries:
    """``/history-fund-rate`` → settled ``FundingSeries``; each row's interval from the spacing of settlements,
    ``interval_hours`` (today's, from current-fund-rate) where the spacing cannot tell, else 8h."""
    where = Where(PROVIDER, "history-fund-rate", ts_recv)
    ts, vals = [], []
    for i, row in enumerate(_rows(body, where)):
        if field(row, "symbol", where) != symbol:
            raise where.fail(f"[{i}] is for {row.get('symbol')!r}, expected {symbol!r}")
        ts.append(to_ms(field(row, "fundingTime", where), where, f"[{i}].fundingTime"))
        vals.append(to_float(field(row, "fundingRate", where), where, f"[{i}].fundingRate"))
    ts64, v = columns(vals, ts, where)
    return FundingSeries(
        venue=VENUE,
        asset=asset,
        ts=ts64,
        rate_interval=v[:, 0],
        interval_hours=spacing_intervals_hours(ts, BITGET_INTERVALS_H, interval_hours or DEFAULT_FUNDING_INTERVAL_H),
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_candles(body: bytes, *, asset: str, ts_recv: datetime, interval_s: int) -> CandleSeries:
    """``/candles`` rows ``[ts, o, h, l, c, base volume, quote volume]`` → ``CandleSeries`` (volume in coins; no
    taker split published)."""
    where = Where(PROVIDER, "candles", ts_recv)
    ts, vals = [], []
    for i, row in enumerate(_rows(body, where)):
        if not isinstance(row, list) or len(row) < 6:
            raise where.fail(f"[{i}]: expected [ts, o, h, l, c, baseVolume, quoteVolume], got {str(row)[:80]}")
        ts.append(to_ms(row[0], where, f"[{i}].ts"))
        vals.append([to_float(row[j], where, f"[{i}][{j}]") for j in range(1, 6)])
    ts64, v = columns(vals, ts, where)
    return ohlcv_candles(
        v, ts64, where, venue=VENUE, asset=asset, market="perp", interval_s=interval_s, ts_recv=ts_recv
    )


def parse_merge_depth(body: bytes, *, asset: str, ts_recv: datetime) -> OrderBook:
    """``/merge-depth`` → ``OrderBook`` (``[price USDT, size coin]``). The payload names no symbol: the request's
    symbol is trusted."""
    where = Where(PROVIDER, "merge-depth", ts_recv)
    data = _data(body, where)
    bids = book_side(field(data, "bids", where), where, "bids", descending=True)
    asks = book_side(field(data, "asks", where), where, "asks", descending=False)
    as_of = to_dt(field(data, "ts", where), where, "ts")
    return OrderBook(venue=VENUE, asset=asset, bids=bids, asks=asks, source=make_source(where, as_of, ts_recv))


def parse_account_long_short(body: bytes, *, asset: str, ts_recv: datetime, period_s: int) -> LongShortSeries:
    """``/account-long-short`` → accounts ``LongShortSeries``; ratio = ``longShortAccountRatio`` (long accounts /
    short accounts, as published)."""
    where = Where(PROVIDER, "account-long-short", ts_recv)
    ts, vals = [], []
    for i, row in enumerate(_rows(body, where)):
        ts.append(to_ms(field(row, "ts", where), where, f"[{i}].ts"))
        ratio = to_float(field(row, "longShortAccountRatio", where), where, f"[{i}].longShortAccountRatio")
        vals.append(positive(ratio, where, f"[{i}].longShortAccountRatio"))
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


def parse_bulk(bodies: Mapping[str, bytes], *, ts_recv: datetime) -> tuple[PerpMetrics, ...]:
    """Every USDT perp from the bulk datasets by name (``BULK_ENDPOINTS``): ``tickers`` (required) and
    ``current-fund-rates`` (optional: without it every rate is left out, never assumed per 8h)."""
    rates = bodies.get("current-fund-rates")
    funding = None if rates is None else parse_current_fund_rates(rates, ts_recv=ts_recv)
    return parse_bulk_tickers(bodies["tickers"], ts_recv=ts_recv, funding=funding)


def parse_scan(bodies: Mapping[str, bytes], ts_recv: datetime) -> BulkParsed:
    """``derivintel scan``: the bulk datasets (``parse_bulk``) as scan rows; without ``current-fund-rates`` the rows
    lack their funding rates and a gap says so (never assumed). A malformed ``tickers`` row makes the whole answer
    bad (the report's strict parser)."""
    gaps = ()
    if "current-fund-rates" not in bodies:
        gaps = (
            Gap(
                PROVIDER,
                "current-fund-rates",
                GapKind.UNAVAILABLE,
                "no answer: funding rates left out of the scan rows",
            ),
        )
    return BulkParsed(as_tickers(parse_bulk(bodies, ts_recv=ts_recv)), gaps)
