"""Polling Hyperliquid accounts within the venue's published rate limits.

- ``PollLimits``/``plan_round``: pure planning on a simulated clock. Reads of ``clearinghouseState`` (weight 2) are
  spaced evenly so that no 60-second window spends more than ``usable_fraction`` of the per-IP budget (1200 weight
  per minute); the rest is left to the report's other Hyperliquid requests and to other clients on the same IP.
- ``poll_round``: one round over addresses (priority order) with an injectable ``read(address)``; a failed read is
  skipped, retried once after every other address of the round, and if it fails again recorded as a failure: its
  positions are missing for the round, never zero.
- ``http_reader``: the live ``read`` over the shared ``HttpFetcher`` (retries, ``Retry-After``, token bucket set from
  ``PollLimits``), and ``fetch_discovery`` (``recentTrades`` + ``metaAndAssetCtxs`` for OI and marks).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx

from derivintel.core.errors import SourceError
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.positions import AccountState, AddressSighting
from derivintel.sources.declarations import RateLimit, fill
from derivintel.sources.http import HttpFetcher, RequestSpec
from derivintel.sources.hyperliquid import parse as hl_parse
from derivintel.sources.hyperliquid.endpoints import PROVIDER
from derivintel.sources.hyperliquid.positions import (
    CLEARINGHOUSE_STATE,
    INFO_WEIGHTS,
    RECENT_TRADES,
    parse_clearinghouse_state,
    parse_recent_trades,
)

if TYPE_CHECKING:  # the config's type only: importing it would tie this venue folder to config at run time
    from derivintel.sources.config import SourceConfig


@dataclass(frozen=True, slots=True)
class PollLimits:
    """How much of Hyperliquid's per-IP REST budget the poller may use (weights from ``INFO_WEIGHTS``)."""

    budget_per_min: int = INFO_WEIGHTS.budget_per_min
    weight: int = INFO_WEIGHTS.clearinghouse_state
    usable_fraction: float = 0.8
    max_concurrent: int = 4

    def __post_init__(self) -> None:
        if not 0 < self.usable_fraction <= 1 or self.weight <= 0 or self.budget_per_min <= 0:
            raise ValueError("PollLimits: need 0 < usable_fraction <= 1 and positive weight and budget")

    @property
    def usable_per_min(self) -> float:
        return self.budget_per_min * self.usable_fraction

    @property
    def spacing_s(self) -> float:
        """Seconds between two account reads."""
        return self.weight * 60.0 / self.usable_per_min

    @property
    def reads_per_s(self) -> float:
        return 1.0 / self.spacing_s

    def rate_limit(self) -> RateLimit:
        """The fetch layer's token bucket for these limits (burst 1: even spacing, never a burst over budget)."""
        return RateLimit(requests_per_s=self.reads_per_s, burst=1, max_concurrent=self.max_concurrent)

    def reads_within(self, seconds: float, *, reserved_weight: float = 0.0) -> int:
        """Account reads that fit in ``seconds`` after ``reserved_weight`` is spent on other requests."""
        spare = self.usable_per_min * seconds / 60.0 - reserved_weight
        return max(0, int(spare // self.weight))


@dataclass(frozen=True, slots=True)
class Slot:
    """One planned read: ``at_s`` seconds after the round starts, costing ``weight``."""

    address: str
    at_s: float
    weight: int


@dataclass(frozen=True, slots=True)
class RoundPlan:
    slots: tuple[Slot, ...]
    duration_s: float


def plan_round(addresses: Sequence[str], limits: PollLimits, *, start_s: float = 0.0) -> RoundPlan:
    """Evenly spaced reads of ``addresses`` in order; ``duration_s`` is the time the limits allow for the round."""
    step = limits.spacing_s
    slots = tuple(Slot(a, start_s + i * step, limits.weight) for i, a in enumerate(addresses))
    return RoundPlan(slots, len(addresses) * step)


@dataclass(frozen=True, slots=True)
class PollRound:
    """Outcome of one round: accounts read, failures (``address: error``) after the retry, retried successes."""

    started_at: datetime
    read: tuple[AccountState, ...]
    failures: tuple[tuple[str, str], ...]
    retried_ok: int
    positions: int

    @property
    def line(self) -> str:
        fail = f", {len(self.failures)} failed (skipped, retried next round)" if self.failures else ""
        retry = f", {self.retried_ok} recovered on retry" if self.retried_ok else ""
        return (
            f"{self.started_at:%Y-%m-%d %H:%M:%S} UTC  {len(self.read)} account(s) read, {self.positions} "
            f"position(s){retry}{fail}"
        )


AccountRead = Callable[[Sequence[str]], Awaitable[list[AccountState | SourceError]]]


async def poll_round(addresses: Sequence[str], read: AccountRead, *, now: datetime) -> PollRound:
    """Read every address; failures are retried once at the end of the round, then reported (not zero)."""
    first = await read(addresses)
    ok = [r for r in first if isinstance(r, AccountState)]
    failed = [a for a, r in zip(addresses, first, strict=True) if not isinstance(r, AccountState)]
    retried = await read(failed) if failed else []
    ok += [r for r in retried if isinstance(r, AccountState)]
    failures = tuple((a, str(r)) for a, r in zip(failed, retried, strict=True) if not isinstance(r, AccountState))
    n_pos = sum(len(s.positions) for s in ok)
    return PollRound(now, tuple(ok), failures, sum(isinstance(r, AccountState) for r in retried), n_pos)


def _client(config: SourceConfig, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(headers={"User-Agent": config.user_agent}, transport=transport, follow_redirects=True)


def _spec(config: SourceConfig, dataset: str, body: object, asset: str | None = None) -> RequestSpec:
    url = config.base_url(PROVIDER.name, PROVIDER.base_url) + CLEARINGHOUSE_STATE.path
    return RequestSpec(PROVIDER.name, dataset, asset, "POST", url, json_body=body)


def http_reader(
    config: SourceConfig,
    limits: PollLimits,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> AccountRead:
    """``read(addresses)`` over HTTP: one ``clearinghouseState`` per address, paced by ``limits``; every failure
    (HTTP after retries, bad payload) is returned as a ``SourceError`` in the address's place."""

    async def read(addresses: Sequence[str]) -> list[AccountState | SourceError]:
        async with _client(config, transport) as client:
            fetcher = HttpFetcher(
                client=client,
                config=config,
                rate_limits={PROVIDER.name: limits.rate_limit()},
                error_codes={PROVIDER.name: PROVIDER.error_codes},
            )

            async def one(address: str) -> AccountState | SourceError:
                body = fill(dict(CLEARINGHOUSE_STATE.body or {}), {"user": address})
                try:
                    raw = await fetcher.fetch(_spec(config, CLEARINGHOUSE_STATE.dataset, body))
                    return parse_clearinghouse_state(raw.body, address=address, ts_recv=clock())
                except SourceError as exc:
                    return exc

            return list(await asyncio.gather(*(one(a) for a in addresses)))

    return read


@dataclass(slots=True)
class Discovery:
    """One discovery pass: sightings per coin, HL perps (mark, OI), failures as ``coin: error`` and the weight
    the answers cost."""

    sightings: list[AddressSighting] = field(default_factory=list)
    perps: list[PerpMetrics] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    not_addresses: int = 0
    weight: int = 0


async def fetch_discovery(
    coins: Sequence[str],
    config: SourceConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    recent_trades: bool = True,
) -> Discovery:
    """``recentTrades`` per coin (addresses; skipped when ``recent_trades`` is False, e.g. when the websocket
    ``trades`` stream discovers them) and one ``metaAndAssetCtxs`` (marks and OI of ``coins``)."""
    out = Discovery()
    async with _client(config, transport) as client:
        fetcher = HttpFetcher(
            client=client,
            config=config,
            rate_limits={PROVIDER.name: PROVIDER.rate_limit},
            error_codes={PROVIDER.name: PROVIDER.error_codes},
        )
        for coin in coins if recent_trades else ():
            body = fill(dict(RECENT_TRADES.body or {}), {"symbol": PROVIDER.symbol(coin)})
            try:
                raw = await fetcher.fetch(_spec(config, RECENT_TRADES.dataset, body, coin))
                read = parse_recent_trades(raw.body, coin=coin)
            except SourceError as exc:
                out.failures.append(f"{coin} trades: {exc.message}")
                continue
            out.sightings += read.sightings
            out.not_addresses += read.not_addresses
            out.weight += INFO_WEIGHTS.recent_trades_weight(read.trades)
        try:
            raw = await fetcher.fetch(_spec(config, "metaAndAssetCtxs", {"type": "metaAndAssetCtxs"}))
            out.weight += INFO_WEIGHTS.other_info
            for coin in coins:
                try:
                    out.perps.append(hl_parse.parse_meta_and_asset_ctxs(raw.body, asset=coin, ts_recv=clock()))
                except SourceError as exc:
                    out.failures.append(f"{coin} OI: {exc.message}")
        except SourceError as exc:
            out.failures.append(f"metaAndAssetCtxs: {exc.message}")
    return out
