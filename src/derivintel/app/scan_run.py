"""Building a scan for the CLI and the dashboard: the universe (live bulk requests or the synthetic demo), the
stored history when a store exists, and the scanner analytics. The app layer owns the clock and the store."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from derivintel.core.errors import UserInputError


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """What to scan: ``demo`` or live ``venues`` (empty: all), the filters and the store to read history from."""

    demo: bool = False
    venues: tuple[str, ...] = ()
    min_oi_usd: float = 0.0
    top: int = 10
    store: Path | None = None
    config_path: Path | None = None
    oi_top: int = 0


def run_scan(request: ScanRequest, *, now: datetime | None = None):  # -> tuple[ScanResult, str | None]
    """Fetch (or generate) the universe, read history, compute the scan. Returns it and the history source."""
    from derivintel.analytics.scanner import scan_market
    from derivintel.domain.scan import ScanHistory, ScanUniverse, base_key

    history: ScanHistory | None = None
    if request.demo:
        from derivintel.sources.demo.scan import SCAN_AS_OF, build_demo_scan_history, build_demo_universe

        universe = build_demo_universe()
        if request.venues:
            keep = set(request.venues)
            universe = ScanUniverse(
                tuple(t for t in universe.tickers if t.venue in keep),
                tuple(v for v in universe.venues if v in keep),
                tuple(g for g in universe.gaps if any(v in g.dataset for v in keep)),
                synthetic=True,
            )
        history = build_demo_scan_history(universe)
        as_of = SCAN_AS_OF
    else:
        from derivintel.sources.config import SourceConfig
        from derivintel.sources.scan_fetch import fetch_universe

        universe, _raw = asyncio.run(
            fetch_universe(SourceConfig.load(request.config_path), venues=request.venues, oi_top=request.oi_top)
        )
        as_of = now or datetime.now(UTC)
        history = _stored_history(request.store, {base_key(t.asset) for t in universe.tickers}, as_of)
    result = scan_market(universe, as_of=as_of, history=history, min_oi_usd=request.min_oi_usd, top=request.top)
    return result, history.store if history is not None else None


def _stored_history(store: Path | None, bases: set[str], as_of: datetime):  # -> ScanHistory | None
    from derivintel.store import resolve_store_path

    path = resolve_store_path(store)
    if not path.exists():
        if store is not None:
            raise UserInputError(f"no history store at {path}")
        return None
    from derivintel.app.scan_history import read_scan_history

    return read_scan_history(path, bases, as_of=as_of)
