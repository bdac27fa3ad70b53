"""Bybit options: the venue's option chain of an asset into the snapshot's ``venue_options``. Pure: no I/O."""

from __future__ import annotations

from derivintel.core.provenance import Gap, GapKind
from derivintel.sources.assembly import Assembler, Macro, Parts
from derivintel.sources.bybit import endpoints as bybit_ep
from derivintel.sources.bybit import options as bybit_opt


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """The option tickers of ``asset`` (marks, IV, forward, OI, volume, greeks) as one chain; an empty list is a
    ``not_covered`` caveat (no option listed on ``asset``)."""
    if asset not in bybit_ep.OPTION_ASSETS:
        return
    name = bybit_ep.OPTIONS_PROVIDER.name
    parsed = a.parse(  # a 1-tuple, so that "no option listed" (None inside) differs from a failure (a gap, None)
        name,
        "tickers",
        asset,
        lambda r: (bybit_opt.parse_option_tickers(r.body, asset=asset, ts_recv=r.ts_received),),
    )
    if parsed is None:
        return
    (chain,) = parsed
    if chain is None:
        a.flag(Gap(name, "tickers", GapKind.NOT_COVERED, f"no {asset} options listed", asset))
    else:
        parts.venue_options[bybit_opt.VENUE] = chain
