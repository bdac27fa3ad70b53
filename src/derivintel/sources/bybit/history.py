"""Bybit linear-perp paged history (backfill): windows, bounds and page parsers, as data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derivintel.sources.bybit import endpoints as bybit_ep
from derivintel.sources.bybit import parse as bybit
from derivintel.sources.declarations import HOUR_MS, Paging

NAME = bybit_ep.PROVIDER.name


def _kline(asset: str, _interval_h: float | None) -> Callable[[Any], Any]:
    return lambda r: bybit.parse_kline(r.body, asset=asset, ts_recv=r.ts_received, interval_s=3600)


def _funding(asset: str, _interval_h: float | None) -> Callable[[Any], Any]:
    symbol = bybit_ep.PROVIDER.symbol(asset)
    return lambda r: bybit.parse_funding_history(
        r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, interval_hours=bybit.DEFAULT_FUNDING_INTERVAL_H
    )


_H = bybit.BYBIT_INTERVALS_H
PAGINGS: tuple[Paging, ...] = (
    Paging(NAME, "kline", 1000, HOUR_MS, "start", "end", parser=_kline, intervals_h=_H),
    Paging(
        NAME,
        "funding-history",
        200,
        HOUR_MS,
        "startTime",
        "endTime",
        parser=_funding,
        intervals_h=_H,
    ),
)
