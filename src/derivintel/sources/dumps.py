"""Offline dump files (a venue's or a vendor's published CSV/JSON archives) parsed into typed rows.

A venue or vendor folder declares each format it reads as a ``DumpFormat``: the name the CLI knows it by
(``derivintel import NAME``) and a pure parser, one file in, one ``ParsedDump`` out (no I/O beyond reading the
file; a bad file raises ``UserInputError`` naming file and line). ``registry.DUMP_FORMATS`` lists them; the store
writes a ``ParsedDump`` without knowing whose format it was (``store.importers.dumps``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from derivintel.domain.liquidations import LiquidationEvent
from derivintel.domain.options import OptionChain
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortSeries,
    OpenInterestSeries,
    TakerRatioSeries,
)

DumpSeries = CandleSeries | FundingSeries | OpenInterestSeries | LongShortSeries | TakerRatioSeries


@dataclass(slots=True)
class ParsedDump:
    """What one file holds, checked and typed: option chains (each one snapshot), perp snapshots, time series,
    liquidation events and order books. ``chain_venue`` is the option venue the chains are stored under (the
    report's option venue ids, set by the parser; required when there are chains). ``dropped`` counts input rows
    left out, by reason (a reason the format documents, e.g. a liquidation of unknown side); ``notes`` are one-line
    remarks for the user."""

    path: Path
    chains: list[OptionChain] = field(default_factory=list)
    chain_venue: str | None = None
    perps: list[PerpMetrics] = field(default_factory=list)
    series: list[DumpSeries] = field(default_factory=list)
    liquidations: list[LiquidationEvent] = field(default_factory=list)
    books: list[OrderBook] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


DumpParser = Callable[..., ParsedDump]
"""``parse(path, *, received_at, **options) -> ParsedDump``; options are the format's own (asset, every_s, ...)."""


@dataclass(frozen=True, slots=True)
class DumpFormat:
    """A dump format a folder reads: ``name`` as in ``derivintel import NAME``, ``parse`` its file parser and a
    one-line ``description`` (the files it takes)."""

    name: str
    parse: DumpParser
    description: str

    def parse_files(self, files: list[Path], *, received_at: datetime, **options: Any) -> list[ParsedDump]:
        """Every file parsed (and so checked) before the caller writes any."""
        return [self.parse(Path(f), received_at=received_at, **options) for f in files]
