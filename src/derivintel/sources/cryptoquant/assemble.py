"""CryptoQuant (keyed) daily exchange flows: macro series of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro
from derivintel.sources.cryptoquant import endpoints as cryptoquant_ep
from derivintel.sources.cryptoquant import parse as cryptoquant


def assemble(a: Assembler, macro: Macro) -> None:
    """CryptoQuant daily flow series into ``macro``."""
    for dataset, (series, unit, value_field) in cryptoquant_ep.SERIES.items():
        value = a.parse(
            cryptoquant_ep.PROVIDER.name,
            dataset,
            None,
            lambda r, d=dataset, n=series, u=unit, f=value_field: cryptoquant.parse_daily_flow(
                r.body, dataset=d, name=n, unit=u, value_field=f, ts_recv=r.ts_received
            ),
        )
        if value is not None:
            macro[series] = value
