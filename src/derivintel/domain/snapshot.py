"""``MarketSnapshot``: everything known at ``as_of`` for a primary (and secondary) asset, with gaps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from derivintel.core.provenance import Gap
from derivintel.domain.futures import DatedFuture
from derivintel.domain.liquidations import LiquidationEvent
from derivintel.domain.macro import MacroSeries
from derivintel.domain.option_trades import OptionTrades
from derivintel.domain.options import OptionChain
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.positions import ObservedPositions
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortSeries,
    OpenInterestSeries,
    TakerVolumeSeries,
)
from derivintel.domain.venue import Market, VenueId


@dataclass(frozen=True, eq=False)
class AssetData:
    """All observations for one asset across venues."""

    asset: str
    perps: tuple[PerpMetrics, ...] = ()
    candles: tuple[CandleSeries, ...] = ()
    open_interest: tuple[OpenInterestSeries, ...] = ()
    funding: tuple[FundingSeries, ...] = ()
    long_short: tuple[LongShortSeries, ...] = ()
    taker_volume: tuple[TakerVolumeSeries, ...] = ()
    books: tuple[OrderBook, ...] = ()
    options: OptionChain | None = None
    # Dated (delivery) futures across venues, one per listed expiry: the basis curve's input.
    futures: tuple[DatedFuture, ...] = ()
    # Option chains of the other option venues (OKX, Bybit, Binance), keyed by venue; ``options`` stays Deribit's.
    venue_options: Mapping[VenueId, OptionChain] = field(default_factory=dict)
    # Option trades (Deribit, all kinds of the currency's options): the last 24 h live, plus stored trades since
    # the inventory's start when a history store holds them (``OptionTrades.covered_from``).
    option_trades: OptionTrades | None = None
    liquidations: tuple[LiquidationEvent, ...] = ()
    # All-exchange aggregates from a keyed aggregator (Coinglass): cross-checks, never summed with the venues.
    aggregate_open_interest: OpenInterestSeries | None = None
    aggregate_funding: FundingSeries | None = None
    # Accounts' open positions read from a venue that publishes them (Hyperliquid); None when not collected.
    observed_positions: ObservedPositions | None = None

    def candles_for(self, *, market: Market = "perp", interval_s: int | None = None) -> CandleSeries | None:
        """The longest candle series of ``market`` (and ``interval_s`` when given); None when there is none."""
        pool = [c for c in self.candles if c.market == market and (interval_s is None or c.interval_s == interval_s)]
        return max(pool, key=len) if pool else None


@dataclass(frozen=True, eq=False)
class MarketSnapshot:
    """Point-in-time view. ``assets`` maps asset → data; ``primary`` is the report's subject.

    ``gaps`` lists what is missing and why; ``synthetic`` is True only for the offline demo scenario.
    """

    as_of: datetime
    primary: str
    assets: Mapping[str, AssetData]
    macro: Mapping[str, MacroSeries] = field(default_factory=dict)
    gaps: tuple[Gap, ...] = ()
    synthetic: bool = False

    @property
    def secondary(self) -> tuple[str, ...]:
        return tuple(a for a in self.assets if a != self.primary)

    def asset(self, name: str) -> AssetData:
        return self.assets[name]
