"""Pure parsers: Gate API v4 futures bodies to domain types (contracts converted to coins).

Every contract quantity (``position_size``, candle ``v``, book ``s``, ``contract_stats.open_interest``) is in
contracts of ``quanto_multiplier`` coins. ``position_size`` is the total LONG position, i.e. single-sided OI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortKind,
    LongShortSeries,
    OpenInterestSeries,
)
from derivintel.domain.venue import VenueId
from derivintel.sources.bulk import BulkParsed, as_tickers
from derivintel.sources.payload import (
    Where,
    as_list,
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
    to_ms,
)

PROVIDER = "gate"
VENUE = VenueId("gate")
DEFAULT_FUNDING_INTERVAL_H = 8.0
GATE_INTERVALS_H = (1.0, 2.0, 4.0, 8.0)
QUOTE_SUFFIX = "_USDT"


def _load(body: bytes, where: Where) -> Any:
    """Decode; Gate's error object ``{"label", "message"}`` is a bad payload naming the label."""
    obj = load_json(body, where)
    if isinstance(obj, dict) and "label" in obj and "message" in obj:
        raise where.fail(f"label {obj['label']}: {obj['message']}")
    return obj


def _rows(body: bytes, where: Where) -> list[Any]:
    return non_empty(_load(body, where), where, "body")


@dataclass(frozen=True, slots=True)
class Contract:
    """The contract facts the other datasets need: coins per contract and the funding interval (hours)."""

    multiplier_base: float
    interval_hours: float


def _contract_facts(row: Mapping[str, Any], where: Where, what: str = "") -> Contract:
    mult = positive(
        to_float(field(row, "quanto_multiplier", where), where, f"{what}quanto_multiplier"),
        where,
        f"{what}quanto_multiplier",
    )
    seconds = to_float(field(row, "funding_interval", where), where, f"{what}funding_interval")
    hours = seconds / 3600.0
    if hours not in GATE_INTERVALS_H:
        raise where.fail(f"{what}funding_interval {seconds:g} s is not a Gate interval (1, 2, 4 or 8 h)")
    return Contract(multiplier_base=mult, interval_hours=hours)


def _perp(
    row: Mapping[str, Any],
    where: Where,
    *,
    asset: str,
    ts_recv: datetime,
    volume_24h_usd: float | None,
    what: str = "",
) -> PerpMetrics:
    facts = _contract_facts(row, where, what)
    long_contracts = to_float(field(row, "position_size", where), where, f"{what}position_size")
    if long_contracts < 0:
        raise where.fail(f"{what}position_size negative: {long_contracts}")
    nxt = to_float(field(row, "funding_next_apply", where), where, f"{what}funding_next_apply")
    return PerpMetrics(
        venue=VENUE,
        asset=asset,
        venue_symbol=str(field(row, "name", where)),
        mark_price_usd=positive(
            to_float(field(row, "mark_price", where), where, f"{what}mark_price"), where, "mark_price"
        ),
        index_price_usd=positive(
            to_float(field(row, "index_price", where), where, f"{what}index_price"), where, "index_price"
        ),
        funding_rate_interval=to_float(field(row, "funding_rate", where), where, f"{what}funding_rate"),
        funding_interval_hours=facts.interval_hours,
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=to_dt(nxt, where, f"{what}funding_next_apply") if nxt > 0 else None,
        oi_base=long_contracts * facts.multiplier_base,
        volume_24h_usd=volume_24h_usd,
        # The contract object carries no observation time: stamped when received.
        source=make_source(where, ts_recv, ts_recv),
    )


def parse_contract(
    body: bytes, *, asset: str, symbol: str, ts_recv: datetime, volume_24h_usd: float | None = None
) -> tuple[PerpMetrics, Contract]:
    """``/contracts/{contract}`` → ``(PerpMetrics, Contract)``; OI = ``position_size`` × ``quanto_multiplier``
    coins (long side: single-sided); funding per ``funding_interval`` / 3600 hours. ``volume_24h_usd`` comes from
    the tickers dataset (None when it failed)."""
    where = Where(PROVIDER, "contract", ts_recv)
    row = _load(body, where)
    if field(row, "name", where) != symbol:
        raise where.fail(f"contract is {row.get('name')!r}, expected {symbol!r}")
    return (
        _perp(row, where, asset=asset, ts_recv=ts_recv, volume_24h_usd=volume_24h_usd),
        _contract_facts(row, where),
    )


def parse_ticker_volume(body: bytes, *, symbol: str, ts_recv: datetime) -> float:
    """``/tickers?contract=…`` → 24h volume in USDT (``volume_24h_quote``)."""
    where = Where(PROVIDER, "tickers", ts_recv)
    row = next((r for r in _rows(body, where) if isinstance(r, dict) and r.get("contract") == symbol), None)
    if row is None:
        raise where.fail(f"contract {symbol!r} not in body")
    return to_float(field(row, "volume_24h_quote", where), where, "volume_24h_quote")


def base_asset(contract: str) -> str | None:
    """Base coin of a USDT contract name (``BTC_USDT`` → ``BTC``), None otherwise."""
    if not contract.endswith(QUOTE_SUFFIX) or len(contract) <= len(QUOTE_SUFFIX):
        return None
    return contract[: -len(QUOTE_SUFFIX)]


def parse_bulk_volumes(body: bytes, *, ts_recv: datetime) -> dict[str, float]:
    """``/tickers`` without a contract (every USDT contract) → contract → 24h volume USDT."""
    where = Where(PROVIDER, "tickers-all", ts_recv)
    out = {}
    for i, row in enumerate(_rows(body, where)):
        out[str(field(row, "contract", where))] = to_float(
            field(row, "volume_24h_quote", where), where, f"[{i}].volume_24h_quote"
        )
    return out


def parse_bulk_contracts(
    body: bytes, *, ts_recv: datetime, volumes: Mapping[str, float] | None = None
) -> tuple[PerpMetrics, ...]:
    """``/contracts`` (every USDT contract at once) → one ``PerpMetrics`` per trading ``…_USDT`` contract.

    Contracts not trading (``status`` other than ``trading``, or pre-market without an index) are skipped;
    ``volumes`` (``parse_bulk_volumes``) fills the 24h USD volume where given."""
    where = Where(PROVIDER, "contracts", ts_recv)
    out = []
    for i, row in enumerate(_rows(body, where)):
        asset = base_asset(str(field(row, "name", where)))
        if asset is None or row.get("status", "trading") != "trading" or row.get("is_pre_market") is True:
            continue
        vol = (volumes or {}).get(row["name"])
        out.append(_perp(row, where, asset=asset, ts_recv=ts_recv, volume_24h_usd=vol, what=f"[{i}]."))
    if not out:
        raise where.fail("no trading USDT contract in body")
    return tuple(out)


def parse_funding_rate(body: bytes, *, asset: str, ts_recv: datetime, interval_hours: float | None) -> FundingSeries:
    """``/funding_rate`` rows ``{t: s, r}`` → settled ``FundingSeries``; each row's interval from the spacing of
    settlements, ``interval_hours`` (the contract's) where the spacing cannot tell, else 8h. Rows name no
    contract: the request's contract is trusted."""
    where = Where(PROVIDER, "funding-rate", ts_recv)
    ts, vals = [], []
    for i, row in enumerate(_rows(body, where)):
        ts.append(to_ms(field(row, "t", where), where, f"[{i}].t"))
        vals.append(to_float(field(row, "r", where), where, f"[{i}].r"))
    ts64, v = columns(vals, ts, where)
    return FundingSeries(
        venue=VENUE,
        asset=asset,
        ts=ts64,
        rate_interval=v[:, 0],
        interval_hours=spacing_intervals_hours(ts, GATE_INTERVALS_H, interval_hours or DEFAULT_FUNDING_INTERVAL_H),
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_candlesticks(
    body: bytes, *, asset: str, ts_recv: datetime, interval_s: int, multiplier_base: float
) -> CandleSeries:
    """``/candlesticks`` rows ``{t, o, h, l, c, v, sum}`` → ``CandleSeries``; volume = ``v`` contracts ×
    ``multiplier_base`` coins."""
    where = Where(PROVIDER, "candlesticks", ts_recv)
    if not multiplier_base > 0:
        raise where.fail(f"unknown contract size for {asset}")
    ts, vals = [], []
    for i, row in enumerate(_rows(body, where)):
        ts.append(to_ms(field(row, "t", where), where, f"[{i}].t"))
        vals.append([to_float(field(row, k, where), where, f"[{i}].{k}") for k in ("o", "h", "l", "c", "v")])
    ts64, v = columns(vals, ts, where)
    v[:, 4] *= multiplier_base
    return ohlcv_candles(
        v, ts64, where, venue=VENUE, asset=asset, market="perp", interval_s=interval_s, ts_recv=ts_recv
    )


def _side(levels: Any, where: Where, what: str, *, descending: bool, multiplier_base: float) -> np.ndarray:
    rows = as_list(levels, where, what)
    out = np.empty((len(rows), 2), dtype=np.float64)
    for i, level in enumerate(rows):
        out[i, 0] = positive(to_float(field(level, "p", where), where, f"{what}[{i}].p"), where, f"{what}[{i}].p")
        out[i, 1] = to_float(field(level, "s", where), where, f"{what}[{i}].s") * multiplier_base
    order = np.argsort(-out[:, 0] if descending else out[:, 0], kind="stable")
    out = out[order]
    if len(out) > 1 and np.any(np.diff(out[:, 0]) == 0):
        raise where.fail(f"{what}: duplicate price levels")
    return out


def parse_order_book(body: bytes, *, asset: str, ts_recv: datetime, multiplier_base: float) -> OrderBook:
    """``/order_book`` → ``OrderBook``; sizes contracts × ``multiplier_base`` coins; ``current`` (s) is the time."""
    where = Where(PROVIDER, "order-book", ts_recv)
    if not multiplier_base > 0:
        raise where.fail(f"unknown contract size for {asset}")
    book = _load(body, where)
    bids = _side(field(book, "bids", where), where, "bids", descending=True, multiplier_base=multiplier_base)
    asks = _side(field(book, "asks", where), where, "asks", descending=False, multiplier_base=multiplier_base)
    as_of = to_dt(field(book, "current", where), where, "current")
    return OrderBook(venue=VENUE, asset=asset, bids=bids, asks=asks, source=make_source(where, as_of, ts_recv))


def parse_contract_stats_oi(
    body: bytes, *, asset: str, ts_recv: datetime, period_s: int, multiplier_base: float | None
) -> OpenInterestSeries:
    """``/contract_stats`` → ``OpenInterestSeries``: coins = ``open_interest`` contracts × ``multiplier_base``
    (or ``open_interest_usd / mark_price`` when the contract size is unknown), USD = ``open_interest_usd``."""
    where = Where(PROVIDER, "contract-stats", ts_recv)
    ts, vals = [], []
    for i, row in enumerate(_rows(body, where)):
        ts.append(to_ms(field(row, "time", where), where, f"[{i}].time"))
        usd = to_float(field(row, "open_interest_usd", where), where, f"[{i}].open_interest_usd")
        if multiplier_base:
            coins = to_float(field(row, "open_interest", where), where, f"[{i}].open_interest") * multiplier_base
        else:
            mark = to_float(field(row, "mark_price", where), where, f"[{i}].mark_price")
            coins = usd / positive(mark, where, f"[{i}].mark_price")
        if coins < 0 or usd < 0:
            raise where.fail(f"[{i}]: negative open interest")
        vals.append([coins, usd])
    ts64, v = columns(vals, ts, where)
    return OpenInterestSeries(
        venue=VENUE,
        asset=asset,
        interval_s=period_s,
        ts=ts64,
        oi_base=v[:, 0],
        oi_usd=v[:, 1],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


# contract_stats long/short columns: account counts (all users) and top traders' positions.
LONG_SHORT_COLUMNS: Mapping[LongShortKind, str] = {
    LongShortKind.GLOBAL_ACCOUNTS: "lsr_account",
    LongShortKind.TOP_POSITIONS: "top_lsr_size",
}


def parse_contract_stats_long_short(
    body: bytes, *, asset: str, ts_recv: datetime, period_s: int
) -> tuple[LongShortSeries, ...]:
    """``/contract_stats`` → ``LongShortSeries`` for ``lsr_account`` (long/short accounts, all users) and
    ``top_lsr_size`` (top traders' long/short position size)."""
    where = Where(PROVIDER, "contract-stats", ts_recv)
    rows = _rows(body, where)
    out = []
    for kind, column in LONG_SHORT_COLUMNS.items():
        ts, vals = [], []
        for i, row in enumerate(rows):
            ts.append(to_ms(field(row, "time", where), where, f"[{i}].time"))
            vals.append(positive(to_float(field(row, column, where), where, f"[{i}].{column}"), where, column))
        ts64, v = columns(vals, ts, where)
        out.append(
            LongShortSeries(
                venue=VENUE,
                asset=asset,
                kind=kind,
                interval_s=period_s,
                ts=ts64,
                ratio=v[:, 0],
                source=make_source(where, last_ts(ts64, where), ts_recv),
            )
        )
    return tuple(out)


def parse_contract_facts(body: bytes, *, ts_recv: datetime) -> dict[str, Contract]:
    """``/contracts`` (every USDT contract) → contract name → ``Contract`` (coins per contract, funding interval):
    what converts any Gate size of that contract to coins. Needs only ``name``, ``quanto_multiplier`` and
    ``funding_interval``."""
    where = Where(PROVIDER, "contracts", ts_recv)
    out = {}
    for i, row in enumerate(_rows(body, where)):
        out[str(field(row, "name", where))] = _contract_facts(row, where, f"[{i}].")
    return out


def parse_bulk(bodies: Mapping[str, bytes], *, ts_recv: datetime) -> tuple[PerpMetrics, ...]:
    """Every trading USDT perp from the bulk datasets by name (``BULK_ENDPOINTS``): ``contracts`` (required) and
    ``tickers-all`` (optional: 24h volumes; without it volume is None)."""
    tickers = bodies.get("tickers-all")
    volumes = None if tickers is None else parse_bulk_volumes(tickers, ts_recv=ts_recv)
    return parse_bulk_contracts(bodies["contracts"], ts_recv=ts_recv, volumes=volumes)


def parse_scan(bodies: Mapping[str, bytes], ts_recv: datetime) -> BulkParsed:
    """``derivintel scan``: the bulk datasets (``parse_bulk``) as scan rows; without ``tickers-all`` the rows lack
    their 24h volumes and a gap says so (never assumed). A malformed ``contracts`` row makes the whole answer bad (the
    report's strict parser)."""
    gaps = ()
    if "tickers-all" not in bodies:
        gaps = (Gap(PROVIDER, "tickers-all", GapKind.UNAVAILABLE, "no answer: 24h volumes left out of the scan rows"),)
    return BulkParsed(as_tickers(parse_bulk(bodies, ts_recv=ts_recv)), gaps)
