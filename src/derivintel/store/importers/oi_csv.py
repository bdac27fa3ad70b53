"""Import an open-interest history from a generic CSV (a time column, coin OI, and a price to value it in USD).

Meant for recorded OI tables such as an hourly Binance feature file: ``oi_usd = oi_base × price`` (single-sided).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from derivintel.core.errors import UserInputError
from derivintel.core.provenance import Source
from derivintel.core.timeutil import from_ms
from derivintel.domain.series import OpenInterestSeries
from derivintel.store.history_store import HistoryStore
from derivintel.store.importers.report import ImportReport


def import_oi_csv(
    file: Path | str,
    store: HistoryStore,
    *,
    venue: str,
    asset: str,
    interval_s: int,
    ts_column: str = "timestamp",
    oi_base_column: str = "open_interest",
    price_column: str = "mark_price",
    received_at: datetime | None = None,
) -> ImportReport:
    """Read ``ts_column`` (UTC), ``oi_base_column`` (coins) and ``price_column`` (USD) and store the OI series.
    Rows without a time, with OI or price missing or ≤ 0, or dated in the future are dropped and counted."""
    path = Path(file)
    try:
        frame = pd.read_csv(path, usecols=[ts_column, oi_base_column, price_column])
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise UserInputError(f"{path}: cannot read OI columns ({detail})") from exc
    recv = received_at or datetime.now(UTC)
    report = ImportReport(files=[str(path)])
    ts = pd.to_datetime(frame[ts_column], utc=True, errors="coerce", format="mixed").dt.tz_localize(None)
    oi = pd.to_numeric(frame[oi_base_column], errors="coerce")
    px = pd.to_numeric(frame[price_column], errors="coerce")
    newest = pd.Timestamp(recv).tz_convert(None)
    checks = [
        ("no time", ts.isna()),
        ("open interest missing or not positive", ~(np.isfinite(oi) & (oi > 0))),
        ("price missing or not positive", ~(np.isfinite(px) & (px > 0))),
        (f"time after {newest:%Y-%m-%d %H:%M} (future)", ts > newest),
    ]
    ok = pd.Series(True, index=frame.index)
    for reason, bad in checks:
        report.drop(reason, int((ok & bad).sum()))
        ok &= ~bad
    t = ts[ok].to_numpy().astype("datetime64[ms]")
    order = np.argsort(t, kind="stable")
    t, o, p = t[order], oi[ok].to_numpy(float)[order], px[ok].to_numpy(float)[order]
    keep = np.concatenate([[True], np.diff(t.astype(np.int64)) > 0]) if len(t) else np.array([], bool)
    report.drop("repeated time (first kept)", int((~keep).sum()))
    t, o, p = t[keep], o[keep], p[keep]
    if len(t) == 0:
        raise UserInputError(f"{path}: no OI rows ({', '.join(f'{n} {r}' for r, n in report.dropped.items())})")
    series = OpenInterestSeries(
        venue=venue,
        asset=asset,
        interval_s=interval_s,
        ts=t,
        oi_base=o,
        oi_usd=o * p,
        source=Source(venue, f"{path.name}:{oi_base_column}", from_ms(int(t[-1].astype(np.int64))), recv),
    )
    report.add("open_interest", len(series), store.write_open_interest(series, ts_recv=recv, replace=True))
    return report
