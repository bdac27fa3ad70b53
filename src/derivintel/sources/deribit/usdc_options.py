"""Pure parser of Deribit's USDC-settled (linear) option book (``get_book_summary_by_currency``, USDC, option).

One answer lists every linear underlying (``BTC_USDC-27MAR26-100000-C``, ``SOL_USDC-…``, strikes with a ``d`` for
the decimal point: ``XRP_USDC-…-2d5-C``); each asset takes its rows. Units: ``mark_iv`` percent (→ fraction),
``mark_price`` in USDC (→ coin: ÷ ``underlying_price``), ``open_interest`` and ``volume`` in the base coin (Deribit:
"for options and linear futures it is the underlying base currency coin"), ``underlying_price`` the forward in USD.
Expiries 08:00 UTC from the name; the event time is the newest ``creation_timestamp``.
"""

from __future__ import annotations

from datetime import datetime

from derivintel.core.timeutil import to_ms as datetime_to_ms
from derivintel.domain.options import OptionChain
from derivintel.sources.deribit import roles
from derivintel.sources.deribit.chain_file import parse_instrument_name
from derivintel.sources.deribit.parse import RpcEnvelope
from derivintel.sources.option_rows import NAN, OptionRow, build_chain
from derivintel.sources.payload import Where, as_list, field, make_source, to_dt, to_float, to_float_or_none, to_ms

PROVIDER = "deribit"
DATASET = "book_summary_option_usdc"
VENUE = roles.USDC_OPTIONS_VENUE
SETTLE_SUFFIX = "_USDC"


def parse_usdc_option_chain(body: bytes, *, asset: str, ts_recv: datetime) -> OptionChain | None:
    """The linear options of ``asset`` as a chain; None when the book lists none on ``asset``."""
    where = Where(PROVIDER, DATASET, ts_recv)
    rows: list[OptionRow] = []
    newest = 0
    for i, row in enumerate(as_list(RpcEnvelope.decode(body, where).result, where, "result")):
        name = str(field(row, "instrument_name", where))
        try:
            option = parse_instrument_name(name)
        except ValueError as exc:
            raise where.fail(f"[{i}]: {exc}") from exc
        if not option.currency.endswith(SETTLE_SUFFIX):
            raise where.fail(f"[{i}]: {name!r} is not a USDC-settled option")
        if option.currency != f"{asset}{SETTLE_SUFFIX}":
            continue
        forward = to_float(field(row, "underlying_price", where), where, f"{name}.underlying_price")
        iv = to_float(field(row, "mark_iv", where), where, f"{name}.mark_iv") / 100.0
        volume = to_float_or_none(row.get("volume"), where, f"{name}.volume")
        newest = max(newest, to_ms(field(row, "creation_timestamp", where), where, f"{name}.creation_timestamp"))
        rows.append(
            OptionRow(
                instrument=name,
                expiry_ms=datetime_to_ms(option.expiry),
                strike_usd=option.strike,
                is_call=option.is_call,
                mark_iv=iv if iv > 0 else NAN,
                oi_base=to_float(field(row, "open_interest", where), where, f"{name}.open_interest"),
                volume_base=NAN if volume is None else volume,
                forward_usd=forward,
                mark_price_coin=to_float(field(row, "mark_price", where), where, f"{name}.mark_price") / forward
                if forward > 0
                else NAN,
            )
        )
    if not rows:
        return None
    source = make_source(where, to_dt(newest, where, "creation_timestamp"), ts_recv)
    return build_chain(asset, rows, source=source, index_price_usd=None, where=where)
