"""The market scan's observations: one ``PerpTicker`` per listed perp from a venue's bulk (all-symbols) answer.

A ``PerpTicker`` is a ``PerpMetrics`` (mark, index, funding per interval, single-sided OI in coins, 24h volume USD)
with what a bulk ticker adds: the 24h price change as a fraction. A ``ScanUniverse`` holds every venue's rows, the
gaps of the venues or datasets that failed, and whether the rows are synthetic (demo). ``ScanHistory`` is what the
history store knows about them, read by the app and passed to the scanner.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from derivintel.core.provenance import Gap
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.venue import VenueId

_MULTIPLIER = re.compile(r"^(?:1000000|1000)([A-Z][A-Z0-9]*)$")  # Binance/Bybit 1000PEPE, 1000000MOG
_HL_KILO = re.compile(r"^k([A-Z][A-Z0-9]*)$")  # Hyperliquid kPEPE, kBONK


def base_key(asset: str) -> str:
    """The base asset perps are grouped under across venues: multiplier prefixes stripped (``1000PEPE`` and
    ``kPEPE`` → ``PEPE``; ``1INCH`` stays). Prices differ by the multiplier, but every aggregated figure (OI USD,
    funding, basis, changes) is unit-free or in USD, so the group is comparable."""
    for pattern in (_MULTIPLIER, _HL_KILO):
        m = pattern.match(asset)
        if m:
            return m.group(1)
    return asset


@dataclass(frozen=True, slots=True)
class PerpTicker(PerpMetrics):
    """One perp of one venue in a bulk scan. ``asset`` is the venue's base name as published (``1000PEPE`` for
    ``1000PEPEUSDT``, ``kPEPE`` on Hyperliquid); ``base_key`` groups the names of one coin across venues.

    ``price_change_24h_frac`` is the fractional change over the venue's rolling 24h (``0.05`` = +5 %), None when
    the bulk answer lacks it. ``oi_source`` names the dataset the OI came from when it is not ``source`` (OKX OI is a
    separate bulk request); None when OI comes with the row or is missing.
    """

    price_change_24h_frac: float | None = None
    oi_source: str | None = None


@dataclass(frozen=True, slots=True)
class ScanUniverse:
    """Every venue's bulk rows at scan time. ``venues`` are the venues asked (in order); ``gaps`` what failed
    (a failed venue has no rows and a gap, never zeros); ``synthetic`` marks the offline demo universe."""

    tickers: tuple[PerpTicker, ...]
    venues: tuple[VenueId, ...]
    gaps: tuple[Gap, ...] = ()
    synthetic: bool = False

    def for_venue(self, venue: VenueId) -> tuple[PerpTicker, ...]:
        return tuple(t for t in self.tickers if t.venue == venue)


@dataclass(frozen=True, slots=True)
class ScanHistory:
    """What the history store knows, read by the app and passed in (the scanner reads no store).

    ``oi_base_before[(venue, base)]``: single-sided OI in coins ``oi_change_hours`` before the scan (from stored
    OI series); ``funding_1h[(venue, base)]``: stored settled per-hour funding rates over ``lookback_days``;
    ``liquidations_usd[base]``: realised (long, short) liquidations in USD over ``liquidation_hours``;
    ``long_share[base]``: latest stored long share (fraction of accounts, 0..1) and what it counts.
    ``store`` names the store (the source of these figures); None when no store was given.
    """

    oi_base_before: Mapping[tuple[VenueId, str], float] = field(default_factory=dict)
    funding_1h: Mapping[tuple[VenueId, str], np.ndarray] = field(default_factory=dict)
    liquidations_usd: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    long_share: Mapping[str, tuple[float, str]] = field(default_factory=dict)
    store: str | None = None
    oi_change_hours: int = 24
    lookback_days: int = 30
    liquidation_hours: int = 24
    min_funding_obs: int = 10
