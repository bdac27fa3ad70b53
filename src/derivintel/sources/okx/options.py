"""Pure parsers of OKX option market data (``uly`` = ``BTC-USD``): IV and forward, 24h volume, open interest.

Units: ``markVol`` is already a fraction; ``fwdPx`` the forward in USD; open interest and volume are read in coins
(``oiCcy``, ``volCcy24h``), so the contract size (``ctVal`` × ``ctMult``) never enters. OKX publishes no mark price
in these endpoints: the chain's ``mark_price_coin`` is NaN. Greeks kept for cross-checks are the Black-Scholes ones
(``deltaBS``, ``gammaBS``: per USD of the underlying); OKX's plain ``delta``/``gamma`` are in coin terms.
Instrument names: ``BTC-USD-251226-100000-C`` (expiry YYMMDD, 08:00 UTC).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from derivintel.domain.options import OptionChain
from derivintel.sources.envelope import CodeMsgEnvelope
from derivintel.sources.okx import roles
from derivintel.sources.option_rows import NAN, OptionRow, build_chain, expiry_ms
from derivintel.sources.payload import (
    Where,
    field,
    make_source,
    to_dt,
    to_float,
    to_float_or_none,
    to_ms,
)

PROVIDER = "okx-options"
VENUE = roles.OPTIONS_VENUE


def _data(body: bytes, where: Where) -> list[Any]:
    """The envelope checked (``code`` must be ``"0"``, ``CodeMsgEnvelope``) and its non-empty ``data`` array."""
    return CodeMsgEnvelope.decode(body, where).rows(where)


def _by_inst(rows: list[Any], where: Where, uly: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        inst = str(field(row, "instId", where))
        if not inst.startswith(f"{uly}-"):
            raise where.fail(f"[{i}]: {inst!r} is not an option on {uly}")
        out[inst] = row
    return out


def _name(inst: str, uly: str, where: Where) -> tuple[int, float, bool]:
    parts = inst[len(uly) + 1 :].split("-")
    if len(parts) != 3 or parts[2] not in ("C", "P"):
        raise where.fail(f"not an option instrument: {inst!r}")
    return expiry_ms(parts[0], where, inst), to_float(parts[1], where, f"{inst} strike"), parts[2] == "C"


def parse_open_interest(body: bytes, *, uly: str, ts_recv: datetime) -> dict[str, float]:
    """``/public/open-interest?instType=OPTION`` → instrument → OI in coins (``oiCcy``, single-sided)."""
    where = Where(PROVIDER, "open-interest", ts_recv)
    out = {}
    for inst, row in _by_inst(_data(body, where), where, uly).items():
        oi = to_float(field(row, "oiCcy", where), where, f"{inst}.oiCcy")
        if oi < 0:
            raise where.fail(f"{inst}: negative open interest")
        out[inst] = oi
    return out


def parse_tickers(body: bytes, *, uly: str, ts_recv: datetime) -> dict[str, float]:
    """``/market/tickers?instType=OPTION`` → instrument → 24h volume in coins (``volCcy24h``)."""
    where = Where(PROVIDER, "tickers", ts_recv)
    return {
        inst: to_float(field(row, "volCcy24h", where), where, f"{inst}.volCcy24h")
        for inst, row in _by_inst(_data(body, where), where, uly).items()
    }


def parse_opt_summary(
    body: bytes,
    *,
    asset: str,
    ts_recv: datetime,
    oi_base: dict[str, float] | None,
    volume_base: dict[str, float] | None,
) -> OptionChain:
    """``/public/opt-summary`` (+ OI and 24h volume by instrument when read) → ``OptionChain`` of ``asset``.

    An instrument missing from the OI or volume answer gets NaN there (counted as absent by the analysis); a
    ``markVol`` of zero (no mark) is NaN."""
    where = Where(PROVIDER, "opt-summary", ts_recv)
    uly = f"{asset}-USD"
    rows, newest = [], 0
    for inst, row in _by_inst(_data(body, where), where, uly).items():
        exp, strike, is_call = _name(inst, uly, where)
        iv = to_float(field(row, "markVol", where), where, f"{inst}.markVol")
        newest = max(newest, to_ms(field(row, "ts", where), where, f"{inst}.ts"))
        rows.append(
            OptionRow(
                instrument=inst,
                expiry_ms=exp,
                strike_usd=strike,
                is_call=is_call,
                mark_iv=iv if iv > 0 else NAN,
                oi_base=(oi_base or {}).get(inst, NAN),
                volume_base=(volume_base or {}).get(inst, NAN),
                forward_usd=to_float(field(row, "fwdPx", where), where, f"{inst}.fwdPx"),
                delta=_or_nan(row.get("deltaBS"), where, f"{inst}.deltaBS"),
                gamma=_or_nan(row.get("gammaBS"), where, f"{inst}.gammaBS"),
            )
        )
    source = make_source(where, to_dt(newest, where, "ts"), ts_recv)
    return build_chain(asset, rows, source=source, index_price_usd=None, where=where)


def _or_nan(value: Any, where: Where, what: str) -> float:
    out = to_float_or_none(value, where, what)
    return NAN if out is None else out
