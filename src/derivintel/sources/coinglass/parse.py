"""Pure parsers: Coinglass v4 bodies to domain types (aggregates across exchanges, venue ``coinglass-aggregate``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.core.provenance import Source
from derivintel.domain.series import FundingSeries, OpenInterestSeries
from derivintel.domain.venue import VenueId
from derivintel.sources.coinglass.endpoints import FUNDING_INTERVAL_HOURS, VENUE
from derivintel.sources.envelope import CodeMsgEnvelope
from derivintel.sources.payload import Where, as_list, columns, field, last_ts, make_source, to_float, to_ms

PROVIDER = "coinglass"


@dataclass(frozen=True, eq=False)
class AggregatedLiquidationSeries:
    """Realised liquidations summed over ``exchanges`` per bar (``ts`` = bar open, ``datetime64[ms]``), in USD:
    ``long_usd`` = longs liquidated, ``short_usd`` = shorts liquidated. No domain slot exists for it yet."""

    venue: VenueId
    asset: str
    interval_s: int
    exchanges: tuple[str, ...]
    ts: np.ndarray
    long_usd: np.ndarray
    short_usd: np.ndarray
    source: Source

    def __len__(self) -> int:
        return len(self.ts)


def _data(body: bytes, where: Where) -> list[Any]:
    """The envelope checked (``code`` must be ``"0"``, ``CodeMsgEnvelope``) and its ``data`` array, non-empty."""
    rows = as_list(CodeMsgEnvelope.decode(body, where).data, where, "data")
    if not rows:
        raise where.fail("data: empty array")
    return rows


def _ohlc_close(body: bytes, where: Where) -> tuple[np.ndarray, np.ndarray]:
    ts, vals = [], []
    for i, row in enumerate(_data(body, where)):
        ts.append(to_ms(field(row, "time", where), where, f"[{i}].time"))
        vals.append(to_float(field(row, "close", where), where, f"[{i}].close"))
    ts64, v = columns(vals, ts, where)
    return ts64, v[:, 0]


def parse_oi_aggregated(
    usd_body: bytes,
    coin_body: bytes | None,
    *,
    asset: str,
    interval_s: int,
    ts_recv: datetime,
    dataset: str = "oi-aggregated-usd",
) -> OpenInterestSeries:
    """Aggregated OI history → ``OpenInterestSeries`` (venue ``coinglass-aggregate``) from the bar CLOSES.

    ``oi_usd`` from the ``unit=usd`` answer; ``oi_base`` (coins) from the ``unit=coin`` answer matched by bar time,
    NaN where it is absent (``coin_body`` None: coin history unavailable). ``ts`` is the bar open time as published;
    the close value is the OI at the bar's end.
    """
    where = Where(PROVIDER, dataset, ts_recv)
    ts64, usd = _ohlc_close(usd_body, where)
    base = np.full(len(ts64), np.nan)
    if coin_body is not None:
        cts, coin = _ohlc_close(coin_body, Where(PROVIDER, dataset.replace("usd", "coin"), ts_recv))
        pos = np.searchsorted(cts, ts64)
        ok = (pos < len(cts)) & (cts[np.minimum(pos, len(cts) - 1)] == ts64)
        base[ok] = coin[pos[ok]]
    if np.any(usd < 0) or np.any(base < 0):
        raise where.fail("negative open interest")
    return OpenInterestSeries(
        venue=VENUE,
        asset=asset,
        interval_s=interval_s,
        ts=ts64,
        oi_base=base,
        oi_usd=usd,
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_funding_oi_weighted(
    body: bytes, *, asset: str, ts_recv: datetime, dataset: str = "funding-oi-weighted"
) -> FundingSeries:
    """OI-weighted funding OHLC → ``FundingSeries``: bar close in PERCENT per 8h → fraction (÷ 100), 8h interval.

    ``ts`` is the bar open time. Convention (percent per 8h) to verify live; see ``endpoints``.
    """
    where = Where(PROVIDER, dataset, ts_recv)
    ts64, close_pct = _ohlc_close(body, where)
    return FundingSeries(
        venue=VENUE,
        asset=asset,
        ts=ts64,
        rate_interval=close_pct / 100.0,
        interval_hours=np.full(len(ts64), FUNDING_INTERVAL_HOURS),
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


def parse_liquidation_aggregated(
    body: bytes, *, asset: str, interval_s: int, exchanges: tuple[str, ...], ts_recv: datetime
) -> AggregatedLiquidationSeries:
    """Aggregated liquidation history → ``AggregatedLiquidationSeries`` (USD per bar, long and short)."""
    where = Where(PROVIDER, "liquidation-aggregated", ts_recv)
    ts, vals = [], []
    for i, row in enumerate(_data(body, where)):
        ts.append(to_ms(field(row, "time", where), where, f"[{i}].time"))
        long_usd = to_float(field(row, "aggregated_long_liquidation_usd", where), where, f"[{i}].long")
        short_usd = to_float(field(row, "aggregated_short_liquidation_usd", where), where, f"[{i}].short")
        if long_usd < 0 or short_usd < 0:
            raise where.fail(f"[{i}]: negative liquidation amount")
        vals.append((long_usd, short_usd))
    ts64, v = columns(vals, ts, where)
    return AggregatedLiquidationSeries(
        venue=VENUE,
        asset=asset,
        interval_s=interval_s,
        exchanges=exchanges,
        ts=ts64,
        long_usd=v[:, 0],
        short_usd=v[:, 1],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )
