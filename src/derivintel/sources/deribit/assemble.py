"""Deribit perps, dated futures and options: their part of a snapshot (ticker, futures, option chain, DVOL).

Pure: no I/O.
"""

from __future__ import annotations

from derivintel.core.provenance import Gap, GapKind
from derivintel.core.timeutil import from_ms
from derivintel.sources.assembly import Assembler, Macro, Parts, add
from derivintel.sources.deribit import endpoints as deribit_ep
from derivintel.sources.deribit import parse as deribit
from derivintel.sources.deribit import trades as deribit_trades
from derivintel.sources.deribit import usdc_options

_TICKER = next(ep for ep in deribit_ep.ENDPOINTS if ep.dataset == "ticker")


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Deribit ticker and option chain of ``asset`` into ``parts``; its DVOL index into ``macro``; its USDC-settled
    options (BTC, ETH, SOL, XRP) into ``parts.venue_options``."""
    name = deribit_ep.PROVIDER.name
    if asset in deribit_ep.USDC_OPTION_ASSETS:
        _usdc_options(a, asset, parts)
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
    futures = a.parse(
        name, "book_summary_future", asset, lambda r: deribit.parse_futures(r.body, asset=asset, ts_recv=r.ts_received)
    )
    parts.futures.extend(futures or ())
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
                    f"page limit ({window.pages} pages) reached; trades complete only from "
                    f"{window.trades.covered_from:%Y-%m-%d %H:%M} UTC",
                    asset,
                )
            )
    dvol = a.parse(name, "dvol", asset, lambda r: deribit.parse_dvol(r.body, asset=asset, ts_recv=r.ts_received))
    if dvol is not None:
        macro[dvol.name] = dvol


def _usdc_options(a: Assembler, asset: str, parts: Parts) -> None:
    """The linear option chain of ``asset`` from the shared USDC book; none listed is a ``not_covered`` caveat."""
    name, dataset = deribit_ep.PROVIDER.name, usdc_options.DATASET
    parsed = a.parse(  # a 1-tuple, so that "none listed" (None inside) differs from a failure (a gap, None)
        name,
        dataset,
        None,
        lambda r: (usdc_options.parse_usdc_option_chain(r.body, asset=asset, ts_recv=r.ts_received),),
    )
    if parsed is None:
        return
    (chain,) = parsed
    if chain is None:
        a.flag(Gap(name, dataset, GapKind.NOT_COVERED, f"no {asset} USDC-settled options listed", asset))
    else:
        parts.venue_options[usdc_options.VENUE] = chain
