"""Import Deribit option-chain files (book-summary JSON, web-UI exports, svcj snapshots) as chain snapshots.

Each file is read with ``derivintel.sources.deribit.chain_file.read_chain_file``; its rows are stored as Deribit's
(venue ``deribit``) keyed by (currency, instrument, the chain's own ``as_of``), so importing the same file twice adds
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from derivintel.domain.options import OptionChain
from derivintel.store.codecs import DERIBIT_OPTIONS
from derivintel.store.history_store import HistoryStore
from derivintel.store.importers.report import ImportReport


def import_deribit_chain(
    files: Iterable[Path | str],
    store: HistoryStore,
    *,
    currency: str = "BTC",
    spot_usd: float | None = None,
    received_at: datetime | None = None,
    check: Callable[[Path, OptionChain], None] | None = None,
) -> ImportReport:
    """Store every chain file as one snapshot (one transaction per file). ``spot_usd`` is passed to UI exports,
    which carry no underlying price. ``check(path, chain)`` may refuse a file (raise) before anything is stored;
    every file is read and checked before the first is written. Stored rows that differ are replaced."""
    from derivintel.sources.deribit.chain_file import read_chain_file

    report = ImportReport()
    recv = received_at or datetime.now(UTC)
    chains = []
    for f in files:
        chain = read_chain_file(f, currency=currency, spot_usd=spot_usd)
        if check is not None:
            check(Path(f), chain)
        chains.append((f, chain))
    for f, chain in chains:
        report.files.append(str(f))
        report.add(
            "option_rows",
            len(chain),
            store.write_option_chain(chain, venue=DERIBIT_OPTIONS, ts_recv=recv, replace=True),
        )
    return report
