"""Modelled liquidation levels ("liquidation heatmap"): a MODEL of relative intensity, not observed positions.

Per venue, over the OI history known at ``as_of`` (DOMAIN.md §2 "Modelled liquidation levels"):

1. Each OI step ``k`` (from sample ``k-1`` to ``k``, coins) is placed in the candle that contains its start.
2. ``ΔOI > 0``: the new notional ``ΔOI_base × TP`` (``TP = (H+L+C)/3`` of that candle, USD) opens at ``TP``; a share
   ``s = taker_buy_base / volume_base`` of the candle is long and ``1 − s`` short (50/50 when the candle has no taker
   flow, and said so). Each side is spread over the leverage tiers by weight; each tier's notional is a level at its
   isolated liquidation price (``liquidation_price``) with the venue's tier-1 MMR.
3. ``ΔOI < 0``: every open level of the venue loses the fraction ``|ΔOI| / OI_{k-1}`` of its notional (closures are
   spread over ALL open interest, including positions opened before the window, which the model does not see).
4. A level is consumed (removed) once price trades through it: the first LATER candle whose low ≤ a long level or
   whose high ≥ a short level (the opening candle is not checked: the order of fills inside it is unknown). Inside a
   candle, crossings are applied before that candle's OI steps. Finally the reference price acts as a last bar, so
   long levels lie strictly below it and short levels strictly above.

Accounting per venue (USD): ``open = added − removed − consumed`` exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.analytics.liquidity.liquidation_price import Side, liquidation_price
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.domain.margins import MarginBook, find_margin
from derivintel.domain.series import CandleSeries, OpenInterestSeries
from derivintel.domain.venue import VenueId

MODEL_LABEL = "model of relative intensity, not observed positions"

# Default leverage distribution (an assumption, not a measurement): most retail size sits at 10-25x, with thinner
# tails at 5x and at 50-100x. Weights are normalised to sum to one.
DEFAULT_LEVERAGE_TIERS: tuple[float, ...] = (5.0, 10.0, 20.0, 25.0, 50.0, 100.0)
DEFAULT_LEVERAGE_WEIGHTS: tuple[float, ...] = (0.15, 0.25, 0.25, 0.15, 0.12, 0.08)


@dataclass(frozen=True)
class LiquidationMapParams:
    """Model parameters.

    ``bin_width_fraction``: bin width as a fraction of the reference price (0.0025 = 0.25 %).
    ``range_fraction``: the map spans ``reference × (1 ± range_fraction)``; levels outside are counted apart.
    ``default_mmr``: MMR (fraction) for venues without a declaration; ``mmr_by_venue`` overrides per venue id.
    ``margins``: the venues' declared maintenance margins (``sources.margins.VENUE_MARGINS`` in the product;
    empty: every venue gets ``default_mmr``, said so in the reasons).
    ``cluster_min_share``: a bin is dominant when it holds at least this share of its side's in-range notional
    (adjacent dominant bins form one cluster).
    ``bands``: distances (fractions) for the cumulative long/short notional.
    """

    leverage_tiers: tuple[float, ...] = DEFAULT_LEVERAGE_TIERS
    leverage_weights: tuple[float, ...] = DEFAULT_LEVERAGE_WEIGHTS
    bin_width_fraction: float = 0.0025
    range_fraction: float = 0.30
    default_mmr: float = 0.005
    mmr_by_venue: Mapping[str, float] = field(default_factory=dict)
    margins: MarginBook = field(default_factory=dict, compare=False)
    cluster_min_share: float = 0.02
    bands: tuple[float, ...] = (0.01, 0.02, 0.05)

    def __post_init__(self) -> None:
        if len(self.leverage_tiers) != len(self.leverage_weights) or not self.leverage_tiers:
            raise ValueError("leverage_tiers and leverage_weights must be non-empty and of equal length")
        if any(w < 0 for w in self.leverage_weights) or sum(self.leverage_weights) <= 0:
            raise ValueError("leverage_weights must be non-negative with a positive sum")
        if any(lev <= 1.0 for lev in self.leverage_tiers):
            raise ValueError("leverage tiers must exceed 1x")
        if not 0 < self.bin_width_fraction < self.range_fraction < 1:
            raise ValueError("need 0 < bin_width_fraction < range_fraction < 1")

    def as_dict(self) -> dict[str, Any]:
        return {
            "leverage_tiers": self.leverage_tiers,
            "leverage_weights": self.leverage_weights,
            "bin_width_fraction": self.bin_width_fraction,
            "range_fraction": self.range_fraction,
            "default_mmr": self.default_mmr,
            "mmr_by_venue": dict(self.mmr_by_venue),
            "cluster_min_share": self.cluster_min_share,
            "bands": self.bands,
        }


@dataclass(frozen=True, slots=True)
class LiquidationCluster:
    """A run of adjacent dominant bins on one side.

    ``price_usd`` is the notional-weighted centre, ``price_low_usd``/``price_high_usd`` the run's bin edges,
    ``notional_usd`` its modelled notional, ``distance_fraction`` = ``|price / reference − 1|`` and
    ``magnet_score_usd_per_pct`` = ``notional_usd / (100 × distance_fraction)`` (USD of modelled liquidations per
    percent of distance: big and near scores high).
    """

    side: Side
    price_usd: float
    price_low_usd: float
    price_high_usd: float
    notional_usd: float
    distance_fraction: float
    magnet_score_usd_per_pct: float


@dataclass(frozen=True, slots=True)
class VenueLiquidationContribution:
    """One venue's share of the map, its assumptions and its accounting (USD).

    ``open_long_usd + open_short_usd = added_usd − removed_usd − consumed_usd``. ``even_split_steps`` counts OI
    increases split 50/50 for lack of taker flow; ``unpriced_steps`` OI changes without a covering candle (skipped).
    """

    venue: VenueId
    mmr: float
    mmr_source: str
    leverage_tiers: tuple[float, ...]
    leverage_weights: tuple[float, ...]
    price_source: str
    added_usd: float
    removed_usd: float
    consumed_usd: float
    open_long_usd: float
    open_short_usd: float
    even_split_steps: int
    unpriced_steps: int


class BinnedLiquidity:
    """What a modelled and an observed liquidation map share: clusters nearest first per side, and the notional in
    the bins plus what lies outside the range (USD). Subclasses are dataclasses with those fields."""

    long_notional_usd: np.ndarray
    short_notional_usd: np.ndarray
    long_outside_range_usd: float
    short_outside_range_usd: float
    long_clusters: tuple[LiquidationCluster, ...]
    short_clusters: tuple[LiquidationCluster, ...]

    @property
    def nearest_long_cluster(self) -> LiquidationCluster | None:
        return self.long_clusters[0] if self.long_clusters else None

    @property
    def nearest_short_cluster(self) -> LiquidationCluster | None:
        return self.short_clusters[0] if self.short_clusters else None

    @property
    def binned_total_usd(self) -> float:
        """Long and short notional in the bins and outside the range (USD)."""
        return float(
            self.long_notional_usd.sum()
            + self.short_notional_usd.sum()
            + self.long_outside_range_usd
            + self.short_outside_range_usd
        )


@dataclass(frozen=True, eq=False)
class LiquidationMap(BinnedLiquidity):
    """Modelled liquidation notional per price bin, summed over venues (USD).

    ``bin_edges_usd`` has one more element than ``bin_centers_usd``; the reference price is an edge. Long
    liquidation levels lie below it, short levels above. ``*_outside_range_usd`` are open levels beyond the
    map's range. ``long_within_usd[d]`` is the long notional with ``reference × (1 − d) ≤ P_liq < reference``
    (short: ``reference < P_liq ≤ reference × (1 + d)``). Clusters are sorted nearest first.
    """

    asset: str
    as_of: datetime
    reference_price_usd: float
    bin_width_usd: float
    bin_edges_usd: np.ndarray
    bin_centers_usd: np.ndarray
    long_notional_usd: np.ndarray
    short_notional_usd: np.ndarray
    long_outside_range_usd: float
    short_outside_range_usd: float
    long_within_usd: Mapping[float, float]
    short_within_usd: Mapping[float, float]
    long_clusters: tuple[LiquidationCluster, ...]
    short_clusters: tuple[LiquidationCluster, ...]
    venues: tuple[VenueLiquidationContribution, ...]
    added_usd: float
    removed_usd: float
    consumed_usd: float
    label: str = MODEL_LABEL

    @property
    def open_usd(self) -> float:
        """All open modelled notional, in range or not."""
        return self.binned_total_usd


@dataclass(frozen=True, eq=False)
class _VenueLevels:
    price_usd: np.ndarray
    notional_usd: np.ndarray
    is_long: np.ndarray
    contribution: VenueLiquidationContribution


def first_at_or_below(series: np.ndarray, start: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """For each query, the first index ``i ≥ start`` with ``series[i] ≤ threshold`` (``len(series)`` if none).

    Binary lifting over a sparse table of range minima: O((n + q) log n), vectorised over queries.
    """
    n = len(series)
    pos = np.asarray(start, dtype=np.int64).copy()
    if n == 0 or len(pos) == 0:
        return np.full(len(pos), n, dtype=np.int64)
    tables = [np.asarray(series, dtype=np.float64)]
    k = 1
    while (1 << k) <= n:
        prev, half = tables[-1], 1 << (k - 1)
        tables.append(np.minimum(prev[:-half], prev[half:]))
        k += 1
    for k in range(len(tables) - 1, -1, -1):
        span = 1 << k
        inside = pos + span <= n
        block_min = tables[k][np.where(inside, pos, 0)]
        pos = np.where(inside & (block_min > threshold), pos + span, pos)
    return pos


def _venue_levels(
    oi: OpenInterestSeries,
    candles: CandleSeries,
    price_source: str,
    *,
    reference_price_usd: float,
    params: LiquidationMapParams,
    reasons: list[str],
) -> _VenueLevels | None:
    venue = oi.venue
    finite = np.isfinite(oi.oi_base)
    if not finite.all():
        reasons.append(f"{venue}: {int((~finite).sum())} OI rows without a value were dropped")
    ts = oi.ts[finite].astype(np.int64)
    oi_base = np.asarray(oi.oi_base[finite], dtype=np.float64)
    if len(oi_base) < 2:
        reasons.append(f"{venue}: fewer than two OI observations; venue left out")
        return None
    if len(candles) == 0:
        reasons.append(f"{venue}: no closed candles to price OI changes; venue left out")
        return None

    # MMR and usable leverage tiers.
    declared = find_margin(params.margins, venue, oi.asset)
    if venue in params.mmr_by_venue:
        mmr, mmr_source = float(params.mmr_by_venue[venue]), "parameter override"
    elif declared is not None:
        mmr, mmr_source = declared.mmr, f"declared tier-1 approximation ({declared.note})"
    else:
        mmr, mmr_source = params.default_mmr, "default (no venue declaration)"
        reasons.append(f"{venue}: no declared maintenance margin for {oi.asset}; default MMR {mmr} used")
    max_lev = declared.max_leverage if declared is not None else None
    tiers = np.asarray(params.leverage_tiers, dtype=np.float64)
    weights = np.asarray(params.leverage_weights, dtype=np.float64)
    usable = (1.0 / tiers > mmr) & (tiers <= (max_lev if max_lev is not None else np.inf))
    if not usable.all():
        dropped = tiers[~usable].tolist()
        reasons.append(f"{venue}: leverage tiers {dropped} exceed the venue's limit; weights renormalised")
    tiers, weights = tiers[usable], weights[usable]
    if len(tiers) == 0 or weights.sum() <= 0:
        reasons.append(f"{venue}: no usable leverage tier; venue left out")
        return None
    weights = weights / weights.sum()

    # Candles and the step → candle assignment.
    c_open = candles.ts.astype(np.int64)
    interval_ms = int(candles.interval_s) * 1000
    high, low, close = candles.high, candles.low, candles.close
    tp = (high + low + close) / 3.0
    n_c = len(c_open)
    if candles.taker_buy_base is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            share = candles.taker_buy_base / candles.volume_base
        has_flow = np.isfinite(share) & (candles.volume_base > 0)
        share = np.where(has_flow, np.clip(share, 0.0, 1.0), 0.5)
    else:
        has_flow = np.zeros(n_c, dtype=bool)
        share = np.full(n_c, 0.5)

    d_oi = np.diff(oi_base)  # step k = 1..m stored at index k-1
    start_ts = ts[:-1]
    j_raw = np.searchsorted(c_open, start_ts, side="right") - 1
    j_safe = np.clip(j_raw, 0, n_c - 1)
    priced = (j_raw >= 0) & (start_ts < c_open[j_safe] + interval_ms) & np.isfinite(tp[j_safe])
    unpriced_steps = int((~priced & (d_oi != 0)).sum())
    if unpriced_steps:
        reasons.append(f"{venue}: {unpriced_steps} OI changes had no covering candle and were not modelled")

    prev_oi = oi_base[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where((d_oi < 0) & (prev_oi > 0), 1.0 + d_oi / prev_oi, 1.0)
    f = np.clip(f, 0.0, 1.0)
    g = np.concatenate(([1.0], np.cumprod(f)))  # g[k] after step k; g[0] = 1
    m = len(d_oi)

    add = np.flatnonzero((d_oi > 0) & priced)  # step index k-1
    even_split_steps = int((~has_flow[j_safe[add]]).sum()) if len(add) else 0
    if even_split_steps:
        reasons.append(f"{venue}: {even_split_steps} OI increases split 50/50 (candles without taker buy volume)")
    n_t = len(tiers)
    j_add = j_safe[add]
    tp_add = tp[j_add]
    notional = d_oi[add] * tp_add
    long_init = (notional * share[j_add])[:, None] * weights[None, :]
    short_init = (notional * (1.0 - share[j_add]))[:, None] * weights[None, :]
    long_px = liquidation_price(tp_add[:, None], tiers[None, :], mmr, "long")
    short_px = liquidation_price(tp_add[:, None], tiers[None, :], mmr, "short")

    price = np.concatenate((np.ravel(long_px), np.ravel(short_px)))
    init = np.concatenate((long_init.ravel(), short_init.ravel()))
    is_long = np.concatenate((np.ones(long_init.size, dtype=bool), np.zeros(short_init.size, dtype=bool)))
    birth_step = np.tile(np.repeat(add + 1, n_t), 2)  # step number k (1..m)
    start = np.tile(np.repeat(j_add + 1, n_t), 2)  # first candle checked

    # First later candle that trades through each level (longs: low ≤ P; shorts: high ≥ P ⇔ −high ≤ −P).
    cons = np.full(len(price), n_c, dtype=np.int64)
    if is_long.any():
        cons[is_long] = first_at_or_below(low, start[is_long], price[is_long])
    if (~is_long).any():
        cons[~is_long] = first_at_or_below(-high, start[~is_long], -price[~is_long])
    # g just before candle c's own OI steps: steps with candle index < c have happened.
    steps_before = np.searchsorted(j_raw, np.arange(n_c + 1), side="left")  # steps whose candle < c
    g_end = np.where(cons < n_c, g[steps_before[np.minimum(cons, n_c)]], g[m])
    value_end = init * g_end / g[birth_step]
    consumed_by_candle = cons < n_c
    at_reference = ~consumed_by_candle & np.where(is_long, price >= reference_price_usd, price <= reference_price_usd)
    consumed = consumed_by_candle | at_reference
    open_ = ~consumed
    added = float(init.sum())
    consumed_usd = float(value_end[consumed].sum())
    open_long = float(value_end[open_ & is_long].sum())
    open_short = float(value_end[open_ & ~is_long].sum())
    removed = float((init - value_end).sum())
    contribution = VenueLiquidationContribution(
        venue=venue,
        mmr=mmr,
        mmr_source=mmr_source,
        leverage_tiers=tuple(tiers.tolist()),
        leverage_weights=tuple(weights.tolist()),
        price_source=price_source,
        added_usd=added,
        removed_usd=removed,
        consumed_usd=consumed_usd,
        open_long_usd=open_long,
        open_short_usd=open_short,
        even_split_steps=even_split_steps,
        unpriced_steps=unpriced_steps,
    )
    return _VenueLevels(price[open_], value_end[open_], is_long[open_], contribution)


def _clusters(
    side: Side, notional: np.ndarray, edges: np.ndarray, centers: np.ndarray, ref: float, min_share: float
) -> tuple[LiquidationCluster, ...]:
    total = float(notional.sum())
    if total <= 0:
        return ()
    dominant = (notional >= min_share * total) & (notional > 0)
    if not dominant.any():
        return ()
    padded = np.concatenate(([False], dominant, [False])).astype(np.int8)
    starts = np.flatnonzero(np.diff(padded) == 1)
    ends = np.flatnonzero(np.diff(padded) == -1)  # exclusive
    out = []
    for a, b in zip(starts, ends, strict=True):
        w = notional[a:b]
        run_usd = float(w.sum())
        centre = float((centers[a:b] * w).sum() / run_usd)
        dist = abs(centre / ref - 1.0)
        out.append(
            LiquidationCluster(
                side=side,
                price_usd=centre,
                price_low_usd=float(edges[a]),
                price_high_usd=float(edges[b]),
                notional_usd=run_usd,
                distance_fraction=dist,
                magnet_score_usd_per_pct=run_usd / (100.0 * dist) if dist > 0 else math.inf,
            )
        )
    return tuple(sorted(out, key=lambda c: c.distance_fraction))


def build_liquidation_map(
    oi: Sequence[OpenInterestSeries],
    candles: Mapping[VenueId, CandleSeries],
    *,
    as_of: datetime,
    reference_price_usd: float,
    params: LiquidationMapParams | None = None,
    reference_candles: CandleSeries | None = None,
) -> Result[LiquidationMap]:
    """Modelled liquidation map (USD per price bin) from per-venue OI histories and candles.

    ``oi``: one single-sided OI series per venue (``oi_base`` in coins); ``candles``: venue → candles used to price
    that venue's OI changes; venues without candles use ``reference_candles`` (said so in ``reasons``) or are left
    out. Only data known at ``as_of`` is used (OI samples ≤ ``as_of``, candles closed by ``as_of``).
    ``reference_price_usd`` is the current price that splits long (below) from short (above) levels.
    """
    params = params or LiquidationMapParams()
    if not oi:
        return Result.missing("no open-interest history", params=params.as_dict())
    if not (reference_price_usd > 0 and math.isfinite(reference_price_usd)):
        return Result.missing("no reference price", params=params.as_dict())
    reasons: list[str] = []
    sources: list[Source] = []
    parts: list[_VenueLevels] = []
    asset = oi[0].asset
    for series in oi:
        known = series.until(as_of)
        venue_candles = candles.get(series.venue)
        price_source = "own candles"
        if venue_candles is None:
            if reference_candles is None:
                reasons.append(f"{series.venue}: no candles and no reference candles; venue left out")
                continue
            venue_candles = reference_candles
            price_source = f"reference candles {reference_candles.venue} {reference_candles.interval_s}s"
            reasons.append(f"{series.venue}: priced with reference candles from {reference_candles.venue}")
        part = _venue_levels(
            known,
            venue_candles.until(as_of),
            price_source,
            reference_price_usd=reference_price_usd,
            params=params,
            reasons=reasons,
        )
        if part is not None:
            parts.append(part)
            sources.extend((series.source, venue_candles.source))
    if not parts:
        return Result.missing(*reasons or ["no venue could be modelled"], params=params.as_dict())

    ref = float(reference_price_usd)
    width = params.bin_width_fraction * ref
    n_side = math.ceil(params.range_fraction / params.bin_width_fraction)
    edges = ref + width * np.arange(-n_side, n_side + 1, dtype=np.float64)
    centers = (edges[:-1] + edges[1:]) / 2.0
    n_bins = 2 * n_side
    price = np.concatenate([p.price_usd for p in parts])
    notional = np.concatenate([p.notional_usd for p in parts])
    is_long = np.concatenate([p.is_long for p in parts])
    idx = np.floor((price - edges[0]) / width).astype(np.int64)
    inside = (idx >= 0) & (idx < n_bins)
    long_bins = np.bincount(idx[inside & is_long], weights=notional[inside & is_long], minlength=n_bins)
    short_bins = np.bincount(idx[inside & ~is_long], weights=notional[inside & ~is_long], minlength=n_bins)
    long_within = {d: float(notional[is_long & (price >= ref * (1.0 - d))].sum()) for d in params.bands}
    short_within = {d: float(notional[~is_long & (price <= ref * (1.0 + d))].sum()) for d in params.bands}
    venues = tuple(p.contribution for p in parts)
    value = LiquidationMap(
        asset=asset,
        as_of=as_of,
        reference_price_usd=ref,
        bin_width_usd=width,
        bin_edges_usd=edges,
        bin_centers_usd=centers,
        long_notional_usd=long_bins,
        short_notional_usd=short_bins,
        long_outside_range_usd=float(notional[~inside & is_long].sum()),
        short_outside_range_usd=float(notional[~inside & ~is_long].sum()),
        long_within_usd=long_within,
        short_within_usd=short_within,
        long_clusters=_clusters("long", long_bins, edges, centers, ref, params.cluster_min_share),
        short_clusters=_clusters("short", short_bins, edges, centers, ref, params.cluster_min_share),
        venues=venues,
        added_usd=sum(v.added_usd for v in venues),
        removed_usd=sum(v.removed_usd for v in venues),
        consumed_usd=sum(v.consumed_usd for v in venues),
    )
    params_out = params.as_dict() | {"as_of": as_of.isoformat(), "reference_price_usd": ref}
    return Result.of(value, sources=sources, params=params_out, reasons=reasons, partial=bool(reasons))
