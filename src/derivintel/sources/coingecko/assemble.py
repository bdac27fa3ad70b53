"""CoinGecko global market data (BTC dominance): its part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro
from derivintel.sources.coingecko import endpoints as coingecko_ep
from derivintel.sources.coingecko import parse as coingecko


def assemble(a: Assembler, macro: Macro) -> None:
    """BTC dominance (fraction of total market cap) into ``macro``."""
    name = coingecko_ep.PROVIDER.name
    dominance = a.parse(name, "global", None, lambda r: coingecko.parse_global(r.body, ts_recv=r.ts_received))
    if dominance is not None:
        macro[dominance.name] = dominance
