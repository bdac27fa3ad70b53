"""Order-book depth map: depth per band, walls, thin zones and imbalance, per venue and aggregated.

Distances are fractions of ``mid_usd``: a bid at ``p`` is at ``(mid − p) / mid``, an ask at ``(p − mid) / mid``.
Sizes are in coins (``_base``) and USD (``Σ price × size``). The aggregated book is cut into grid cells of
``grid_fraction × mid`` per side (cell ``i`` holds distances in ``[i·g, (i+1)·g)``), up to the largest band and
never beyond the shallowest venue's snapshot on that side (so a venue's missing depth is not read as a gap).

- wall: a cell whose aggregated size ≥ ``wall_multiple × median cell size`` (median over both sides' cells);
- thin zone: a run of adjacent cells each below ``thin_fraction × median``;
- imbalance per band: ``(bid_usd − ask_usd) / (bid_usd + ask_usd)`` in [−1, 1] (positive = more bids).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from derivintel.core.result import Result
from derivintel.domain.orderbook import OrderBook

BookSide = Literal["bid", "ask"]


@dataclass(frozen=True, slots=True)
class BandDepth:
    """Depth within ``band_fraction`` of mid. ``covered`` is False when a snapshot stops short of the band."""

    band_fraction: float
    bid_base: float
    ask_base: float
    bid_usd: float
    ask_usd: float
    imbalance: float | None
    covered: bool


@dataclass(frozen=True, slots=True)
class VenueDepth:
    """One venue's band depths and how far its snapshot reaches on each side (fractions of mid)."""

    venue: str
    bands: tuple[BandDepth, ...]
    bid_reach_fraction: float
    ask_reach_fraction: float


@dataclass(frozen=True, slots=True)
class DepthWall:
    """A grid cell with outsized resting size: ``price_low_usd``..``price_high_usd``, size in coins and USD."""

    side: BookSide
    price_low_usd: float
    price_high_usd: float
    size_base: float
    size_usd: float
    multiple_of_median: float


@dataclass(frozen=True, slots=True)
class ThinZone:
    """A run of ``n_cells`` adjacent grid cells each holding less than the thin threshold."""

    side: BookSide
    price_low_usd: float
    price_high_usd: float
    n_cells: int
    size_base: float


@dataclass(frozen=True, eq=False)
class DepthCurve:
    """Cumulative depth away from mid on one side: ``cumulative_usd[i]`` rests within ``distance_fraction[i]``.

    Both arrays start at 0 and are non-decreasing; between points depth is taken as spread uniformly.
    ``reach_fraction`` is how far the observation goes; beyond it nothing is known.
    """

    side: BookSide
    distance_fraction: np.ndarray
    cumulative_usd: np.ndarray

    @property
    def reach_fraction(self) -> float:
        return float(self.distance_fraction[-1])

    @property
    def total_usd(self) -> float:
        return float(self.cumulative_usd[-1])


@dataclass(frozen=True, eq=False)
class DepthMap:
    """Aggregated depth picture around ``mid_usd``.

    ``bid_cells_base``/``ask_cells_base`` are aggregated coins per grid cell (index 0 nearest mid);
    ``median_cell_base`` the median used for walls and thin zones; curves feed the cascade simulator.
    """

    mid_usd: float
    grid_fraction: float
    bands: tuple[BandDepth, ...]
    venues: tuple[VenueDepth, ...]
    bid_cells_base: np.ndarray
    ask_cells_base: np.ndarray
    median_cell_base: float
    walls: tuple[DepthWall, ...]
    thin_zones: tuple[ThinZone, ...]
    bid_curve: DepthCurve
    ask_curve: DepthCurve


def _band_depth(bids: np.ndarray, asks: np.ndarray, mid: float, band: float, covered: bool) -> BandDepth:
    b = bids[bids[:, 0] >= mid * (1.0 - band)] if len(bids) else bids
    a = asks[asks[:, 0] <= mid * (1.0 + band)] if len(asks) else asks
    bid_usd = float((b[:, 0] * b[:, 1]).sum()) if len(b) else 0.0
    ask_usd = float((a[:, 0] * a[:, 1]).sum()) if len(a) else 0.0
    total = bid_usd + ask_usd
    return BandDepth(
        band_fraction=band,
        bid_base=float(b[:, 1].sum()) if len(b) else 0.0,
        ask_base=float(a[:, 1].sum()) if len(a) else 0.0,
        bid_usd=bid_usd,
        ask_usd=ask_usd,
        imbalance=(bid_usd - ask_usd) / total if total > 0 else None,
        covered=covered,
    )


def _reach(levels: np.ndarray, mid: float, side: BookSide) -> float:
    if len(levels) == 0:
        return 0.0
    deepest = levels[:, 0].min() if side == "bid" else levels[:, 0].max()
    return float(max(0.0, (mid - deepest) / mid if side == "bid" else (deepest - mid) / mid))


def _distances(levels: np.ndarray, mid: float, side: BookSide) -> np.ndarray:
    d = (mid - levels[:, 0]) / mid if side == "bid" else (levels[:, 0] - mid) / mid
    return np.maximum(d, 0.0)


def _curve(levels: np.ndarray, mid: float, side: BookSide, reach: float) -> DepthCurve:
    if len(levels) == 0:
        return DepthCurve(side, np.zeros(1), np.zeros(1))
    d = _distances(levels, mid, side)
    keep = d <= reach
    d, usd = d[keep], (levels[keep, 0] * levels[keep, 1])
    order = np.argsort(d, kind="stable")
    d, usd = d[order], usd[order]
    dist = np.concatenate(([0.0], d))
    cum = np.concatenate(([0.0], np.cumsum(usd)))
    return DepthCurve(side, dist, cum)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    starts = np.flatnonzero(np.diff(padded) == 1)
    ends = np.flatnonzero(np.diff(padded) == -1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _cell_price_range(side: BookSide, mid: float, g: float, a: int, b: int) -> tuple[float, float]:
    """Price range of cells ``a..b-1`` (cell width ``g`` in USD)."""
    if side == "bid":
        return mid - b * g, mid - a * g
    return mid + a * g, mid + b * g


def book_depth(
    books: Sequence[OrderBook],
    *,
    mid_usd: float,
    bands: tuple[float, ...] = (0.005, 0.01, 0.02),
    grid_fraction: float = 0.0005,
    wall_multiple: float = 5.0,
    thin_fraction: float = 0.20,
) -> Result[DepthMap]:
    """Depth map of ``books`` (one per venue, same asset) around ``mid_usd``.

    ``bands`` and ``grid_fraction`` are fractions of mid; ``wall_multiple`` and ``thin_fraction`` multiply the
    median grid-cell size. Partial when a snapshot stops short of a band or a book is one-sided.
    """
    params = {
        "mid_usd": mid_usd,
        "bands": bands,
        "grid_fraction": grid_fraction,
        "wall_multiple": wall_multiple,
        "thin_fraction": thin_fraction,
    }
    if not (mid_usd > 0 and math.isfinite(mid_usd)):
        return Result.missing("no mid price", params=params)
    usable = [b for b in books if len(b.bids) or len(b.asks)]
    if not usable:
        return Result.missing("no order book with any level", params=params)
    reasons: list[str] = []
    mid = float(mid_usd)
    venues = []
    for book in usable:
        bid_reach, ask_reach = _reach(book.bids, mid, "bid"), _reach(book.asks, mid, "ask")
        if not len(book.bids) or not len(book.asks):
            reasons.append(f"{book.venue}: one-sided book")
        vb = tuple(
            _band_depth(book.bids, book.asks, mid, band, covered=bid_reach >= band and ask_reach >= band)
            for band in bands
        )
        short = [f"{band:g}" for band, d in zip(bands, vb, strict=True) if not d.covered]
        if short:
            reasons.append(f"{book.venue}: snapshot does not reach bands {', '.join(short)} on both sides")
        venues.append(VenueDepth(book.venue, vb, bid_reach, ask_reach))

    bids = np.concatenate([b.bids for b in usable]) if usable else np.zeros((0, 2))
    asks = np.concatenate([b.asks for b in usable]) if usable else np.zeros((0, 2))
    bid_reach = min((v.bid_reach_fraction for v, b in zip(venues, usable, strict=True) if len(b.bids)), default=0.0)
    ask_reach = min((v.ask_reach_fraction for v, b in zip(venues, usable, strict=True) if len(b.asks)), default=0.0)
    agg_bands = tuple(
        _band_depth(bids, asks, mid, band, covered=all(vb.bands[i].covered for vb in venues))
        for i, band in enumerate(bands)
    )

    g_usd = grid_fraction * mid
    n_max = math.ceil(max(bands) / grid_fraction - 1e-9)
    cells: dict[BookSide, np.ndarray] = {}
    for side, levels, reach in (("bid", bids, bid_reach), ("ask", asks, ask_reach)):
        n = 0 if len(levels) == 0 else min(n_max, math.floor(reach / grid_fraction + 1e-9) + 1)
        idx = np.floor(_distances(levels, mid, side) / grid_fraction + 1e-9).astype(np.int64) if n else np.zeros(0)
        keep = idx < n
        cells[side] = np.bincount(idx[keep], weights=levels[keep, 1], minlength=n) if n else np.zeros(0)
    all_cells = np.concatenate((cells["bid"], cells["ask"]))
    median = float(np.median(all_cells)) if len(all_cells) else 0.0
    if median <= 0 and (all_cells > 0).any():
        median = float(np.median(all_cells[all_cells > 0]))
        reasons.append("median grid cell is empty; walls and thin zones use the median of non-empty cells")
    walls: list[DepthWall] = []
    thin: list[ThinZone] = []
    if median > 0:
        for side in ("bid", "ask"):
            c = cells[side]
            for i in np.flatnonzero(c >= wall_multiple * median).tolist():
                lo, hi = _cell_price_range(side, mid, g_usd, i, i + 1)
                walls.append(DepthWall(side, lo, hi, float(c[i]), float(c[i]) * (lo + hi) / 2.0, float(c[i]) / median))
            for a, b in _runs(c < thin_fraction * median):
                lo, hi = _cell_price_range(side, mid, g_usd, a, b)
                thin.append(ThinZone(side, lo, hi, b - a, float(c[a:b].sum())))
    value = DepthMap(
        mid_usd=mid,
        grid_fraction=grid_fraction,
        bands=agg_bands,
        venues=tuple(venues),
        bid_cells_base=cells["bid"],
        ask_cells_base=cells["ask"],
        median_cell_base=median,
        walls=tuple(walls),
        thin_zones=tuple(thin),
        bid_curve=_curve(bids, mid, "bid", bid_reach),
        ask_curve=_curve(asks, mid, "ask", ask_reach),
    )
    return Result.of(value, sources=[b.source for b in usable], params=params, reasons=reasons, partial=bool(reasons))
