"""Volume profile over a time window: POC, value area (CBOT method), high- and low-volume nodes (DOMAIN.md §4).

Each bar's volume (coins) is spread uniformly in price over its ``[low, high]`` range, so a bin receives the share
of the bar's range it overlaps (a bar with ``high == low`` puts all its volume in the bin holding that price). The
distribution is exact and vectorised (no loop over bars or bins), see ``distribute_volume``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.core.result import Result
from derivintel.core.timeutil import from_ms, to_ms, utc
from derivintel.domain.series import CandleSeries
from derivintel.domain.venue import Market, VenueId


@dataclass(frozen=True, eq=False)
class VolumeProfile:
    """Volume by price over ``[window_start, window_end)`` (bars closed by ``window_end``).

    ``bin_edges_usd`` has ``n_bins + 1`` increasing edges; ``volume_base[j]`` is the volume (coins) in
    ``[edge_j, edge_j+1)``. ``poc_usd`` is the centre of the point-of-control bin (largest volume; ties go to the bin
    nearest the middle of the price range, then the lower one). ``val_usd``/``vah_usd`` are the lower/upper edges of
    the value area, which holds at least ``value_area_target`` of the volume (``value_area_share`` is the exact
    share). HVNs/LVNs are bin centres of the local maxima/minima of the profile after a centred moving average of
    ``smoothing_bins`` bins (edges reflected), strongest first (HVN: largest smoothed volume; LVN: smallest), at most
    ``max_nodes`` each; the first and last bins are never nodes.
    """

    venue: VenueId
    market: Market
    interval_s: int
    window_start: datetime
    window_end: datetime
    bars_used: int
    bin_edges_usd: np.ndarray
    volume_base: np.ndarray
    bin_width_usd: float
    total_volume_base: float
    poc_usd: float
    val_usd: float
    vah_usd: float
    value_area_target: float
    value_area_share: float
    hvn_usd: tuple[float, ...]
    lvn_usd: tuple[float, ...]
    smoothing_bins: int


def distribute_volume(low: np.ndarray, high: np.ndarray, volume: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Volume per bin (``len(edges) − 1`` bins) with each bar's volume uniform in price over ``[low, high]``.

    A bar puts ``V · overlap / (H − L)`` into every bin it overlaps. Vectorised in O(bars + bins): the two partial
    end bins of each bar are added with ``bincount``, and the fully covered bins in between through a difference
    array of the bars' densities ``V / (H − L)`` (only bars that cover a whole bin enter it, so every term is at
    most ``V`` and nothing cancels). Prices outside ``[edges[0], edges[-1]]`` fall into the end bins.
    """
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    volume = np.asarray(volume, dtype=float)
    edges = np.asarray(edges, dtype=float)
    n_bins = len(edges) - 1
    j_lo = np.clip(np.searchsorted(edges, low, side="right") - 1, 0, n_bins - 1)
    j_hi = np.clip(np.searchsorted(edges, high, side="right") - 1, 0, n_bins - 1)
    same = j_lo == j_hi  # includes flat bars (high == low)
    out = np.bincount(j_lo[same], weights=volume[same], minlength=n_bins).astype(float)
    span = ~same
    if span.any():
        lo, hi, v, jl, jh = low[span], high[span], volume[span], j_lo[span], j_hi[span]
        density = v / (hi - lo)
        first = np.minimum(density * (edges[jl + 1] - lo), v)
        last = np.minimum(density * (hi - edges[jh]), v)
        out += np.bincount(jl, weights=first, minlength=n_bins)
        out += np.bincount(jh, weights=last, minlength=n_bins)
        full = jh - jl >= 2  # bars covering at least one whole bin
        if full.any():
            diff = np.zeros(n_bins + 1)
            np.add.at(diff, jl[full] + 1, density[full])
            np.add.at(diff, jh[full], -density[full])
            out += np.cumsum(diff[:-1]) * np.diff(edges)
    return np.maximum(out, 0.0)  # clamp −1e-12 rounding residue


def point_of_control(volume: np.ndarray) -> int:
    """Index of the largest bin; ties go to the bin nearest the middle, then to the lower one."""
    vol = np.asarray(volume, dtype=float)
    candidates = np.flatnonzero(vol == vol.max())
    mid = (len(vol) - 1) / 2.0
    return int(candidates[np.argmin(np.abs(candidates - mid))])  # argmin returns the first (lower) on ties


def value_area(volume: np.ndarray, poc: int, fraction: float = 0.70) -> tuple[int, int]:
    """Inclusive bin range ``(lo, hi)`` of the value area, CBOT method.

    Start at the POC; repeatedly compare the sum of the next two bins above with the next two below and add the
    larger pair (both pairs on a tie; one side alone once the other is exhausted) until the area holds at least
    ``fraction`` of the total volume.
    """
    vol = np.asarray(volume, dtype=float)
    n = len(vol)
    target = fraction * float(vol.sum())
    lo = hi = poc
    acc = float(vol[poc])
    while acc < target and (lo > 0 or hi < n - 1):
        up = float(vol[hi + 1 : hi + 3].sum()) if hi < n - 1 else -1.0
        dn = float(vol[max(lo - 2, 0) : lo].sum()) if lo > 0 else -1.0
        if up >= dn:
            acc += up
            hi = min(hi + 2, n - 1)
        if dn >= up:
            acc += dn
            lo = max(lo - 2, 0)
    return lo, hi


def _smooth(vol: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or len(vol) < 3:
        return vol.copy()
    half = width // 2
    padded = np.pad(vol, half, mode="reflect") if len(vol) > half else np.pad(vol, half, mode="edge")
    return np.convolve(padded, np.ones(2 * half + 1) / (2 * half + 1), mode="valid")


def volume_nodes(volume: np.ndarray, smoothing_bins: int = 5, max_nodes: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Bin indices of HVNs (interior local maxima of the smoothed profile, strongest first) and LVNs (interior
    local minima, weakest first). A maximum is ``s[j] > s[j−1] and s[j] ≥ s[j+1]`` (plateaus count once)."""
    s = _smooth(np.asarray(volume, dtype=float), smoothing_bins)
    if len(s) < 3:
        return np.array([], dtype=int), np.array([], dtype=int)
    left, mid, right = s[:-2], s[1:-1], s[2:]
    hvn = np.flatnonzero((mid > left) & (mid >= right)) + 1
    lvn = np.flatnonzero((mid < left) & (mid <= right)) + 1
    hvn = hvn[np.argsort(-s[hvn], kind="stable")][:max_nodes]
    lvn = lvn[np.argsort(s[lvn], kind="stable")][:max_nodes]
    return hvn, lvn


def volume_profile(
    candles: CandleSeries,
    *,
    as_of: datetime,
    window_days: float = 30.0,
    n_bins: int = 100,
    value_area_fraction: float = 0.70,
    smoothing_bins: int = 5,
    max_nodes: int = 5,
) -> Result[VolumeProfile]:
    """Volume profile of the bars opened within ``window_days`` before ``as_of`` and closed by ``as_of``.

    ``n_bins`` equal-width bins span the window's lowest low to highest high. Partial when the candles do not
    reach back to the window start; missing when no bar, no volume or no price range is in the window.
    """
    if n_bins < 1 or not 0 < value_area_fraction <= 1:
        raise ValueError("n_bins must be ≥ 1 and value_area_fraction in (0, 1]")
    params = {
        "window_days": window_days,
        "n_bins": n_bins,
        "value_area_fraction": value_area_fraction,
        "smoothing_bins": smoothing_bins,
        "smoothing": "centred moving average, edges reflected",
        "max_nodes": max_nodes,
        "distribution": "uniform over each bar's [low, high]",
        "venue": candles.venue,
        "market": candles.market,
        "interval_s": candles.interval_s,
    }
    end_ms = to_ms(as_of)
    start_ms = end_ms - round(window_days * 86_400_000)
    ts_ms = candles.ts.astype(np.int64)
    i0 = int(np.searchsorted(ts_ms, start_ms, side="left"))
    i1 = int(np.searchsorted(ts_ms, end_ms - candles.interval_s * 1000, side="right"))
    if i1 <= i0:
        return Result.missing(f"no bar closed in the {window_days:g}-day profile window", params=params)
    low, high, vol = candles.low[i0:i1], candles.high[i0:i1], candles.volume_base[i0:i1]
    total = float(vol.sum())
    pmin, pmax = float(low.min()), float(high.max())
    if not total > 0:
        return Result.missing("zero volume in the profile window", params=params)
    if not pmax > pmin:
        return Result.missing("no price range in the profile window (all bars at one price)", params=params)
    edges = np.linspace(pmin, pmax, n_bins + 1)
    per_bin = distribute_volume(low, high, vol, edges)
    poc = point_of_control(per_bin)
    lo, hi = value_area(per_bin, poc, value_area_fraction)
    hvn, lvn = volume_nodes(per_bin, smoothing_bins, max_nodes)
    centres = 0.5 * (edges[:-1] + edges[1:])
    edges.flags.writeable = False
    per_bin.flags.writeable = False
    value = VolumeProfile(
        venue=candles.venue,
        market=candles.market,
        interval_s=candles.interval_s,
        window_start=from_ms(start_ms),
        window_end=utc(as_of),
        bars_used=i1 - i0,
        bin_edges_usd=edges,
        volume_base=per_bin,
        bin_width_usd=float(edges[1] - edges[0]),
        total_volume_base=float(per_bin.sum()),
        poc_usd=float(centres[poc]),
        val_usd=float(edges[lo]),
        vah_usd=float(edges[hi + 1]),
        value_area_target=value_area_fraction,
        value_area_share=float(per_bin[lo : hi + 1].sum() / per_bin.sum()),
        hvn_usd=tuple(float(centres[j]) for j in hvn),
        lvn_usd=tuple(float(centres[j]) for j in lvn),
        smoothing_bins=smoothing_bins,
    )
    reasons: tuple[str, ...] = ()
    if ts_ms[0] > start_ms:
        reasons = (f"candles start at {from_ms(ts_ms[0]):%Y-%m-%d %H:%M}, inside the {window_days:g}-day window",)
    return Result.of(value, sources=(candles.source,), params=params, reasons=reasons, partial=bool(reasons))
