"""Deribit perps and options: their part of a snapshot (ticker, option chain, DVOL into the macro series).

Pure: no I/O.
"""

from __future__ import annotations

from derivintel.core.provenance import Gap, GapKind
from derivintel.core.timeutil import from_ms
from derivintel.sources.assembly import Assembler, Macro, Parts, add
from derivintel.sources.deribit import endpoints as deribit_ep
from derivintel.sources.deribit import parse as deribit
from derivintel.sources.deribit import trades as deribit_trades

_TICKER = next(ep for ep in deribit_ep.ENDPOINTS if ep.dataset == "ticker")


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Deribit ticker and option chain of ``asset`` into ``parts``; its DVOL index into ``macro``."""
    name = deribit_ep.PROVIDER.name
    if not _TICKER.applies_to(asset):
        return
    symbol = deribit_ep.PROVIDER.symbol(asset)
    add(
        parts.perps,
        a.parse(
            name,
            "ticker",
            asset,
            lambda r: deribit.parse_ticker(r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received),
        ),
    )
    index = a.parse(name, "index_price", asset, lambda r: deribit.parse_index_price(r.body))
    parts.options = a.parse(
        name,
        "book_summary_option",
        asset,
        lambda r: deribit.parse_option_chain(r.body, asset=asset, ts_recv=r.ts_received, index_price_usd=index),
    )
    window = a.parse_pages(
        name,
        "option_trades",
        asset,
        lambda pages: deribit_trades.parse_trade_pages(
            [(p.body, p.ts_received) for p in pages],
            currency=asset,
            start=from_ms(int(pages[0].params["start_timestamp"])),
        ),
    )
    if window is not None:
        parts.option_trades = window.trades
        if window.truncated:
            a.flag(
                Gap(
                    name,
                    "option_trades",
                    GapKind.UNAVAILABLE,
                    f"{asset}: page limit ({window.pages} pages) reached; trades complete only from "
                    f"{window.trades.covered_from:%Y-%m-%d %H:%M} UTC",
                )
            )
    dvol = a.parse(name, "dvol", asset, lambda r: deribit.parse_dvol(r.body, asset=asset, ts_recv=r.ts_received))
    if dvol is not None:
        macro[dvol.name] = dvol
