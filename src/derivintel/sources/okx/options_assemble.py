"""OKX options: the venue's option chain of an asset into the snapshot's ``venue_options``. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro, Parts
from derivintel.sources.okx import endpoints as okx_ep
from derivintel.sources.okx import options as okx_opt


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Open interest and 24h volume by instrument, then the option summary (IV, forward) into one chain."""
    if asset not in okx_ep.OPTION_ASSETS:
        return
    name = okx_ep.OPTIONS_PROVIDER.name
    uly = okx_ep.OPTIONS_PROVIDER.symbol(asset)
    oi = a.parse(
        name, "open-interest", asset, lambda r: okx_opt.parse_open_interest(r.body, uly=uly, ts_recv=r.ts_received)
    )
    vol = a.parse(name, "tickers", asset, lambda r: okx_opt.parse_tickers(r.body, uly=uly, ts_recv=r.ts_received))
    chain = a.parse(
        name,
        "opt-summary",
        asset,
        lambda r: okx_opt.parse_opt_summary(r.body, asset=asset, ts_recv=r.ts_received, oi_base=oi, volume_base=vol),
    )
    if chain is not None:
        parts.venue_options[okx_opt.VENUE] = chain
