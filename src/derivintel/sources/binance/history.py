"""Binance USD-M paged history (backfill): windows, bounds and page parsers, as data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derivintel.sources.binance import endpoints as binance_ep
from derivintel.sources.binance import parse as binance
from derivintel.sources.declarations import DAY_MS, HOUR_MS, Paging, Prerequisite

NAME = binance_ep.USDM.name


def _klines(asset: str, _interval_h: float | None) -> Callable[[Any], Any]:
    return lambda r: binance.parse_klines(
        r.body,
        provider=NAME,
        dataset="klines_1h",
        asset=asset,
        market="perp",
        interval_s=3600,
        ts_recv=r.ts_received,
    )


def _funding(asset: str, interval_h: float | None) -> Callable[[Any], Any]:
    interval = interval_h or binance.DEFAULT_FUNDING_INTERVAL_H
    symbol = binance_ep.USDM.symbol(asset)
    return lambda r: binance.parse_funding_history(
        r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, interval_hours=interval
    )


def _oi(asset: str, _interval_h: float | None) -> Callable[[Any], Any]:
    symbol = binance_ep.USDM.symbol(asset)
    return lambda r: binance.parse_open_interest_hist(
        r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, period_s=3600
    )


def _funding_interval(body: bytes, asset: str) -> float | None:
    """Funding interval (hours) of ``asset``'s perp from ``fundingInfo`` (None: not listed there, i.e. 8h)."""
    return binance.funding_interval_hours(binance.parse_funding_intervals(body), binance_ep.USDM.symbol(asset))


_FUNDING_INFO = Prerequisite("fundingInfo", _funding_interval)
_H = binance.BINANCE_INTERVALS_H

# Funding windows assume the shortest interval any venue uses (1h), so a window never exceeds the page limit.
PAGINGS: tuple[Paging, ...] = (
    Paging(NAME, "klines_1h", 1500, HOUR_MS, "startTime", "endTime", parser=_klines, intervals_h=_H),
    Paging(
        NAME, "fundingRate", 1000, HOUR_MS, "startTime", "endTime", parser=_funding, needs=_FUNDING_INFO, intervals_h=_H
    ),
    Paging(
        NAME,
        "openInterestHist",
        500,
        HOUR_MS,
        "startTime",
        "endTime",
        max_age_ms=30 * DAY_MS,
        parser=_oi,
        intervals_h=_H,
    ),
)
