"""Data freshness: for each source in a snapshot, its observation time, age at ``as_of`` and staleness budget."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import numpy as np

from derivintel.core.provenance import STALENESS_BUDGET_S, Source
from derivintel.core.timeutil import dt64_to_datetime
from derivintel.domain.series import CandleSeries, TakerVolumeSeries
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.report.model import FreshnessEntry


def _observations(snapshot: MarketSnapshot) -> Iterator[tuple[str, Source, datetime, float]]:
    """(label, source, observed_at, budget_s) for every observation in the snapshot."""
    for asset, data in snapshot.assets.items():
        for p in data.perps:
            yield f"{asset} {p.source.label}", p.source, p.source.as_of, STALENESS_BUDGET_S["price"]
        for series, kind in (
            *((c, "candles") for c in data.candles),
            *((o, "open_interest") for o in data.open_interest),
            *((f, "funding") for f in data.funding),
            *((ls, "long_short") for ls in data.long_short),
            *((tv, "candles") for tv in data.taker_volume),
        ):
            if len(series) == 0:
                continue
            # Bar series are stamped at the bar's open and known at its close; point series at their time.
            is_bar = isinstance(series, (CandleSeries, TakerVolumeSeries))
            interval = int(getattr(series, "interval_s", 0))
            last = dt64_to_datetime(series.ts[-1] + np.timedelta64(interval if is_bar else 0, "s"))
            budget = STALENESS_BUDGET_S[kind] + interval
            if kind == "funding":
                budget = STALENESS_BUDGET_S[kind] + float(series.interval_hours[-1]) * 3600
            yield f"{asset} {series.source.label}", series.source, last, budget
        for book in data.books:
            yield f"{asset} {book.source.label}", book.source, book.source.as_of, STALENESS_BUDGET_S["orderbook"]
        if data.options is not None:
            src = data.options.source
            yield f"{asset} {src.label}", src, src.as_of, STALENESS_BUDGET_S["options"]
        if data.observed_positions is not None:  # as_of = its oldest account read
            src = data.observed_positions.source
            yield f"{asset} {src.label}", src, src.as_of, STALENESS_BUDGET_S["positions"]
    for series in snapshot.macro.values():
        if len(series):
            last = dt64_to_datetime(series.ts[-1])
            yield series.source.label + f" ({series.name})", series.source, last, STALENESS_BUDGET_S["macro"]


def collect_freshness(snapshot: MarketSnapshot) -> list[FreshnessEntry]:
    """One entry per source label (the most recent observation of that label), sorted by label."""
    latest: dict[str, tuple[Source, datetime, float]] = {}
    for label, source, observed, budget in _observations(snapshot):
        if label not in latest or observed > latest[label][1]:
            latest[label] = (source, observed, budget)
    entries = []
    for label in sorted(latest):
        source, observed, budget = latest[label]
        age = (snapshot.as_of - observed).total_seconds()
        entries.append(
            FreshnessEntry(
                source=label,
                as_of=observed,
                fetched_at=source.fetched_at,
                age_s=max(age, 0.0),
                budget_s=float(budget),
                stale=age > budget,
            )
        )
    return entries
