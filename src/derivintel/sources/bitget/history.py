"""Bitget USDT-FUTURES paged history (backfill): 1h candles, as data.

Only candles page by time: ``/candles`` takes ``startTime``/``endTime`` (ms, at most 90 days apart) and keeps 1h
bars for about 83 days. Funding history (``/history-fund-rate``) pages by page number, not time, and is read
100 settlements at a time by the snapshot; open-interest history is not published.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derivintel.sources.bitget import endpoints as bitget_ep
from derivintel.sources.bitget import parse as bitget
from derivintel.sources.declarations import DAY_MS, HOUR_MS, Paging

NAME = bitget_ep.PROVIDER.name


def _candles(asset: str, _interval_h: float | None) -> Callable[[Any], Any]:
    return lambda r: bitget.parse_candles(r.body, asset=asset, ts_recv=r.ts_received, interval_s=3600)


PAGINGS: tuple[Paging, ...] = (
    Paging(
        NAME,
        "candles",
        1000,
        HOUR_MS,
        "startTime",
        "endTime",
        max_age_ms=83 * DAY_MS,  # "1H can be checked for up to 83 days" (Get-Candle-Data)
        parser=_candles,
        intervals_h=bitget.BITGET_INTERVALS_H,
    ),
)
