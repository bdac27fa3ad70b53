"""Pure parsers: Hyperliquid info responses to domain types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.scan import PerpTicker
from derivintel.domain.series import CandleSeries, FundingSeries
from derivintel.domain.universe import Listing, split_bundle
from derivintel.domain.venue import VenueId
from derivintel.sources.bulk import BulkParsed, rows_tolerant
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
)

PROVIDER = "hyperliquid"
VENUE = VenueId("hyperliquid")
FUNDING_INTERVAL_H = 1.0
HISTORICAL_INTERVALS_H = (1.0, 8.0)  # 8h settlements until 2023-06-08, hourly since
# Venue names used by predictedFundings, and the interval assumed when a row does not state it.
PREDICTED_VENUES: dict[str, tuple[VenueId, float]] = {
    "HlPerp": (VENUE, 1.0),
    "BinPerp": (VenueId("binance"), 8.0),
    "BybitPerp": (VenueId("bybit"), 8.0),
}


def parse_meta_and_asset_ctxs(body: bytes, *, asset: str, ts_recv: datetime) -> PerpMetrics:
    """``metaAndAssetCtxs`` → ``PerpMetrics`` for ``asset`` (ctx aligned by index with ``meta.universe``).

    ``funding`` is the current hourly rate; ``openInterest`` coins; ``oraclePx`` is taken as the index;
    ``dayNtlVlm`` 24h notional USD. The payload has no timestamp, so ``as_of`` = ``ts_recv``.
    """
    where = Where(PROVIDER, "metaAndAssetCtxs", ts_recv)
    pair = as_list(load_json(body, where), where, "response")
    if len(pair) != 2:
        raise where.fail(f"expected [meta, ctxs], got an array of {len(pair)}")
    universe = as_list(field(pair[0], "universe", where), where, "meta.universe")
    ctxs = as_list(pair[1], where, "ctxs")
    if len(universe) != len(ctxs):
        raise where.fail(f"meta.universe has {len(universe)} assets but ctxs has {len(ctxs)}")
    names = [field(u, "name", where) for u in universe]
    if asset not in names:
        raise where.fail(f"{asset} not in meta.universe")
    i = names.index(asset)
    ctx = ctxs[i]
    return PerpMetrics(
        venue=VENUE,
        asset=asset,
        venue_symbol=asset,
        mark_price_usd=positive(to_float(field(ctx, "markPx", where), where, "markPx"), where, "markPx"),
        index_price_usd=positive(to_float(field(ctx, "oraclePx", where), where, "oraclePx"), where, "oraclePx"),
        funding_rate_interval=to_float(field(ctx, "funding", where), where, "funding"),
        funding_interval_hours=FUNDING_INTERVAL_H,
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=None,
        oi_base=to_float(field(ctx, "openInterest", where), where, "openInterest"),
        volume_24h_usd=to_float(field(ctx, "dayNtlVlm", where), where, "dayNtlVlm"),
        source=make_source(where, ts_recv, ts_recv),
    )


def max_leverage(body: bytes, *, asset: str) -> float:
    """``meta.universe[asset].maxLeverage`` from a ``meta`` or ``metaAndAssetCtxs`` body."""
    where = Where(PROVIDER, "meta")
    obj = load_json(body, where)
    meta = obj[0] if isinstance(obj, list) and obj else obj
    for u in as_list(field(meta, "universe", where), where, "universe"):
        if field(u, "name", where) == asset:
            return positive(to_float(field(u, "maxLeverage", where), where, "maxLeverage"), where, "maxLeverage")
    raise where.fail(f"{asset} not in meta.universe")


def parse_funding_history(body: bytes, *, asset: str, ts_recv: datetime) -> FundingSeries:
    """``fundingHistory`` → settled ``FundingSeries``.

    The interval per row is read from the spacing of ``time`` (1h today; 8h until June 2023), 1h for one row.
    """
    where = Where(PROVIDER, "fundingHistory", ts_recv)
    rows = non_empty(load_json(body, where), where, "fundingHistory")
    ts, vals = [], []
    for i, row in enumerate(rows):
        if field(row, "coin", where) != asset:
            raise where.fail(f"[{i}] is for {row.get('coin')!r}, expected {asset!r}")
        ts.append(to_ms(field(row, "time", where), where, f"[{i}].time"))
        vals.append(to_float(field(row, "fundingRate", where), where, f"[{i}].fundingRate"))
    ts64, v = columns(vals, ts, where)
    return FundingSeries(
        venue=VENUE,
        asset=asset,
        ts=ts64,
        rate_interval=v[:, 0],
        interval_hours=spacing_intervals_hours(ts, HISTORICAL_INTERVALS_H, FUNDING_INTERVAL_H),
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


@dataclass(frozen=True, slots=True)
class PredictedFunding:
    """One venue's predicted funding for ``asset``: ``rate_interval`` fraction per ``interval_hours``."""

    venue: VenueId
    asset: str
    rate_interval: float
    interval_hours: float
    next_funding_time: datetime

    @property
    def rate_1h(self) -> float:
        return self.rate_interval / self.interval_hours


def parse_predicted_fundings(body: bytes, *, asset: str, ts_recv: datetime) -> tuple[PredictedFunding, ...]:
    """``predictedFundings`` → the predicted rates for ``asset`` on Hyperliquid, Binance and Bybit.

    Venues with a ``null`` entry (asset not listed there) are skipped; unknown venue names too.
    """
    where = Where(PROVIDER, "predictedFundings", ts_recv)
    out: list[PredictedFunding] = []
    for entry in as_list(load_json(body, where), where, "response"):
        if not isinstance(entry, list) or len(entry) != 2:
            raise where.fail(f"expected [coin, venues], got {str(entry)[:80]}")
        if entry[0] != asset:
            continue
        for venue_entry in as_list(entry[1], where, f"{asset} venues"):
            if not isinstance(venue_entry, list) or len(venue_entry) != 2:
                raise where.fail(f"expected [venue, info], got {str(venue_entry)[:80]}")
            name, info = venue_entry
            if info is None or name not in PREDICTED_VENUES:
                continue
            venue, default_h = PREDICTED_VENUES[name]
            hours = to_float_or_none(info.get("fundingIntervalHours"), where, "fundingIntervalHours") or default_h
            out.append(
                PredictedFunding(
                    venue=venue,
                    asset=asset,
                    rate_interval=to_float(field(info, "fundingRate", where), where, f"{name}.fundingRate"),
                    interval_hours=positive(hours, where, "fundingIntervalHours"),
                    next_funding_time=to_dt(field(info, "nextFundingTime", where), where, "nextFundingTime"),
                )
            )
        return tuple(out)
    raise where.fail(f"{asset} not in predictedFundings")


def parse_l2_book(body: bytes, *, asset: str, ts_recv: datetime) -> OrderBook:
    """``l2Book`` → ``OrderBook`` (``levels = [bids, asks]`` of ``{px, sz, n}``; sz in coins)."""
    where = Where(PROVIDER, "l2Book", ts_recv)
    obj = load_json(body, where)
    if field(obj, "coin", where) != asset:
        raise where.fail(f"book is for {obj.get('coin')!r}, expected {asset!r}")
    levels = as_list(field(obj, "levels", where), where, "levels")
    if len(levels) != 2:
        raise where.fail(f"levels: expected [bids, asks], got {len(levels)} sides")
    sides = []
    for side_name, side, descending in (("bids", levels[0], True), ("asks", levels[1], False)):
        rows = as_list(side, where, side_name)
        pairs = [[field(lv, "px", where), field(lv, "sz", where)] for lv in rows]
        sides.append(book_side(pairs, where, side_name, descending=descending))
    as_of = to_dt(obj["time"], where, "time") if "time" in obj else ts_recv
    return OrderBook(venue=VENUE, asset=asset, bids=sides[0], asks=sides[1], source=make_source(where, as_of, ts_recv))


def parse_candle_snapshot(body: bytes, *, asset: str, ts_recv: datetime, interval_s: int) -> CandleSeries:
    """``candleSnapshot`` → ``CandleSeries`` (``t`` open ms, ``v`` volume in coins; no taker split)."""
    where = Where(PROVIDER, "candleSnapshot", ts_recv)
    rows = non_empty(load_json(body, where), where, "candleSnapshot")
    ts, vals = [], []
    for i, row in enumerate(rows):
        if field(row, "s", where) != asset:
            raise where.fail(f"[{i}] is for {row.get('s')!r}, expected {asset!r}")
        ts.append(to_ms(field(row, "t", where), where, f"[{i}].t"))
        vals.append([to_float(field(row, k, where), where, f"[{i}].{k}") for k in ("o", "h", "l", "c", "v")])
    ts64, v = columns(vals, ts, where)
    return ohlcv_candles(
        v, ts64, where, venue=VENUE, asset=asset, market="perp", interval_s=interval_s, ts_recv=ts_recv
    )


def parse_meta(body: bytes, *, ts_recv: datetime | None = None) -> tuple[Listing, ...]:
    """``meta`` → the listed perps (delisted ones skipped): settled in USDC, funding every hour, sizes in coins.

    ``kPEPE`` is asset PEPE with a unit multiplier of 1000. An empty universe is a bad payload."""
    where = Where(PROVIDER, "meta", ts_recv)
    rows = non_empty(field(load_json(body, where), "universe", where), where, "universe")
    out: list[Listing] = []
    for i, row in enumerate(rows):
        name = field(row, "name", where)
        if not isinstance(name, str) or not name:
            raise where.fail(f"universe[{i}].name: expected a coin, got {name!r}")
        if row.get("isDelisted") is True or ":" in name:  # ``dex:COIN`` names belong to builder-deployed dexes
            continue
        to_float(field(row, "szDecimals", where), where, f"universe[{i}].szDecimals")  # size precision: a row check
        asset, multiplier = split_bundle(name)
        out.append(
            Listing(
                provider=PROVIDER,
                asset=asset,
                symbol=name,
                settle="USDC",
                unit_multiplier=multiplier,
                funding_interval_hours=FUNDING_INTERVAL_H,
            )
        )
    if not out:
        raise where.fail("no listed perp in universe")
    return tuple(out)


# -- derivintel scan: the all-perps answer ---------------------------------------------------------------------------


def parse_scan(bodies: Mapping[str, bytes], ts_recv: datetime) -> BulkParsed:
    """``metaAndAssetCtxs`` → one ``PerpTicker`` per listed perp (``isDelisted`` ones left out): funding the hourly
    rate, OI coins, index = ``oraclePx``, 24h change ``markPx / prevDayPx − 1``, volume ``dayNtlVlm`` USD. Perps are
    USDC-settled and USD-quoted. No timestamp in the payload: ``as_of`` = ``ts_recv``."""
    where = Where(PROVIDER, "metaAndAssetCtxs", ts_recv)
    pair = as_list(load_json(bodies["metaAndAssetCtxs"], where), where, "response")
    if len(pair) != 2:
        raise where.fail(f"expected [meta, ctxs], got an array of {len(pair)}")
    universe = as_list(field(pair[0], "universe", where), where, "meta.universe")
    ctxs = as_list(pair[1], where, "ctxs")
    if len(universe) != len(ctxs):
        raise where.fail(f"meta.universe has {len(universe)} assets but ctxs has {len(ctxs)}")
    source = make_source(where, ts_recv, ts_recv)

    def row(pair_row: tuple[Any, Any]) -> PerpTicker | None:
        meta, ctx = pair_row
        name = str(field(meta, "name", where))
        if isinstance(meta, dict) and meta.get("isDelisted"):
            return None
        what = f"{name}."
        mark = positive(to_float(field(ctx, "markPx", where), where, what + "markPx"), where, what + "markPx")
        prev = to_float_or_none(ctx.get("prevDayPx") if isinstance(ctx, dict) else None, where, what + "prevDayPx")
        return PerpTicker(
            venue=VENUE,
            asset=name,
            venue_symbol=name,
            mark_price_usd=mark,
            index_price_usd=positive(to_float(field(ctx, "oraclePx", where), where, what + "oraclePx"), where, name),
            funding_rate_interval=to_float(field(ctx, "funding", where), where, what + "funding"),
            funding_interval_hours=FUNDING_INTERVAL_H,
            funding_kind=FundingKind.PREDICTED,
            next_funding_time=None,
            oi_base=to_float(field(ctx, "openInterest", where), where, what + "openInterest"),
            volume_24h_usd=to_float(field(ctx, "dayNtlVlm", where), where, what + "dayNtlVlm"),
            source=source,
            price_change_24h_frac=mark / prev - 1.0 if prev else None,
        )

    tickers, bad = rows_tolerant(zip(universe, ctxs, strict=True), row, where)
    return BulkParsed(tuple(tickers), (bad,) if bad else ())
