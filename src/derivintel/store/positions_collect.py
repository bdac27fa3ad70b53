"""Collecting Hyperliquid positions into the store, round after round (injectable discovery, reader and clock).

One round: discovery (addresses from recent trades, marks and OI of the coins) → the known addresses in priority
order, as many as the rate limits allow within the period (``PollLimits.reads_within``; half by priority, half
oldest-read first so that every address is read in turn: ``select_for_round``) → ``poll_round`` (failed
reads retried once at the end, then recorded as failures) → snapshots written. A failing round step is reported in
the status line and the collector goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from derivintel.sources.hyperliquid.poller import AccountRead, Discovery, PollLimits, PollRound, poll_round
from derivintel.store.collect import aligned_rounds
from derivintel.store.history_store import HistoryStore
from derivintel.store.positions_store import KnownAddress, PositionsStore

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def select_for_round(known: list[KnownAddress], cap: int, *, priority_share: float = 0.5) -> list[str]:
    """The addresses to read this round: the first ``priority_share`` of ``cap`` in priority order (largest accounts,
    most traded), the rest by oldest read first (never read first), so every known address is read in turn."""
    if cap >= len(known):
        return [k.address for k in known]
    head = known[: int(cap * priority_share)]
    rest = sorted(enumerate(known[len(head) :]), key=lambda ik: (ik[1].last_read or EPOCH, ik[0]))
    return [k.address for k in head] + [k.address for _, k in rest[: cap - len(head)]]


@dataclass(frozen=True, slots=True)
class PositionsRoundStatus:
    """One round: addresses new/known, how many were polled, the poll outcome and discovery failures."""

    started_at: datetime
    new_addresses: int
    known_addresses: int
    polled: int
    cap: int
    poll: PollRound | None
    failures: tuple[str, ...]

    @property
    def line(self) -> str:
        head = (
            f"{self.started_at:%Y-%m-%d %H:%M:%S} UTC  +{self.new_addresses} address(es), {self.known_addresses} "
            f"known; polled {self.polled} (limit {self.cap} per period)"
        )
        body = "" if self.poll is None else "; " + self.poll.line.split("  ", 1)[1]
        fail = f"; {len(self.failures)} problem(s): {'; '.join(self.failures)}" if self.failures else ""
        return head + body + fail


@dataclass(slots=True)
class PositionsCollectorState:
    rounds: int = 0
    history: list[PositionsRoundStatus] = field(default_factory=list)


def collect_positions_once(
    store: HistoryStore,
    *,
    discover: Callable[[], Discovery],
    read: AccountRead,
    limits: PollLimits,
    period_s: float,
    now: datetime,
) -> PositionsRoundStatus:
    """One round (never raises for a venue failure: it lands in ``failures``)."""
    ps = PositionsStore(store)
    problems: list[str] = []
    try:
        found = discover()
    except Exception as exc:  # a discovery crash must not stop the polling of already known addresses
        found = Discovery(failures=[f"discovery: {type(exc).__name__}: {exc}"])
    problems += found.failures
    new = ps.record_sightings(found.sightings)
    if found.perps:
        store.write_perps(found.perps)
    known = ps.addresses()
    cap = limits.reads_within(period_s, reserved_weight=found.weight)
    todo = select_for_round(known, cap)
    result = asyncio.run(poll_round(todo, read, now=now)) if todo else None
    if result is not None:
        for state in result.read:
            ps.write_account(state)
        for address, error in result.failures:
            ps.record_failure(address, now, error)
    return PositionsRoundStatus(now, new, len(known), len(todo), cap, result, tuple(problems))


def run_positions_collector(
    store: HistoryStore,
    *,
    discover: Callable[[], Discovery],
    read: AccountRead,
    every_s: float,
    limits: PollLimits | None = None,
    rounds: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    on_status: Callable[[PositionsRoundStatus], None] = lambda s: None,
) -> PositionsCollectorState:
    """Rounds every ``every_s`` seconds (aligned to the clock), forever or ``rounds`` times."""
    limits = limits or PollLimits()
    state = PositionsCollectorState()
    for now in aligned_rounds(every_s, rounds=rounds, clock=clock, sleep=sleep):
        status = collect_positions_once(store, discover=discover, read=read, limits=limits, period_s=every_s, now=now)
        state.rounds += 1
        state.history.append(status)
        on_status(status)
    return state
