"""Observed liquidation levels: the notional of accounts' OPEN positions by their published liquidation price.

Hyperliquid publishes every account's positions with a liquidation price, so for the accounts we read this is an
observation, not a model. Per coin, from ``ObservedPositions`` known at ``as_of`` (DOMAIN.md units):

- notional of a position = ``|size_base| × reference_price_usd`` (USD at the current price, so positions read at
  different times add up on one scale); longs (size > 0) have liquidation prices below the reference, shorts above;
- positions without a liquidation price (cross margin, safe at any price) count for coverage but not in the map;
  positions whose liquidation price is already on the wrong side of the reference (read before a move through it)
  are counted apart (``crossed_usd``) and left out of the map;
- coverage of open interest = ``(observed long base + observed short base) / (2 × OI_base)``: OI is single-sided, so
  the two observed sides together are compared with both sides of the venue's OI;
- the map uses the grid of the modelled map (``LiquidationMapParams``: bin width and range as fractions of the
  reference, reference on an edge) and the same cluster rule, so the two maps can be read side by side;
- the leverage distribution is measured by notional, on the tiers the model assumes (bucket edges at the geometric
  midpoints between tiers), with notional-weighted quartiles and the cross-margin share.

``model_overlap`` compares with the modelled map: the share of observed in-range notional whose liquidation price
lies within ±``tolerance_fraction`` (of the reference) of a modelled cluster of the same side, against the share a
uniform spread over the map's range would give (the random baseline; exact, no sampling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from derivintel.analytics.liquidity.liquidation_map import (
    BinnedLiquidity,
    LiquidationCluster,
    LiquidationMap,
    LiquidationMapParams,
    _clusters,
)
from derivintel.core.result import Result
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.positions import ObservedPositions

OBSERVED_LABEL = "observed positions (accounts read from the venue), not a model"


@dataclass(frozen=True)
class ObservedMapParams:
    """``grid``: bin width, range and cluster rule shared with the modelled map. ``max_age_s``: observations older
    than this at ``as_of`` are left out (counted in ``stale_positions``). ``overlap_tolerance_fraction``: ±band
    around a modelled cluster for ``model_overlap``."""

    grid: LiquidationMapParams = field(default_factory=LiquidationMapParams)
    max_age_s: float = 2 * 3600.0
    overlap_tolerance_fraction: float = 0.005

    def as_dict(self) -> dict[str, object]:
        return {
            "bin_width_fraction": self.grid.bin_width_fraction,
            "range_fraction": self.grid.range_fraction,
            "cluster_min_share": self.grid.cluster_min_share,
            "max_age_s": self.max_age_s,
            "overlap_tolerance_fraction": self.overlap_tolerance_fraction,
        }


@dataclass(frozen=True, slots=True)
class LeverageDistribution:
    """Observed leverage by notional: ``weights[i]`` is the notional share whose leverage falls in the bucket of
    ``tiers[i]`` (edges at geometric midpoints); quartiles are notional-weighted; ``cross_share`` the notional
    share in cross margin. ``positions`` and ``notional_usd`` say what it rests on. ``assumed_weights`` are the
    model's weights on the same tiers (normalised) and ``distance_to_assumed`` the total-variation distance
    ``½ Σ |observed − assumed|`` (0 = the model's mix, 1 = disjoint)."""

    tiers: tuple[float, ...]
    weights: tuple[float, ...]
    p25: float
    median: float
    p75: float
    cross_share: float
    positions: int
    notional_usd: float
    assumed_weights: tuple[float, ...] = ()
    distance_to_assumed: float | None = None


@dataclass(frozen=True, eq=False)
class ObservedLiquidationMap(BinnedLiquidity):
    """Observed liquidation notional per price bin for one coin (USD), with what it covers.

    ``coverage_frac`` is None when the venue's OI is unknown. ``oldest_observation_age_s`` is ``as_of`` minus the
    oldest account read used. ``no_liquidation_price_usd`` is notional of positions without one.
    """

    venue: str
    coin: str
    as_of: datetime
    reference_price_usd: float
    bin_width_usd: float
    bin_edges_usd: np.ndarray
    bin_centers_usd: np.ndarray
    long_notional_usd: np.ndarray
    short_notional_usd: np.ndarray
    long_outside_range_usd: float
    short_outside_range_usd: float
    no_liquidation_price_usd: float
    crossed_usd: float
    long_clusters: tuple[LiquidationCluster, ...]
    short_clusters: tuple[LiquidationCluster, ...]
    positions: int
    stale_positions: int
    accounts_observed: int
    accounts_failed: int
    observed_long_base: float
    observed_short_base: float
    coverage_frac: float | None
    oldest_observation_age_s: float
    leverage: LeverageDistribution | None
    label: str = OBSERVED_LABEL

    @property
    def mapped_usd(self) -> float:
        """Notional with a liquidation price on the right side of the reference, in range or not."""
        return self.binned_total_usd


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Weighted quantiles (the smallest value whose cumulative weight reaches ``q × total``). Integer-valued inputs
    below 10,000 (venue leverage settings) are counted with ``bincount`` instead of sorted."""
    as_int = values.astype(np.int64)
    if len(values) and values.min() >= 0 and values.max() < 10_000 and np.array_equal(as_int, values):
        w = np.bincount(as_int, weights=weights)
        v = np.flatnonzero(w > 0).astype(np.float64)
        w = w[w > 0]
    else:
        order = np.argsort(values, kind="stable")
        v, w = values[order], weights[order]
    cum = np.cumsum(w)
    total = cum[-1]
    return [float(v[min(len(v) - 1, int(np.searchsorted(cum, q * total, side="left")))]) for q in qs]


def leverage_distribution(
    leverage: np.ndarray,
    notional_usd: np.ndarray,
    is_cross: np.ndarray,
    tiers: tuple[float, ...],
    assumed_weights: tuple[float, ...] | None = None,
) -> LeverageDistribution | None:
    """Notional-weighted leverage distribution on ``tiers`` (None when there is no notional), compared with
    ``assumed_weights`` (the model's, same tiers) when given."""
    total = float(notional_usd.sum())
    if len(leverage) == 0 or total <= 0:
        return None
    t = np.asarray(tiers, dtype=np.float64)
    edges = np.sqrt(t[:-1] * t[1:])
    bucket = np.searchsorted(edges, leverage, side="right")
    weights = np.bincount(bucket, weights=notional_usd, minlength=len(t)) / total
    p25, med, p75 = _weighted_quantiles(leverage, notional_usd, (0.25, 0.5, 0.75))
    assumed = np.asarray(assumed_weights or (), dtype=np.float64)
    if len(assumed):
        if len(assumed) != len(t):
            raise ValueError("assumed_weights must match tiers")
        assumed = assumed / assumed.sum()
    return LeverageDistribution(
        tiers=tuple(float(x) for x in t),
        weights=tuple(float(x) for x in weights),
        p25=p25,
        median=med,
        p75=p75,
        cross_share=float(notional_usd[is_cross].sum() / total),
        positions=len(leverage),
        notional_usd=total,
        assumed_weights=tuple(float(x) for x in assumed),
        distance_to_assumed=float(0.5 * np.abs(weights - assumed).sum()) if len(assumed) else None,
    )


def build_observed_map(
    observed: ObservedPositions,
    *,
    as_of: datetime,
    reference_price_usd: float,
    oi_base: float | None,
    params: ObservedMapParams | None = None,
) -> Result[ObservedLiquidationMap]:
    """The observed liquidation map of ``observed.coin`` at ``as_of`` (see the module docstring for the rules).

    ``oi_base``: the venue's single-sided open interest in coins (None: coverage unknown, said in ``reasons``).
    Missing when no position was observed in the window: an empty read is not a map of zeros.
    """
    params = params or ObservedMapParams()
    grid = params.grid
    if not (reference_price_usd > 0 and math.isfinite(reference_price_usd)):
        return Result.missing("no reference price", params=params.as_dict())
    ref = float(reference_price_usd)
    t_as_of = to_datetime64(as_of)
    age_s = (t_as_of - observed.observed_at).astype("timedelta64[ms]").astype(np.int64) / 1000.0
    use = (age_s >= 0) & (age_s <= params.max_age_s)
    stale = int(np.count_nonzero(age_s > params.max_age_s))
    if not use.any():
        why = f"no observed {observed.coin} positions on {observed.venue} within {params.max_age_s / 3600:g} h of as_of"
        return Result.missing(why, params=params.as_dict())
    everything = bool(use.all())  # the common case: no copies
    size = observed.size_base if everything else observed.size_base[use]
    liq = observed.liquidation_price_usd if everything else observed.liquidation_price_usd[use]
    lev = observed.leverage if everything else observed.leverage[use]
    cross = observed.is_cross if everything else observed.is_cross[use]
    notional = np.abs(size) * ref
    is_long = size > 0
    has_liq = np.isfinite(liq)
    right_side = has_liq & np.where(is_long, liq < ref, liq > ref)

    width = grid.bin_width_fraction * ref
    n_side = math.ceil(grid.range_fraction / grid.bin_width_fraction)
    edges = ref + width * np.arange(-n_side, n_side + 1, dtype=np.float64)
    centers = (edges[:-1] + edges[1:]) / 2.0
    n_bins = 2 * n_side
    # One weighted bincount over categories: [0, n) long bins, [n, 2n) short bins, then long outside the range,
    # short outside, no liquidation price, liquidation price already crossed.
    idx = np.floor((np.where(right_side, liq, ref) - edges[0]) / width)
    inside = right_side & (idx >= 0) & (idx < n_bins)
    code = np.where(inside, idx + n_bins * ~is_long, 2 * n_bins + ~is_long)
    code = np.where(right_side, code, np.where(has_liq, 2 * n_bins + 3, 2 * n_bins + 2)).astype(np.int64)
    sums = np.bincount(code, weights=notional, minlength=2 * n_bins + 4)
    long_bins, short_bins = sums[:n_bins], sums[n_bins : 2 * n_bins]
    long_out, short_out, no_liq_usd, crossed_usd = (float(x) for x in sums[2 * n_bins :])

    long_base = float(size.clip(min=0.0).sum())
    short_base = float(-size.clip(max=0.0).sum())
    reasons: list[str] = []
    coverage = None
    if oi_base is not None and oi_base > 0 and math.isfinite(oi_base):
        coverage = (long_base + short_base) / (2.0 * oi_base)
    else:
        reasons.append(f"{observed.venue} open interest unknown: coverage not computed")
    if observed.accounts_failed:
        reasons.append(f"{observed.accounts_failed} account read(s) failed: their positions are missing, not zero")
    if stale:
        reasons.append(f"{stale} position(s) older than {params.max_age_s / 3600:g} h left out")
    value = ObservedLiquidationMap(
        venue=observed.venue,
        coin=observed.coin,
        as_of=as_of,
        reference_price_usd=ref,
        bin_width_usd=width,
        bin_edges_usd=edges,
        bin_centers_usd=centers,
        long_notional_usd=long_bins,
        short_notional_usd=short_bins,
        long_outside_range_usd=long_out,
        short_outside_range_usd=short_out,
        no_liquidation_price_usd=no_liq_usd,
        crossed_usd=crossed_usd,
        long_clusters=_clusters("long", long_bins, edges, centers, ref, grid.cluster_min_share),
        short_clusters=_clusters("short", short_bins, edges, centers, ref, grid.cluster_min_share),
        positions=int(np.count_nonzero(use)),
        stale_positions=stale,
        accounts_observed=observed.accounts_observed,
        accounts_failed=observed.accounts_failed,
        observed_long_base=long_base,
        observed_short_base=short_base,
        coverage_frac=coverage,
        oldest_observation_age_s=float(age_s[use].max()),
        leverage=leverage_distribution(lev, notional, cross, grid.leverage_tiers, grid.leverage_weights),
    )
    params_out = params.as_dict() | {"reference_price_usd": ref, "oi_base": oi_base}
    return Result.of(value, sources=(observed.source,), params=params_out, reasons=reasons, partial=bool(reasons))


@dataclass(frozen=True, slots=True)
class ModelOverlap:
    """``share``: observed in-range notional within ±tolerance of a same-side modelled cluster (fraction);
    ``baseline``: the share a uniform spread over the map's range would give; ``lift`` = share / baseline
    (None when the baseline is 0). ``observed_usd`` is the in-range observed notional compared."""

    share: float
    baseline: float
    lift: float | None
    tolerance_fraction: float
    observed_usd: float
    modelled_clusters: int


def _covered(intervals: list[tuple[float, float]], lo: float, hi: float) -> float:
    """Length of the union of ``intervals`` clipped to ``[lo, hi]``."""
    clipped = sorted((max(a, lo), min(b, hi)) for a, b in intervals if b > lo and a < hi)
    total, cur_a, cur_b = 0.0, None, None
    for a, b in clipped:
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b is not None:
        total += cur_b - cur_a
    return total


def model_overlap(
    observed: ObservedLiquidationMap, modelled: LiquidationMap, *, tolerance_fraction: float = 0.005
) -> Result[ModelOverlap]:
    """Overlap of the observed map with the modelled clusters, at the observed map's bin resolution (each bin's
    notional is placed at its centre, so a position can be misplaced by at most half a bin)."""
    ref = observed.reference_price_usd
    tol = tolerance_fraction * ref
    total = float(observed.long_notional_usd.sum() + observed.short_notional_usd.sum())
    params = {"tolerance_fraction": tolerance_fraction, "resolution_usd": observed.bin_width_usd}
    if total <= 0:
        return Result.missing("no observed notional inside the map's range", params=params)
    lo, hi = float(observed.bin_edges_usd[0]), float(observed.bin_edges_usd[-1])
    centers = observed.bin_centers_usd
    share = baseline = 0.0
    for clusters, bins, side_lo, side_hi in (
        (modelled.long_clusters, observed.long_notional_usd, lo, ref),
        (modelled.short_clusters, observed.short_notional_usd, ref, hi),
    ):
        intervals = [(c.price_low_usd - tol, c.price_high_usd + tol) for c in clusters]
        hit = np.zeros(len(centers), dtype=bool)
        for a, b in intervals:
            hit |= (centers >= a) & (centers <= b)
        side_total = float(bins.sum())
        share += float(bins[hit].sum()) / total
        baseline += (side_total / total) * _covered(intervals, side_lo, side_hi) / (side_hi - side_lo)
    n = len(modelled.long_clusters) + len(modelled.short_clusters)
    reasons = [] if n else ["the modelled map has no clusters"]
    value = ModelOverlap(
        share=share,
        baseline=baseline,
        lift=share / baseline if baseline > 0 else None,
        tolerance_fraction=tolerance_fraction,
        observed_usd=total,
        modelled_clusters=n,
    )
    return Result.of(value, params=params, reasons=reasons, partial=bool(reasons))


NOT_COLLECTED = "no observed positions: Hyperliquid accounts are not collected for this report"


@dataclass(frozen=True, slots=True)
class ObservedReading:
    """The observed map and its overlap with the model run on the same venue (``venue_map``), each missing with
    its own reason."""

    observed_map: Result[ObservedLiquidationMap]
    model_overlap: Result[ModelOverlap]
    venue_map: Result[LiquidationMap] = field(default=Result.missing("no modelled map of the observed venue"))


def analyze_observed(
    observed: ObservedPositions | None,
    *,
    as_of: datetime,
    reference_price_usd: float | None,
    oi_base: float | None,
    modelled_venue_map: Result[LiquidationMap],
    params: ObservedMapParams | None = None,
) -> ObservedReading:
    """The observed map and its overlap with ``modelled_venue_map`` (the model run on the SAME venue only), each
    missing with a reason when its inputs are."""
    params = params or ObservedMapParams()
    if observed is None:
        return ObservedReading(Result.missing(NOT_COLLECTED), Result.missing(NOT_COLLECTED))
    if reference_price_usd is None:
        return ObservedReading(Result.missing("no reference price"), Result.missing("no reference price"))
    obs = build_observed_map(
        observed, as_of=as_of, reference_price_usd=reference_price_usd, oi_base=oi_base, params=params
    )
    if obs.value is None:
        return ObservedReading(obs, Result.missing(*obs.reasons))
    if modelled_venue_map.value is None:
        why = "; ".join(modelled_venue_map.reasons) or "no modelled map"
        return ObservedReading(obs, Result.missing(f"no modelled {observed.venue} map to compare: {why}"))
    overlap = model_overlap(obs.value, modelled_venue_map.value, tolerance_fraction=params.overlap_tolerance_fraction)
    sources = (*obs.sources, *modelled_venue_map.sources)
    overlap_result = Result(overlap.value, overlap.status, overlap.reasons, overlap.params, sources)
    return ObservedReading(obs, overlap_result, modelled_venue_map)
