"""Binance options: the venue's option chain of an asset into the snapshot's ``venue_options``. Pure: no I/O.

The three datasets are market-wide (one answer lists every underlying); each asset takes its rows. An asset that
Binance does not list is a ``not_covered`` caveat, not a bad payload.
"""

from __future__ import annotations

from derivintel.core.provenance import Gap, GapKind
from derivintel.sources.assembly import Assembler, Macro, Parts
from derivintel.sources.binance import endpoints as binance_ep
from derivintel.sources.binance import options as binance_opt


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Listing and tickers first; the marks of ``asset`` joined to them into one chain."""
    if asset not in binance_ep.OPTION_ASSETS:
        return
    name = binance_ep.OPTIONS.name
    listings = a.parse(
        name, "exchangeInfo", None, lambda r: binance_opt.parse_exchange_info(r.body, ts_recv=r.ts_received)
    )
    tickers = a.parse(name, "ticker", None, lambda r: binance_opt.parse_ticker(r.body, ts_recv=r.ts_received))
    if listings is None:
        a.dependent(name, "mark", None, needs=(name, "exchangeInfo", None))
        return
    if tickers is None:
        a.dependent(name, "mark", None, needs=(name, "ticker", None))
        return
    if asset not in binance_opt.listed_bases(listings):
        a.flag(Gap(name, "mark", GapKind.NOT_COVERED, f"no {asset} options listed", asset))
        return
    chain = a.parse(
        name,
        "mark",
        None,
        lambda r: binance_opt.parse_mark(
            r.body, asset=asset, ts_recv=r.ts_received, listings=listings, tickers=tickers
        ),
    )
    if chain is not None:
        parts.venue_options[binance_opt.VENUE] = chain
