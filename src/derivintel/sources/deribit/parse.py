"""Pure parsers: Deribit responses to domain types (percent → fraction, USD OI → coins)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from derivintel.core.errors import UserInputError
from derivintel.core.timeutil import to_ms as datetime_to_ms
from derivintel.domain.futures import DatedFuture, Margin
from derivintel.domain.macro import MacroSeries
from derivintel.domain.options import OptionChain
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.sources.deribit import chain_file as deribit_chain
from derivintel.sources.deribit import roles
from derivintel.sources.payload import (
    Where,
    check_ms,
    columns,
    field,
    last_ts,
    load_json,
    make_source,
    non_empty,
    positive,
    to_dt,
    to_float,
    to_float_or_none,
    to_ms,
)

PROVIDER = "deribit"
VENUE = roles.VENUE
FUNDING_INTERVAL_H = 8.0


@dataclass(frozen=True, slots=True)
class RpcError:
    """A JSON-RPC ``error`` object: Deribit's numeric ``code`` (10028: too many requests) and its ``message``;
    either is None when the venue left it out."""

    code: Any
    message: Any

    @classmethod
    def of(cls, error: Any) -> RpcError:
        err = error if isinstance(error, dict) else {}
        return cls(code=err.get("code"), message=err.get("message"))


@dataclass(frozen=True, slots=True)
class RpcEnvelope:
    """A Deribit JSON-RPC answer decoded once at the edge: ``result`` of ``{"result": …}`` (REST), or ``data`` of a
    websocket subscription's ``{"params": {"data": …}}``; ``top`` keeps the decoded top-level object."""

    result: Any
    top: Mapping[str, Any]

    @classmethod
    def decode(cls, body: bytes | str, where: Where) -> RpcEnvelope:
        """Decode ``body``; an ``error`` object is a bad payload (``error <code>: <message>``), a missing
        ``result`` too."""
        obj = load_json(body, where)
        if isinstance(obj, dict) and "error" in obj:
            err = RpcError.of(obj["error"])
            raise where.fail(f"error {err.code}: {err.message}")
        if isinstance(obj, dict) and "params" in obj and "result" not in obj:
            return cls(field(field(obj, "params", where), "data", where), obj)
        return cls(field(obj, "result", where), obj)


def _result(body: bytes, where: Where) -> Any:
    """The ``result`` (or subscription ``data``) of a checked envelope (``RpcEnvelope``)."""
    return RpcEnvelope.decode(body, where).result


def parse_ticker(body: bytes, *, asset: str, symbol: str, ts_recv: datetime) -> PerpMetrics:
    """``public/ticker`` for the inverse perpetual → ``PerpMetrics``.

    ``funding_8h`` is the rate per 8h; ``open_interest`` is USD for the inverse perpetual, so
    ``oi_base = open_interest / mark_price``. 24h volume from ``stats.volume_usd``.
    """
    where = Where(PROVIDER, "ticker", ts_recv)
    data = _result(body, where)
    if field(data, "instrument_name", where) != symbol:
        raise where.fail(f"ticker is for {data.get('instrument_name')!r}, expected {symbol!r}")
    mark = positive(to_float(field(data, "mark_price", where), where, "mark_price"), where, "mark_price")
    oi_usd = to_float(field(data, "open_interest", where), where, "open_interest")
    stats = data.get("stats") if isinstance(data.get("stats"), dict) else {}
    return PerpMetrics(
        venue=VENUE,
        asset=asset,
        venue_symbol=symbol,
        mark_price_usd=mark,
        index_price_usd=positive(
            to_float(field(data, "index_price", where), where, "index_price"), where, "index_price"
        ),
        funding_rate_interval=to_float(field(data, "funding_8h", where), where, "funding_8h"),
        funding_interval_hours=FUNDING_INTERVAL_H,
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=None,
        oi_base=oi_usd / mark,
        volume_24h_usd=to_float_or_none(stats.get("volume_usd"), where, "stats.volume_usd"),
        source=make_source(where, to_dt(field(data, "timestamp", where), where, "timestamp"), ts_recv),
    )


def parse_index_price(body: bytes) -> float:
    """``public/get_index_price`` → index price in USD."""
    where = Where(PROVIDER, "index_price")
    result = _result(body, where)
    return positive(to_float(field(result, "index_price", where), where, "index_price"), where, "index_price")


def parse_dvol(body: bytes, *, asset: str, ts_recv: datetime) -> MacroSeries:
    """``public/get_volatility_index_data`` → ``MacroSeries`` ``dvol_<asset>`` of closes as FRACTIONS (55 % → 0.55)."""
    where = Where(PROVIDER, "dvol", ts_recv)
    rows = non_empty(field(_result(body, where), "data", where), where, "result.data")
    ts, vals = [], []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != 5:
            raise where.fail(f"data[{i}]: expected [ts, open, high, low, close], got {str(row)[:80]}")
        ts.append(to_ms(row[0], where, f"data[{i}].ts"))
        vals.append(to_float(row[4], where, f"data[{i}].close") / 100.0)
    ts64, v = columns(vals, ts, where)
    return MacroSeries(
        name=f"dvol_{asset.lower()}",
        unit="fraction",
        ts=ts64,
        values=v[:, 0],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )


_FUTURE_NAME = re.compile(r"^(?P<cur>[A-Z0-9_]+)-(?P<d>\d{1,2})(?P<m>[A-Z]{3})(?P<y>\d{2})$")


def future_expiry(name: str) -> datetime | None:
    """``BTC-27MAR26`` → 2026-03-27 08:00 UTC (Deribit delivers at 08:00 UTC); None for the perpetual or any
    other name."""
    match = _FUTURE_NAME.match(name)
    if match is None or match["m"] not in deribit_chain.MONTHS:
        return None
    return datetime(
        2000 + int(match["y"]),
        deribit_chain.MONTHS[match["m"]],
        int(match["d"]),
        deribit_chain.DERIBIT_EXPIRY_HOUR_UTC,
        tzinfo=UTC,
    )


def parse_futures(body: bytes, *, asset: str, ts_recv: datetime) -> tuple[DatedFuture, ...]:
    """``get_book_summary_by_currency?kind=future`` → one ``DatedFuture`` per dated (inverse) future.

    The perpetual row is skipped (it comes from ``ticker``). ``mark_price`` USD; ``estimated_delivery_price`` is
    the index (USD); ``open_interest`` is USD for inverse futures, so ``oi_base = open_interest / mark``. Expiry
    from the instrument name at 08:00 UTC. Rows of another currency are a bad payload; a currency with no dated
    future at all gives an empty tuple.
    """
    where = Where(PROVIDER, "book_summary_future", ts_recv)
    out = []
    for i, row in enumerate(non_empty(_result(body, where), where, "result")):
        name = str(field(row, "instrument_name", where))
        base = field(row, "base_currency", where)
        if base != asset:
            raise where.fail(f"[{i}] {name}: futures are for {base!r}, expected {asset}")
        expiry = future_expiry(name)
        if expiry is None:
            if not name.endswith("-PERPETUAL"):
                raise where.fail(f"[{i}]: not a Deribit future name: {name!r}")
            continue
        mark = positive(to_float(field(row, "mark_price", where), where, f"[{i}].mark_price"), where, f"[{i}].mark")
        index = to_float_or_none(row.get("estimated_delivery_price"), where, f"[{i}].estimated_delivery_price")
        oi_usd = to_float(field(row, "open_interest", where), where, f"[{i}].open_interest")
        out.append(
            DatedFuture(
                venue=VENUE,
                asset=asset,
                venue_symbol=name,
                expiry=expiry,
                mark_price_usd=mark,
                index_price_usd=index if index and index > 0 else None,
                oi_base=oi_usd / mark,
                margin=Margin.INVERSE,
                source=make_source(
                    where, to_dt(field(row, "creation_timestamp", where), where, "creation_ts"), ts_recv
                ),
            )
        )
    return tuple(out)


def parse_option_chain(body: bytes, *, asset: str, ts_recv: datetime, index_price_usd: float | None) -> OptionChain:
    """``get_book_summary_by_currency?kind=option`` → ``OptionChain`` (``mark_iv`` percent → fraction).

    Delegates to the shared chain parser in ``sources.deribit.chain_file`` (one parser for files and live), then
    stamps this connector's provenance (dataset ``book_summary_option``, ``fetched_at`` = ``ts_recv``) and the
    index from ``get_index_price`` when known. Rows without finite strike, OI or forward are a bad payload.
    """
    where = Where(PROVIDER, "book_summary_option", ts_recv)
    _result(body, where)  # envelope, error and truncation checks with this connector's messages
    try:
        chain = deribit_chain.parse_book_summary(body, file=f"{PROVIDER}/book_summary_option")
    except UserInputError as exc:
        raise where.fail(str(exc)) from exc
    if chain.currency != asset:
        raise where.fail(f"chain is for {chain.currency}, expected {asset}")
    check_ms(datetime_to_ms(chain.source.as_of), where, "creation_timestamp")
    for name in ("strike", "oi_base", "underlying_price_usd"):
        if not np.isfinite(getattr(chain, name)).all():
            raise where.fail(f"non-finite {name} in option rows")
    return replace(
        chain,
        index_price_usd=index_price_usd if index_price_usd is not None else chain.index_price_usd,
        source=make_source(where, chain.source.as_of, ts_recv),
    )
