"""Scanner output types. Units in the names: fractions (not percent), funding per hour, OI single-sided in USD.

Every figure a row holds is either a number or None with its reason in ``missing`` (keyed by the field name): a
venue that failed or a column a venue does not publish is a gap, never a zero. Each row names its ``source``
(``provider/dataset``), ``as_of`` (the venue's event time) and ``staleness_s`` (scan time − as_of).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from derivintel.core.provenance import Gap
from derivintel.domain.scan import ScanHistory, base_key

__all__ = ["AssetScan", "PerpScan", "ScanHistory", "ScanResult", "base_key"]


@dataclass(frozen=True, slots=True)
class PerpScan:
    """One venue's perp. ``funding_1h`` is normalised by the venue's interval (``funding_interval_h``)."""

    venue: str
    symbol: str
    base: str
    mark_usd: float
    index_usd: float | None
    oi_base: float | None
    oi_usd: float | None
    oi_change_frac: float | None
    funding_1h: float | None
    funding_apr: float | None
    funding_interval_h: float | None
    funding_z: float | None
    basis_frac: float | None
    volume_24h_usd: float | None
    price_change_24h_frac: float | None
    source: str
    as_of: datetime
    staleness_s: float
    synthetic: bool
    missing: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AssetScan:
    """One base asset across venues. ``funding_1h`` is OI-weighted over the venues with both funding and OI
    (``Σ r·OI / Σ OI``), else the plain mean (said in ``missing['funding_weighting']``); ``funding_spread_1h`` is
    max − min per-hour funding across venues (``funding_max_venue`` pays most); ``oi_change_frac`` is on coin OI
    summed over the venues with history; ``basis_frac`` OI-weighted like funding."""

    base: str
    venues: tuple[str, ...]
    oi_usd: float | None
    oi_venues: tuple[str, ...]
    oi_change_frac: float | None
    funding_1h: float | None
    funding_apr: float | None
    funding_z: float | None
    funding_spread_1h: float | None
    funding_max_venue: str | None
    funding_min_venue: str | None
    basis_frac: float | None
    volume_24h_usd: float | None
    price_change_24h_frac: float | None
    long_share: float | None
    liquidations_long_usd: float | None
    liquidations_short_usd: float | None
    sources: tuple[str, ...]
    as_of: datetime
    staleness_s: float
    missing: Mapping[str, str] = field(default_factory=dict)


# Asset-row figures a ``scan`` alert rule may test, with their units (thresholds in these units: fractions).
ASSET_METRIC_UNITS: dict[str, str] = {
    "funding_1h": "fraction_per_hour",
    "funding_apr": "fraction",
    "funding_z": "zscore",
    "funding_spread_1h": "fraction_per_hour",
    "oi_usd": "usd",
    "oi_change_frac": "fraction",
    "basis_frac": "fraction",
    "volume_24h_usd": "usd",
    "price_change_24h_frac": "fraction",
    "long_share": "share",
    "liquidations_long_usd": "usd",
    "liquidations_short_usd": "usd",
}

RANKINGS = ("funding_high", "funding_low", "oi_surge", "basis_outliers", "funding_spread")


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The scan: per-perp rows, per-asset aggregates (sorted by OI USD, largest first), ranked views (base asset
    names, best first, ``RANKINGS``), the gaps of the venues asked and the filters applied."""

    as_of: datetime
    venues: tuple[str, ...]
    perps: tuple[PerpScan, ...]
    assets: tuple[AssetScan, ...]
    rankings: Mapping[str, tuple[str, ...]]
    gaps: tuple[Gap, ...]
    synthetic: bool
    min_oi_usd: float
    top: int
    notes: tuple[str, ...] = ()

    def asset(self, base: str) -> AssetScan:
        for a in self.assets:
            if a.base == base:
                return a
        raise KeyError(base)
