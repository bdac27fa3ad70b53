"""Bybit options: the venue's option chain of an asset into the snapshot's ``venue_options``. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro, Parts
from derivintel.sources.bybit import endpoints as bybit_ep
from derivintel.sources.bybit import options as bybit_opt


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """The option tickers of ``asset`` (marks, IV, forward, OI, volume, greeks) as one chain."""
    if asset not in bybit_ep.OPTION_ASSETS:
        return
    chain = a.parse(
        bybit_ep.OPTIONS_PROVIDER.name,
        "tickers",
        asset,
        lambda r: bybit_opt.parse_option_tickers(r.body, asset=asset, ts_recv=r.ts_received),
    )
    if chain is not None:
        parts.venue_options[bybit_opt.VENUE] = chain
