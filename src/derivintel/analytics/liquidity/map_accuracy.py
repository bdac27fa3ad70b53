"""Accuracy ledger of the liquidation map: how much realised liquidation notional landed in its top-decile bins.

At an evaluation time ``t`` the map is built from data known at ``t``; its bins are ranked by modelled notional
(long + short). The **top-decile share** is the realised liquidation notional during ``(t, t + horizon]`` whose price
falls in the top ``top_fraction`` of bins, divided by ALL realised notional in the window (events outside the map's
range count in the denominator and never as hits). The **random-bin baseline** is the same share for ``k`` bins drawn
uniformly without replacement: its mean is ``(k / n) × (in-range notional / all notional)`` exactly; its interval is
the ``confidence`` quantile range of the share over ``n_draws`` draws from a fixed-seed generator (deterministic).
A map that knows nothing scores inside that interval. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.analytics.liquidity.liquidation_map import LiquidationMap, LiquidationMapParams, build_liquidation_map
from derivintel.core.result import Result
from derivintel.domain.liquidations import LiquidationEvent
from derivintel.domain.series import CandleSeries, OpenInterestSeries
from derivintel.domain.venue import VenueId

SEVEN_DAYS = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DecileScore:
    """One scored window. Notionals in USD, shares as fractions of ``realised_usd``.

    ``n_bins``: bins of the map; ``n_top``: bins in the top set (``ceil(top_fraction × n_bins)``, fewer when fewer
    bins hold any modelled notional). ``baseline_*``: the random-bin share (mean and interval).
    """

    label: str
    n_events: int
    realised_usd: float
    outside_range_usd: float
    top_share: float
    n_bins: int
    n_top: int
    baseline_mean: float
    baseline_low: float
    baseline_high: float
    confidence: float

    @property
    def beats_baseline(self) -> bool:
        return self.top_share > self.baseline_high


def top_decile_share(
    bin_edges_usd: np.ndarray,
    modelled_usd: np.ndarray,
    event_price_usd: np.ndarray,
    event_notional_usd: np.ndarray,
    *,
    label: str = "",
    top_fraction: float = 0.1,
    confidence: float = 0.9,
    n_draws: int = 2000,
    seed: int = 0,
) -> Result[DecileScore]:
    """Score one window: ``modelled_usd`` per bin (``len(bin_edges_usd) − 1`` bins), realised events as prices and
    USD notionals. No realised notional, or no modelled notional, is insufficient data (never a score of zero)."""
    edges = np.asarray(bin_edges_usd, dtype=np.float64)
    model = np.asarray(modelled_usd, dtype=np.float64)
    price = np.asarray(event_price_usd, dtype=np.float64)
    notional = np.asarray(event_notional_usd, dtype=np.float64)
    params = {"top_fraction": top_fraction, "confidence": confidence, "n_draws": n_draws, "seed": seed}
    n = len(model)
    if len(edges) != n + 1 or n == 0:
        raise ValueError("need len(bin_edges_usd) == len(modelled_usd) + 1 > 1")
    if not 0 < top_fraction < 1:
        raise ValueError("top_fraction must lie in (0, 1)")
    ok = np.isfinite(price) & np.isfinite(notional) & (notional > 0)
    price, notional = price[ok], notional[ok]
    total = float(notional.sum())
    if total <= 0:
        return Result.missing("no realised liquidation notional in the window", params=params)
    if not (model > 0).any():
        return Result.missing("the map holds no modelled notional", params=params)
    idx = np.searchsorted(edges, price, side="right") - 1
    inside = (idx >= 0) & (idx < n)
    realised_per_bin = np.bincount(idx[inside], weights=notional[inside], minlength=n)
    k = min(math.ceil(top_fraction * n), int((model > 0).sum()))
    top = np.argsort(-model, kind="stable")[:k]
    share = float(realised_per_bin[top].sum() / total)
    rng = np.random.default_rng(seed)
    keys = rng.random((n_draws, n))
    draws = np.argpartition(keys, k - 1, axis=1)[:, :k]  # k distinct bins per draw, uniformly
    random_share = realised_per_bin[draws].sum(axis=1) / total
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(random_share, [tail, 1.0 - tail])
    value = DecileScore(
        label=label,
        n_events=len(price),
        realised_usd=total,
        outside_range_usd=float(notional[~inside].sum()),
        top_share=share,
        n_bins=n,
        n_top=k,
        baseline_mean=k / n * float(realised_per_bin.sum()) / total,
        baseline_low=float(lo),
        baseline_high=float(hi),
        confidence=confidence,
    )
    reasons = []
    if k < math.ceil(top_fraction * n):
        reasons.append(f"only {k} bins hold modelled notional: the top set is smaller than {top_fraction:.0%}")
    return Result.of(value, params=params, reasons=reasons, partial=bool(reasons))


def score_map_at(
    liq_map: LiquidationMap,
    events: Sequence[LiquidationEvent],
    *,
    start: datetime,
    end: datetime,
    label: str = "",
    top_fraction: float = 0.1,
) -> Result[DecileScore]:
    """Score ``liq_map`` (built at ``start``) against the events with ``start < time ≤ end``."""
    inside = [e for e in events if start < e.source.as_of <= end]
    price = np.array([e.price_usd for e in inside], dtype=np.float64)
    notional = np.array([e.notional_usd for e in inside], dtype=np.float64)
    modelled = liq_map.long_notional_usd + liq_map.short_notional_usd
    return top_decile_share(liq_map.bin_edges_usd, modelled, price, notional, label=label, top_fraction=top_fraction)


@dataclass(frozen=True, slots=True)
class MapAccuracy:
    """The current score: map at ``evaluated_at``, realised events in ``(evaluated_at, window_end]`` per venue and
    pooled. ``window_days`` < 7 when the realised history is shorter than the horizon (said so)."""

    evaluated_at: datetime
    window_end: datetime
    window_days: float
    pooled: DecileScore
    venues: tuple[DecileScore, ...]


def current_map_accuracy(
    oi: Sequence[OpenInterestSeries],
    candles: dict[VenueId, CandleSeries],
    events: Sequence[LiquidationEvent],
    *,
    as_of: datetime,
    reference_candles: CandleSeries | None = None,
    horizon: timedelta = SEVEN_DAYS,
    min_window: timedelta = timedelta(hours=12),
    params: LiquidationMapParams | None = None,
    sampled: Mapping[str, str] | None = None,
) -> Result[MapAccuracy]:
    """Score the map built at ``t = max(as_of − horizon, first realised event − 1 ms)`` against realised liquidations in
    ``(t, as_of]`` (the feed cannot vouch for time before its first event). The map's reference price at ``t`` is the
    last close known at ``t`` of ``reference_candles`` (or the first venue's candles).
    ``sampled``: venue → note for streams that push only a sample (said in the reasons)."""
    if not events:
        return Result.missing("no realised-liquidation history to score the map against")
    first = min(e.source.as_of for e in events)
    t = max(as_of - horizon, first - timedelta(milliseconds=1))
    if as_of - t < min_window:
        return Result.missing(
            f"realised-liquidation history covers {(as_of - t).total_seconds() / 3600:.1f} h: too short to score"
        )
    ref_c = reference_candles or next(iter(candles.values()), None)
    known = ref_c.until(t) if ref_c is not None else None
    if known is None or len(known) == 0:
        return Result.missing("no candle closed at the evaluation time: no reference price for the map")
    ref = float(known.close[-1])
    built = build_liquidation_map(oi, candles, as_of=t, reference_price_usd=ref, params=params, reference_candles=ref_c)
    if built.value is None:
        return Result.missing(*(f"map at the evaluation time: {r}" for r in built.reasons))
    pooled = score_map_at(built.value, events, start=t, end=as_of, label="all venues")
    if pooled.value is None:
        return Result.missing(*pooled.reasons)
    venues = []
    for venue in sorted({e.venue for e in events}):
        res = score_map_at(built.value, [e for e in events if e.venue == venue], start=t, end=as_of, label=venue)
        if res.value is not None:
            venues.append(res.value)
    days = (as_of - t).total_seconds() / 86_400
    reasons = list(pooled.reasons)
    reasons += [f"{v}: {note}" for v, note in (sampled or {}).items() if any(x.label == v for x in venues)]
    if as_of - t < horizon:
        reasons.append(f"realised history covers {days:.1f} of {horizon.total_seconds() / 86_400:g} days")
    value = MapAccuracy(t, as_of, days, pooled.value, tuple(venues))
    sources = {e.source.label: e.source for e in events}
    return Result.of(
        value,
        sources=(*built.sources, *sources.values()),
        params={"evaluated_at": t.isoformat(), "horizon_days": horizon.total_seconds() / 86_400},
        reasons=reasons,
        partial=bool(reasons),
    )


@dataclass(frozen=True, slots=True)
class WindowScore:
    """One evaluation time of a walk-forward ledger: ``window`` is ``"train"`` or ``"held_out"``."""

    evaluated_at: datetime
    window: str
    score: DecileScore


def score_map_history(
    oi: Sequence[OpenInterestSeries],
    candles: dict[VenueId, CandleSeries],
    events: Sequence[LiquidationEvent],
    *,
    start: datetime,
    end: datetime,
    reference_candles: CandleSeries | None = None,
    horizon: timedelta = SEVEN_DAYS,
    train_fraction: float = 0.5,
    params: LiquidationMapParams | None = None,
) -> Result[tuple[WindowScore, ...]]:
    """Walk forward over stored history: evaluation times ``start, start + horizon, …`` while ``t + horizon ≤ end``
    (non-overlapping outcome windows), a map from data known at each ``t``, scored per venue and pooled. The first
    ``train_fraction`` of the times are the training window (tune the leverage mix there only), the rest held out.
    Windows without realised notional or without a map are skipped (counted in ``reasons``)."""
    times = []
    t = start
    while t + horizon <= end:
        times.append(t)
        t += horizon
    if not times:
        return Result.missing(f"history from {start:%Y-%m-%d} to {end:%Y-%m-%d} is shorter than one horizon")
    n_train = max(1, math.floor(train_fraction * len(times))) if len(times) > 1 else len(times)
    ref_c = reference_candles or next(iter(candles.values()), None)
    out: list[WindowScore] = []
    skipped = 0
    for i, t in enumerate(times):
        known = ref_c.until(t) if ref_c is not None else None
        if known is None or len(known) == 0:
            skipped += 1
            continue
        built = build_liquidation_map(
            oi, candles, as_of=t, reference_price_usd=float(known.close[-1]), params=params, reference_candles=ref_c
        )
        if built.value is None:
            skipped += 1
            continue
        window = "train" if i < n_train else "held_out"
        for venue in (None, *sorted({e.venue for e in events})):
            chosen = events if venue is None else [e for e in events if e.venue == venue]
            res = score_map_at(built.value, chosen, start=t, end=t + horizon, label=venue or "all venues")
            if res.value is not None:
                out.append(WindowScore(t, window, res.value))
            elif venue is None:
                skipped += 1
                break
    reasons = (
        [f"{skipped} of {len(times)} evaluation times skipped (no map or no realised notional)"] if skipped else []
    )
    if not out:
        return Result.missing(*reasons or ["nothing to score"])
    return Result.of(tuple(out), reasons=reasons, partial=bool(reasons))
