"""Polling collector and backfill, written against small injectable callables (no venue code here).

- ``collect_once(fetch, assets, store)``: one round: ``fetch(asset) -> MarketSnapshot`` per asset, every observation
  written (each series one transaction). A failing fetch or write is recorded and the round goes on.
- ``run_collector(...)``: rounds every ``every_s`` seconds (aligned to the clock, injectable ``clock``/``sleep``),
  printing a status line per round; keeps running through failures; stops after ``rounds`` when given.
- ``backfill(fetch_history, asset, days, store, now)``: ``fetch_history(asset, start, end)`` returns domain series
  (what the venues' history endpoints give); each is written in its own transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

import numpy as np

from derivintel.core.timeutil import to_datetime64
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.store.history_store import HistoryStore, Series, table_of

SnapshotFetch = Callable[[str], MarketSnapshot]
HistoryFetch = Callable[[str, datetime, datetime], Iterable[Series]]


@dataclass(frozen=True, slots=True)
class RoundStatus:
    """One collection round: when it started, rows newly stored per table, and failures as ``asset: error``."""

    started_at: datetime
    inserted: dict[str, int]
    failures: tuple[str, ...]
    gaps: int

    @property
    def line(self) -> str:
        rows = sum(self.inserted.values())
        tables = ", ".join(f"{k} +{v}" for k, v in sorted(self.inserted.items()) if v)
        fail = f"; {len(self.failures)} failed: {'; '.join(self.failures)}" if self.failures else ""
        return (
            f"{self.started_at:%Y-%m-%d %H:%M:%S} UTC  +{rows} rows"
            + (f" ({tables})" if tables else "")
            + f"; {self.gaps} gap(s){fail}"
        )


def collect_once(fetch: SnapshotFetch, assets: Sequence[str], store: HistoryStore, *, now: datetime) -> RoundStatus:
    """Fetch and store every asset once; never raises for a failing asset (it is listed in ``failures``)."""
    inserted: dict[str, int] = {}
    failures: list[str] = []
    gaps = 0
    for asset in assets:
        try:
            snap = fetch(asset)
            added = store.write_snapshot(snap)
        except Exception as exc:
            failures.append(f"{asset}: {type(exc).__name__}: {exc}")
            continue
        gaps += len(snap.gaps)
        for k, v in added.items():
            inserted[k] = inserted.get(k, 0) + v
    return RoundStatus(now, inserted, tuple(failures), gaps)


@dataclass(slots=True)
class CollectorState:
    """Counters over a collector run."""

    rounds: int = 0
    failed_rounds: int = 0
    inserted: int = 0
    history: list[RoundStatus] = field(default_factory=list)


def run_collector(
    fetch: SnapshotFetch,
    assets: Sequence[str],
    store: HistoryStore,
    *,
    every_s: float,
    rounds: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    on_status: Callable[[RoundStatus], None] = lambda s: None,
) -> CollectorState:
    """Poll forever (or ``rounds`` times), one round every ``every_s`` seconds aligned to multiples of ``every_s``."""
    state = CollectorState()
    for now in aligned_rounds(every_s, rounds=rounds, clock=clock, sleep=sleep):
        status = collect_once(fetch, assets, store, now=now)
        state.rounds += 1
        state.failed_rounds += bool(status.failures)
        state.inserted += sum(status.inserted.values())
        state.history.append(status)
        on_status(status)
    return state


def aligned_rounds(
    every_s: float,
    *,
    rounds: int | None,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> Iterator[datetime]:
    """The start time of each round, forever or ``rounds`` times; between rounds, sleep to the next multiple of
    ``every_s`` seconds (so rounds stay on the clock's grid however long each one takes)."""
    if every_s <= 0:
        raise ValueError("every_s must be positive")
    done = 0
    while rounds is None or done < rounds:
        yield clock()
        done += 1
        if rounds is not None and done >= rounds:
            return
        sleep(max(0.0, every_s - clock().timestamp() % every_s))


@dataclass(frozen=True, slots=True)
class BackfillReport:
    """Rows read and newly inserted per table, and the requested window."""

    asset: str
    start: datetime
    end: datetime
    read: dict[str, int]
    inserted: dict[str, int]


def backfill(
    fetch_history: HistoryFetch, asset: str, days: int, store: HistoryStore, *, now: datetime
) -> BackfillReport:
    """Store what ``fetch_history(asset, now − days, now)`` returns (rows after ``now`` are not expected)."""
    if days <= 0:
        raise ValueError("days must be positive")
    start = now - timedelta(days=days)
    read: dict[str, int] = {}
    inserted: dict[str, int] = {}
    for s in fetch_history(asset, start, now):
        t = table_of(s)
        read[t] = read.get(t, 0) + len(s)
        inserted[t] = inserted.get(t, 0) + store.write_series(s)
    return BackfillReport(asset, start, now, read, inserted)


def history_from_snapshot(fetch: SnapshotFetch) -> HistoryFetch:
    """Adapter: the histories contained in a (live) snapshot — klines, OI, funding, long/short, taker volume — cut to
    [start, end]. The live snapshot endpoints return only their recent window (e.g. 1500 klines, 30 days of OI);
    deeper paging is for the live connectors to add."""

    def fetch_history(asset: str, start: datetime, end: datetime) -> Iterable[Series]:
        data = fetch(asset).asset(asset)
        for group in (data.candles, data.open_interest, data.funding, data.long_short, data.taker_volume):
            for s in group:
                cut = s.until(end)
                mask = cut.ts >= to_datetime64(start)
                if mask.any():
                    yield _select(cut, mask)

    return fetch_history


def _select(series: Series, mask: np.ndarray) -> Series:
    kwargs = {}
    for f in fields(series):  # type: ignore[arg-type]
        v = getattr(series, f.name)
        kwargs[f.name] = v[mask] if isinstance(v, np.ndarray) and len(v) == len(mask) else v
    return type(series)(**kwargs)
