"""DefiLlama stablecoin supply: its part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro
from derivintel.sources.defillama import endpoints as defillama_ep
from derivintel.sources.defillama import parse as defillama


def assemble(a: Assembler, macro: Macro) -> None:
    """Total stablecoin supply (USD) into ``macro``."""
    stables = a.parse(
        defillama_ep.PROVIDER.name,
        "stablecoincharts",
        None,
        lambda r: defillama.parse_stablecoin_charts(r.body, ts_recv=r.ts_received),
    )
    if stables is not None:
        macro[stables.name] = stables
