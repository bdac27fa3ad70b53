"""Bulk (all-symbols) scan declarations and the row-tolerant parsing helpers every venue's scan parser uses.

A venue joins ``derivintel scan`` by declaring, in its folder, the bulk endpoints (``SCAN_ENDPOINTS`` in
``endpoints.py``: one request answers for every perp) and a pure ``parse_scan(bodies, ts_recv) -> BulkParsed`` in
``parse.py``, then listing one ``BulkScan`` in ``registry.SCAN_SOURCES``. ``primary`` is the dataset without which
the venue has no rows (its failure is the venue's gap); the other datasets enrich the rows (their failure is a gap
in their columns only, e.g. a separate bulk OI request).

In a bulk answer one unreadable row (a delisted symbol with empty prices) must not cost the venue: rows that fail
are skipped and counted in a gap; a payload whose envelope is broken, or where no row at all is readable, is a bad
payload (``BadPayloadError``) like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

from derivintel.core.errors import BadPayloadError
from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.scan import PerpTicker
from derivintel.domain.venue import VenueId
from derivintel.sources.declarations import Endpoint
from derivintel.sources.payload import Where

T = TypeVar("T")

# Quote currency of the perps the scan lists: USDT-margined linear perps (USDT counted as USD, as in the report).
SCAN_QUOTE = "USDT"


@dataclass(frozen=True, slots=True)
class BulkParsed:
    """A venue's scan rows and the gaps found while parsing (skipped rows, enrichment datasets that failed)."""

    tickers: tuple[PerpTicker, ...]
    gaps: tuple[Gap, ...] = ()


ScanParser = Callable[[Mapping[str, bytes], datetime], BulkParsed]
# (body, venue symbol, ts_recv) -> single-sided OI in coins of one symbol
SymbolOiParser = Callable[[bytes, str, datetime], float]


@dataclass(frozen=True, slots=True)
class BulkScan:
    """One venue's part of the scan: its provider, the bulk endpoints (``primary`` first among them) and its pure
    parser ``(bodies by dataset, ts_recv) -> BulkParsed`` (``bodies`` holds only the datasets that answered);
    optionally a per-symbol OI request for a venue whose bulk answers carry no OI."""

    provider: str
    venue: VenueId
    primary: str
    endpoints: tuple[Endpoint, ...]
    parse: ScanParser = field(compare=False)
    # A venue without bulk OI may declare its per-symbol OI request (``{symbol}`` template) and parser: the scan then
    # asks it for its largest-volume perps on request (``oi_top``), within the provider's rate limit.
    oi_endpoint: Endpoint | None = None
    oi_parse: SymbolOiParser | None = field(default=None, compare=False)

    @property
    def datasets(self) -> tuple[str, ...]:
        return tuple(ep.dataset for ep in self.endpoints)


def rows_tolerant(
    rows: Iterable[Any], parse_row: Callable[[Any], T | None], where: Where, *, what: str = "row"
) -> tuple[list[T], Gap | None]:
    """Parse each row with ``parse_row`` (None = not a scanned perp, e.g. a dated future or a USDC pair).

    Rows raising ``BadPayloadError`` are skipped and counted in one gap (first reason quoted). When rows exist but
    none parsed, the payload is bad: the first failure is raised, or, when no row failed, an error saying that none
    of the rows is a scanned perp (an answer of only dated futures or nulled symbols is no universe).
    """
    out: list[T] = []
    failures: list[BadPayloadError] = []
    count = 0
    for row in rows:
        count += 1
        try:
            parsed = parse_row(row)
        except BadPayloadError as exc:
            failures.append(exc)
            continue
        if parsed is not None:
            out.append(parsed)
    if failures and not out:
        raise failures[0]
    if count and not out:
        raise where.fail(f"none of the {count} {what}s is a scanned perpetual")
    gap = None
    if failures:
        gap = Gap(
            where.provider,
            where.dataset,
            GapKind.BAD_PAYLOAD,
            f"{len(failures)} {what}(s) unreadable and left out of the scan; first: {failures[0].message}",
        )
    return out, gap


def optional_part(
    bodies: Mapping[str, bytes], provider: str, dataset: str, parse: Callable[[bytes], T], gaps: list[Gap]
) -> T | None:
    """``parse(bodies[dataset])``, or None with a gap when the dataset did not answer or its payload is bad
    (the rows keep their other columns; the missing column is the gap, never a zero)."""
    body = bodies.get(dataset)
    if body is None:
        gaps.append(Gap(provider, dataset, GapKind.UNAVAILABLE, "no answer: the columns it feeds are left empty"))
        return None
    try:
        return parse(body)
    except BadPayloadError as exc:
        gaps.append(Gap(provider, dataset, GapKind.BAD_PAYLOAD, f"{exc.message}: the columns it feeds are left empty"))
        return None


def base_of(symbol: str, *, suffix: str) -> str | None:
    """Base asset of a venue symbol ending in ``suffix`` (``PEPEUSDT`` → ``PEPE``), None for other symbols."""
    if not symbol.endswith(suffix) or len(symbol) == len(suffix):
        return None
    return symbol[: -len(suffix)]


def as_tickers(perps: Iterable[PerpMetrics]) -> tuple[PerpTicker, ...]:
    """Scan rows from a venue parser that already gives every perp as ``PerpMetrics`` (its bulk answers parsed for
    the report): the same figures, with no 24h price change (None: the venue's bulk parser does not read it)."""
    names = [f.name for f in fields(PerpMetrics)]
    return tuple(PerpTicker(**{n: getattr(p, n) for n in names}) for p in perps)
