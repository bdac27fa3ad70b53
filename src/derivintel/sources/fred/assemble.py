"""FRED macro series (CSV downloads): their part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro
from derivintel.sources.fred import endpoints as fred_ep
from derivintel.sources.fred import parse as fred


def assemble(a: Assembler, macro: Macro) -> None:
    """Every declared FRED series into ``macro`` (keyed by the series' display name)."""
    for series, (name, unit) in fred_ep.SERIES.items():
        value = a.parse(
            fred_ep.PROVIDER.name,
            series,
            None,
            lambda r, s=series, n=name, u=unit: fred.parse_fred_csv(
                r.body, series=s, name=n, unit=u, ts_recv=r.ts_received
            ),
        )
        if value is not None:
            macro[name] = value
