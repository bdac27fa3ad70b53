"""Snapshot assembly shared by every venue: ``Parts`` (one asset's data being built), ``Assembler`` (looks up the
recorded responses, runs a venue's parsers and turns every failure into one ``Gap``) and the gap of an error.

A venue's ``<venue>/assemble.py`` fills its part of the snapshot with these; ``sources/live.py`` drives them in
the order the registry lists (``registry.ASSEMBLY``). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from derivintel.core.errors import SourceError
from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.futures import DatedFuture
from derivintel.domain.macro import MacroSeries
from derivintel.domain.option_trades import OptionTrades
from derivintel.domain.options import OptionChain
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.rescale import per_coin
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortSeries,
    OpenInterestSeries,
    TakerVolumeSeries,
)
from derivintel.domain.snapshot import AssetData
from derivintel.domain.universe import Listing, Universe
from derivintel.sources.declarations import Provider, venue_symbol
from derivintel.sources.wire import BLOCKED_STATUS, REJECTED_KEY_STATUS, RawResponse

T = TypeVar("T")
Key = tuple[str, str, str | None]
Macro = dict[str, MacroSeries]


def error_gap(error: SourceError, provider: str, dataset: str, asset: str | None, message: str | None = None) -> Gap:
    """The gap of a failed request for ``asset`` (None: not asset-specific): the error class's gap kind and the
    (redacted) ``message``."""
    return Gap(provider, dataset, gap_kind(error), error.message if message is None else message, asset)


def gap_kind(error: SourceError) -> GapKind:
    """Gap kind of a source error: declared once per error class (``SourceError.gap_kind``)."""
    return GapKind(error.gap_kind)


def _gap_for_status(status: int) -> GapKind:
    return GapKind.BLOCKED if status in BLOCKED_STATUS else GapKind.UNAVAILABLE


def status_gap(provider: str, dataset: str, status: int, asset: str | None, key_env: Mapping[str, str]) -> Gap:
    """Gap for a recorded non-2xx answer; a keyed provider's 401/403 means its key was rejected (not retried).
    ``key_env`` maps each keyed provider to the environment variable named in the message."""
    if provider in key_env and status in REJECTED_KEY_STATUS:
        var = key_env[provider]
        reason = f"rejected key (HTTP {status}: invalid key or endpoint not in the plan; not retried); check {var}"
        return Gap(provider, dataset, GapKind.NOT_CONFIGURED, reason, asset)
    return Gap(provider, dataset, _gap_for_status(status), f"HTTP {status}", asset)


@dataclass
class Parts:
    """One asset's data while a snapshot is assembled; ``freeze`` makes the ``AssetData``."""

    perps: list[PerpMetrics] = field(default_factory=list)
    candles: list[CandleSeries] = field(default_factory=list)
    open_interest: list[OpenInterestSeries] = field(default_factory=list)
    funding: list[FundingSeries] = field(default_factory=list)
    long_short: list[LongShortSeries] = field(default_factory=list)
    taker_volume: list[TakerVolumeSeries] = field(default_factory=list)
    books: list[OrderBook] = field(default_factory=list)
    options: OptionChain | None = None
    futures: list[DatedFuture] = field(default_factory=list)
    venue_options: dict[str, OptionChain] = field(default_factory=dict)
    option_trades: OptionTrades | None = None
    aggregate_open_interest: OpenInterestSeries | None = None
    aggregate_funding: FundingSeries | None = None

    _LISTS = ("perps", "candles", "open_interest", "funding", "long_short", "taker_volume", "books")

    def sizes(self) -> dict[str, int]:
        """How many observations each list holds (to find what one venue's step added)."""
        return {name: len(getattr(self, name)) for name in self._LISTS}

    def restate_per_coin(self, since: dict[str, int], asset: str, unit_multiplier: float) -> None:
        """Restate the observations added after ``since`` per coin of ``asset`` (a listing in bundles of
        ``unit_multiplier`` units: ``domain.rescale.per_coin``)."""
        for name in self._LISTS:
            items = getattr(self, name)
            items[since[name] :] = [per_coin(o, asset, unit_multiplier) for o in items[since[name] :]]

    def freeze(self, asset: str) -> AssetData:
        return AssetData(
            asset=asset,
            perps=tuple(self.perps),
            candles=tuple(self.candles),
            open_interest=tuple(self.open_interest),
            funding=tuple(self.funding),
            long_short=tuple(self.long_short),
            taker_volume=tuple(self.taker_volume),
            books=tuple(self.books),
            options=self.options,
            futures=tuple(self.futures),
            venue_options=dict(self.venue_options),
            option_trades=self.option_trades,
            aggregate_open_interest=self.aggregate_open_interest,
            aggregate_funding=self.aggregate_funding,
        )


class Assembler:
    """Looks up recorded responses, runs parsers, and turns every failure into one ``Gap``."""

    def __init__(
        self,
        responses: Sequence[RawResponse],
        failures: Mapping[Key, Gap],
        key_env: Mapping[str, str],
        universe: Universe | None = None,
    ) -> None:
        self.key_env = key_env
        self.universe = universe
        self.latest: dict[Key, RawResponse] = {}
        self.paged: dict[Key, dict[int, RawResponse]] = {}
        for raw in responses:  # the last attempt per key (and page) wins
            self.paged.setdefault(raw.key, {})[raw.page] = raw
            if raw.page == 0:
                self.latest[raw.key] = raw
        self.failures = dict(failures)
        self.gaps: dict[tuple[Key, str], Gap] = {}

    def _add_gap(self, key: Key, gap: Gap) -> None:
        self.gaps.setdefault((key, gap.reason), gap)

    def symbol(self, provider: Provider, asset: str) -> str:
        """``asset``'s instrument name on ``provider`` (the universe's listing, else the declared template)."""
        return venue_symbol(provider, asset, self.universe)

    def listing(self, provider: str, asset: str) -> Listing | None:
        """The universe's listing of ``asset`` on ``provider`` (contract size, tick, funding interval), if any."""
        return None if self.universe is None else self.universe.listing(provider, asset)

    def raw(self, provider: str, dataset: str, asset: str | None) -> RawResponse | None:
        key = (provider, dataset, asset)
        if key in self.failures:
            self._add_gap(key, self.failures[key])
            return None
        raw = self.latest.get(key)
        if raw is None:
            self._add_gap(key, Gap(provider, dataset, GapKind.UNAVAILABLE, "no response recorded", asset))
            return None
        if not raw.ok:
            self._add_gap(key, status_gap(provider, dataset, raw.status, asset, self.key_env))
            return None
        return raw

    def parse(self, provider: str, dataset: str, asset: str | None, fn: Callable[[RawResponse], T]) -> T | None:
        """``fn(raw)`` for the recorded response, or None with a gap recorded (missing response or parse error)."""
        raw = self.raw(provider, dataset, asset)
        if raw is None:
            return None
        try:
            return fn(raw)
        except SourceError as exc:
            self._add_gap(raw.key, Gap(provider, dataset, gap_kind(exc), exc.message, asset))
        except (ValueError, TypeError, KeyError, IndexError) as exc:  # domain-type invariants on odd payloads
            reason = f"{type(exc).__name__}: {exc}"
            self._add_gap(raw.key, Gap(provider, dataset, GapKind.BAD_PAYLOAD, reason, asset))
        return None

    def parse_pages(
        self, provider: str, dataset: str, asset: str | None, fn: Callable[[list[RawResponse]], T]
    ) -> T | None:
        """``fn(pages)`` for every recorded page of a paged dataset, in page order (the first page decides
        whether the dataset answered); None with a gap on a failed page or a parse error."""
        if self.raw(provider, dataset, asset) is None:
            return None
        pages = [self.paged[(provider, dataset, asset)][n] for n in sorted(self.paged[(provider, dataset, asset)])]
        who = f"{asset}: " if asset else ""
        bad = next((p for p in pages if not p.ok), None)
        if bad is not None:
            gap = status_gap(provider, dataset, bad.status, who, self.key_env)
            self._add_gap(bad.key, Gap(provider, dataset, gap.kind, f"{gap.reason} (page {bad.page + 1})"))
            return None
        return self.parse(provider, dataset, asset, lambda _first: fn(pages))

    def dependent(self, provider: str, dataset: str, asset: str | None, needs: Key) -> None:
        """``dataset`` cannot be used because ``needs`` failed: a gap of the same kind as ``needs``' gap."""
        raw = self.raw(provider, dataset, asset)
        if raw is None:
            return
        kinds = [g.kind for (key, _), g in self.gaps.items() if key == needs] or [GapKind.UNAVAILABLE]
        reason = f"not usable without {needs[0]}/{needs[1]}"
        self._add_gap(raw.key, Gap(provider, dataset, kinds[0], reason, asset))

    def flag(self, gap: Gap) -> None:
        """Record a caveat on data that was parsed (a convention the payload left unstated)."""
        self.gaps.setdefault(((gap.source, gap.dataset, gap.asset), gap.reason), gap)

    def gap_list(self) -> tuple[Gap, ...]:
        return tuple(self.gaps.values())


def add(bucket: list[Any], value: Any) -> None:
    if value is not None:
        bucket.append(value)


# One venue's step: fill ``Parts`` of one asset (and market-wide ``Macro`` series it owns, e.g. Deribit DVOL).
AssetStep = Callable[[Assembler, str, Parts, Macro], None]
# A market-wide step: macro series not tied to an asset (FRED, CoinGecko, DefiLlama, CryptoQuant).
MarketStep = Callable[[Assembler, Macro], None]


@dataclass(frozen=True, slots=True)
class Assembly:
    """What a provider contributes to a snapshot: a per-asset step, a market-wide step, or both."""

    provider: str
    per_asset: AssetStep | None = None
    market: MarketStep | None = None
