"""Import offline dump files into the history store, whatever their format: the registry's ``DumpFormat`` parses
(and so checks) every file before anything is written, then each parsed file is written here.

Writes: every option chain in its own transaction (stored rows that differ are replaced), then the file's perp
snapshots, its time series (each in one transaction; differing rows replaced and counted), liquidation events and
order books. Files holding option chains are written first. Importing the same files twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from derivintel.sources.dumps import ParsedDump
from derivintel.store.history_store import HistoryStore, table_of
from derivintel.store.importers.report import ImportReport


def write_dumps(parsed: Sequence[ParsedDump], store: HistoryStore, *, received_at: datetime) -> ImportReport:
    """Write parsed files into ``store`` (one connection for the whole write phase) and tally what was written."""
    report = ImportReport()
    ordered = sorted(parsed, key=lambda p: not p.chains)  # stable: chain files first, else in the given order
    with store.session():
        for p in ordered:
            for reason, rows in p.dropped.items():
                report.drop(reason, rows)
            report.files.append(str(p.path))
            if p.chains and p.chain_venue is None:
                raise ValueError(f"{p.path}: option chains parsed without their venue (parser bug)")
            for chain in p.chains:
                report.add(
                    "option_rows",
                    len(chain),
                    store.write_option_chain(chain, venue=str(p.chain_venue), ts_recv=received_at, replace=True),
                )
            if p.perps:
                report.add("perp_snapshots", len(p.perps), store.write_perps(p.perps, ts_recv=received_at))
            for s in p.series:
                report.add(table_of(s), len(s), store.write_series(s, ts_recv=received_at, replace=True))
            if p.liquidations:
                written = store.write_liquidations(p.liquidations, ts_recv=received_at)
                report.add("liquidations", len(p.liquidations), written)
            if p.books:
                report.add("order_books", len(p.books), store.write_books(p.books, ts_recv=received_at))
            report.notes.extend(p.notes)
    return report


def import_dumps(
    format_name: str,
    files: Iterable[Path | str],
    store: HistoryStore,
    *,
    received_at: datetime | None = None,
    **options: Any,
) -> ImportReport:
    """Parse ``files`` with the registry's dump format ``format_name`` (``binance-vision``, ``tardis``, ...; options
    as that format's parser takes them), then write them: one bad row refuses the whole command, nothing stored."""
    from derivintel.sources.registry import dump_format

    recv = received_at or datetime.now(UTC)
    parsed = dump_format(format_name).parse_files([Path(f) for f in files], received_at=recv, **options)
    return write_dumps(parsed, store, received_at=recv)
