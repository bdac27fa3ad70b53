"""Liquidation levels for the cascade: the modelled map with one venue's share replaced by observed positions.

Where a venue publishes its accounts' positions (Hyperliquid), the observed levels are better than the model for the
part of that venue's open interest they cover. With coverage ``c`` (observed base ÷ both sides of the venue's OI),
the blended map per price bin is

    blended = all_venues_modelled − c × venue_modelled + venue_observed

so the observed positions replace the share ``c`` of the venue's modelled levels and the uncovered share ``1 − c``
stays modelled. Below ``min_coverage_frac`` the observed accounts are too thin a sample of where the venue's
liquidation prices lie, and the blend is refused with that reason (the cascade then runs on the model alone).
Both maps must share the grid (same reference price and bin parameters); the modelled bands (``long_within_usd``)
are adjusted the same way, reading the observed bands from bins, which is exact when each band is a whole number of
bins (checked). All amounts USD notional.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from derivintel.analytics.liquidity.liquidation_map import LiquidationMap, LiquidationMapParams, _clusters
from derivintel.analytics.liquidity.observed_map import ObservedLiquidationMap
from derivintel.core.result import Result

# Observed accounts must hold at least this share of the venue's OI before their levels replace the model's. A
# stated choice, not a fitted value: under a quarter of the OI the sampled accounts (discovered through trades, so
# the most active ones) may sit at different leverage than the rest of the venue.
MIN_OBSERVED_COVERAGE_FRAC = 0.25


@dataclass(frozen=True, slots=True)
class BlendedLevels:
    """The cascade's level map and what went into it: ``venue`` whose observed positions replaced
    ``coverage_frac`` of its modelled levels; ``observed_usd`` the observed notional put in (every position with a
    liquidation price on the right side, in the map's range or not) and ``replaced_usd`` the modelled binned
    notional taken out."""

    map: LiquidationMap
    venue: str
    coverage_frac: float
    min_coverage_frac: float
    observed_usd: float
    replaced_usd: float


def _band_bins(band: float, bin_width_fraction: float) -> int | None:
    k = band / bin_width_fraction
    return round(k) if abs(k - round(k)) < 1e-9 else None


def blend_observed_levels(
    modelled: LiquidationMap,
    venue_modelled: LiquidationMap,
    observed: ObservedLiquidationMap,
    *,
    min_coverage_frac: float = MIN_OBSERVED_COVERAGE_FRAC,
    cluster_min_share: float = LiquidationMapParams().cluster_min_share,
) -> Result[BlendedLevels]:
    """``modelled`` (all venues) with ``observed.venue``'s covered share taken from ``observed`` (module docstring).

    ``venue_modelled``: the model run on that venue alone, on the same grid; ``cluster_min_share``: the model's
    cluster rule. Missing, with the reason, when the coverage is unknown or below ``min_coverage_frac``, or when the
    grids differ.
    """
    cov = observed.coverage_frac
    venue = observed.venue
    if cov is None or not math.isfinite(cov):
        return Result.missing(f"{venue} observed coverage unknown: modelled levels used")
    if cov < min_coverage_frac:
        return Result.missing(
            f"{venue} observed positions cover {cov:.0%} of its OI, under the {min_coverage_frac:.0%} needed to "
            "replace its modelled levels: modelled levels used"
        )
    same_grid = (
        modelled.bin_edges_usd.shape == observed.bin_edges_usd.shape == venue_modelled.bin_edges_usd.shape
        and np.allclose(modelled.bin_edges_usd, observed.bin_edges_usd, rtol=1e-12, atol=0.0)
        and np.allclose(modelled.bin_edges_usd, venue_modelled.bin_edges_usd, rtol=1e-12, atol=0.0)
    )
    if not same_grid:
        return Result.missing(f"{venue} observed and modelled maps are on different grids: modelled levels used")
    c = min(cov, 1.0)  # coverage above 1 (positions read before OI fell) cannot remove more than the venue's model
    long_bins = np.clip(modelled.long_notional_usd - c * venue_modelled.long_notional_usd, 0.0, None)
    short_bins = np.clip(modelled.short_notional_usd - c * venue_modelled.short_notional_usd, 0.0, None)
    long_bins = long_bins + observed.long_notional_usd
    short_bins = short_bins + observed.short_notional_usd
    n_side = len(modelled.long_notional_usd) // 2
    width_frac = modelled.bin_width_usd / modelled.reference_price_usd
    long_within: dict[float, float] = {}
    short_within: dict[float, float] = {}
    for band in modelled.long_within_usd:
        k = _band_bins(band, width_frac)
        if k is None or k > n_side:
            return Result.missing(f"band {band:g} is not a whole number of bins: modelled levels used")
        obs_long = float(observed.long_notional_usd[n_side - k : n_side].sum())
        obs_short = float(observed.short_notional_usd[n_side : n_side + k].sum())
        long_within[band] = max(modelled.long_within_usd[band] - c * venue_modelled.long_within_usd[band], 0.0)
        long_within[band] += obs_long
        short_within[band] = max(modelled.short_within_usd[band] - c * venue_modelled.short_within_usd[band], 0.0)
        short_within[band] += obs_short
    edges, centers, ref = modelled.bin_edges_usd, modelled.bin_centers_usd, modelled.reference_price_usd
    blended = replace(
        modelled,
        long_notional_usd=long_bins,
        short_notional_usd=short_bins,
        long_outside_range_usd=max(modelled.long_outside_range_usd - c * venue_modelled.long_outside_range_usd, 0.0)
        + observed.long_outside_range_usd,
        short_outside_range_usd=max(modelled.short_outside_range_usd - c * venue_modelled.short_outside_range_usd, 0.0)
        + observed.short_outside_range_usd,
        long_within_usd=long_within,
        short_within_usd=short_within,
        long_clusters=_clusters("long", long_bins, edges, centers, ref, cluster_min_share),
        short_clusters=_clusters("short", short_bins, edges, centers, ref, cluster_min_share),
        label=f"{modelled.label}; {venue}: {c:.0%} of its OI from observed positions, the rest modelled",
    )
    value = BlendedLevels(
        map=blended,
        venue=venue,
        coverage_frac=cov,
        min_coverage_frac=min_coverage_frac,
        observed_usd=observed.mapped_usd,
        replaced_usd=c * float(venue_modelled.long_notional_usd.sum() + venue_modelled.short_notional_usd.sum()),
    )
    return Result.of(value, params={"min_coverage_frac": min_coverage_frac, "coverage_frac": cov})
