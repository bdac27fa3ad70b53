"""OKX swap paged history (backfill): windows, bounds and page parsers, as data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derivintel.sources.declarations import HOUR_MS, Paging
from derivintel.sources.okx import endpoints as okx_ep
from derivintel.sources.okx import parse as okx

NAME = okx_ep.PROVIDER.name


def _candles(asset: str, _interval_h: float | None) -> Callable[[Any], Any]:
    return lambda r: okx.parse_candles(
        r.body, asset=asset, ts_recv=r.ts_received, interval_s=3600, dataset="history-candles"
    )


def _funding(asset: str, _interval_h: float | None) -> Callable[[Any], Any]:
    symbol = okx_ep.PROVIDER.symbol(asset)
    return lambda r: okx.parse_funding_history(r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received)


_H = okx.OKX_INTERVALS_H
PAGINGS: tuple[Paging, ...] = (
    Paging(NAME, "history-candles", 100, HOUR_MS, "before", "after", exclusive=True, parser=_candles, intervals_h=_H),
    Paging(
        NAME, "funding-rate-history", 100, HOUR_MS, "before", "after", exclusive=True, parser=_funding, intervals_h=_H
    ),
)
