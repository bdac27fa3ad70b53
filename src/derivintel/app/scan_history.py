"""Read what the history store knows about the scanned assets into a ``ScanHistory`` (the app owns the store).

Per base asset stored: coin OI ``oi_change_hours`` before the scan (the last stored value at or before then,
within ``OI_TOLERANCE``), settled per-hour funding over ``lookback_days``, realised liquidations over
``liquidation_hours`` and the latest long/short ratio as a long share. Assets the store does not hold are not
queried; their cells stay empty with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from derivintel.core.timeutil import to_datetime64
from derivintel.core.units import long_share_from_ratio
from derivintel.domain.liquidations import LiquidatedSide
from derivintel.domain.scan import ScanHistory

OI_TOLERANCE = timedelta(hours=2)


def read_scan_history(
    path: Path,
    bases: Iterable[str],
    *,
    as_of: datetime,
    oi_change_hours: int = 24,
    lookback_days: int = 30,
    liquidation_hours: int = 24,
) -> ScanHistory:
    """``ScanHistory`` of ``bases`` from the store at ``path`` (read-only), known at ``as_of``."""
    from derivintel.store import HistoryStore

    oi_before: dict[tuple[str, str], float] = {}
    funding: dict[tuple[str, str], np.ndarray] = {}
    liquidations: dict[str, tuple[float, float]] = {}
    long_share: dict[str, tuple[float, str]] = {}
    then = as_of - timedelta(hours=oi_change_hours)
    with HistoryStore(path, read_only=True) as store:
        stored = set(
            store.query(
                "SELECT DISTINCT asset FROM open_interest UNION SELECT DISTINCT asset FROM funding "
                "UNION SELECT DISTINCT asset FROM liquidations UNION SELECT DISTINCT asset FROM "
                "long_short"
            )["asset"].astype(str)
        )
        for base in sorted(set(bases) & stored):
            for s in store.open_interest_series(base, until=then, since=then - OI_TOLERANCE):
                good = np.isfinite(s.oi_base)
                if good.any():
                    oi_before[(s.venue, base)] = float(s.oi_base[good][-1])
            for f in store.funding_series(base, until=as_of, since=as_of - timedelta(days=lookback_days)):
                funding[(f.venue, base)] = np.asarray(f.rate_1h, dtype=float)
            events = store.liquidations(base, until=as_of, since=as_of - timedelta(hours=liquidation_hours))
            if events:
                longs = sum(e.notional_usd for e in events if e.side is LiquidatedSide.LONG)
                shorts = sum(e.notional_usd for e in events if e.side is LiquidatedSide.SHORT)
                liquidations[base] = (longs, shorts)
            ratios = [r for r in store.long_short_series(base, until=as_of) if len(r.ratio)]
            if ratios:
                latest = max(ratios, key=lambda r: r.ts[-1])
                if latest.ts[-1] >= to_datetime64(as_of - timedelta(days=1)) and np.isfinite(latest.ratio[-1]):
                    long_share[base] = (long_share_from_ratio(float(latest.ratio[-1])), f"{latest.venue} {latest.kind}")
    return ScanHistory(
        oi_base_before=oi_before,
        funding_1h=funding,
        liquidations_usd=liquidations,
        long_share=long_share,
        store=str(path),
        oi_change_hours=oi_change_hours,
        lookback_days=lookback_days,
        liquidation_hours=liquidation_hours,
    )
