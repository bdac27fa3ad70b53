"""Measured base rates for the decision phase: how often did a squeeze-like move follow a crowded setup?

``squeeze_base_rates`` counts, on stored history known at ``as_of`` (events whose outcome window ends after ``as_of``
are excluded), non-overlapping events where the setup held and how many reached the move within the horizon:

- ``short_squeeze``: funding z-score (30 d) ≤ −z and coin OI down over 24 h → P(high within h days ≥ close·(1 + x)).
- ``long_squeeze``: funding z-score ≥ +z and coin OI down over 24 h → P(low within h days ≤ close·(1 − x)).

The probability comes with N, hits, a Wilson score interval and the unconditional rate of the same move. With fewer
than ``min_events`` events the result is missing: "uncalibrated: insufficient history (N=…)".

Only decision times within ``lookback_days`` (default 5 years) before ``as_of`` count, and the store is read from
``as_of − lookback − FEATURE_WARMUP_MS`` on, so the features of the first counted decision time see the same history
they would with the whole store: the cost of a point-in-time report is flat in the store's size, not linear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np

from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime, to_datetime64, utc
from derivintel.research.event_study import forward_extremes, non_overlapping
from derivintel.research.features import DAY_MS, FEATURE_WARMUP_MS, FeatureFrame, build_features
from derivintel.store.history_store import HistoryStore

Side = Literal["short_squeeze", "long_squeeze"]
DEFAULT_LOOKBACK_DAYS = 1826.0  # five years of decision times
CALIBRATION_FEATURES = ("funding_zscore_30d", "oi_change_24h", "price_change_24h")


def wilson_interval(hits: int, n: int, confidence: float = 0.9) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (fractions)."""
    if n <= 0:
        raise ValueError("n must be positive")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2.0))
    p = hits / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class SqueezeBaseRate:
    """P(move ≥ ``move_fraction`` in the squeeze direction within ``horizon_days`` | setup), as fractions.

    ``probability`` = ``hits / n_events`` over non-overlapping events; ``ci_low``/``ci_high`` Wilson interval at
    ``confidence``; ``baseline_probability`` the same move's rate over every decision time (``baseline_n``);
    ``span_start``/``span_end`` the decision times that had both funding and OI history."""

    side: str
    condition: str
    move_fraction: float
    horizon_days: int
    n_events: int
    hits: int
    probability: float
    ci_low: float
    ci_high: float
    confidence: float
    baseline_probability: float
    baseline_n: int
    span_start: datetime
    span_end: datetime


def base_rate_from_frame(
    frame: FeatureFrame,
    *,
    as_of: datetime,
    side: Side = "short_squeeze",
    move_fraction: float = 0.05,
    horizon_days: int = 3,
    funding_z: float = 2.0,
    min_events: int = 20,
    confidence: float = 0.9,
    lookback_days: float | None = None,
) -> Result[SqueezeBaseRate]:
    """The base rate on a feature frame (pure). See the module doc for the definitions; ``lookback_days`` (None: no
    bound) limits the decision times counted to those within it before ``as_of``."""
    params = {
        "side": side,
        "move_fraction": move_fraction,
        "horizon_days": horizon_days,
        "funding_z": funding_z,
        "min_events": min_events,
        "confidence": confidence,
    }
    if lookback_days is not None:
        params["lookback_days"] = lookback_days
    ts = frame.ts.astype(np.int64)
    h_ms = horizon_days * DAY_MS
    cutoff = int(to_datetime64(as_of).astype(np.int64))
    up, down = forward_extremes(ts, frame.close, frame.high, frame.low, h_ms)
    known = (ts + h_ms <= cutoff) & np.isfinite(up)
    if lookback_days is not None:
        known &= ts >= cutoff - round(lookback_days * DAY_MS)
    z = frame.features["funding_zscore_30d"]
    oi = frame.features["oi_change_24h"]
    covered = known & np.isfinite(z) & np.isfinite(oi)
    with np.errstate(invalid="ignore"):
        if side == "short_squeeze":
            setup = covered & (z <= -funding_z) & (oi < 0)
            hit = up >= move_fraction
            condition = (
                f"funding z ≤ −{funding_z:g} and OI down over 24 h → high ≥ +{move_fraction:.1%} in {horizon_days} d"
            )
        else:
            setup = covered & (z >= funding_z) & (oi < 0)
            hit = down <= -move_fraction
            condition = (
                f"funding z ≥ +{funding_z:g} and OI down over 24 h → low ≤ −{move_fraction:.1%} in {horizon_days} d"
            )
    ev = non_overlapping(ts, setup, h_ms)
    n = len(ev)
    if n < min_events:
        return Result.missing(
            f"uncalibrated: insufficient history (N={n} events, need {min_events}; "
            f"{int(covered.sum())} decision times had funding and OI history)",
            params=params,
        )
    hits = int(hit[ev].sum())
    lo, hi = wilson_interval(hits, n, confidence)
    base = known & np.isfinite(up)
    cov_idx = np.flatnonzero(covered)
    value = SqueezeBaseRate(
        side=side,
        condition=condition,
        move_fraction=move_fraction,
        horizon_days=horizon_days,
        n_events=n,
        hits=hits,
        probability=hits / n,
        ci_low=lo,
        ci_high=hi,
        confidence=confidence,
        baseline_probability=float(hit[base].mean()),
        baseline_n=int(base.sum()),
        span_start=dt64_to_datetime(frame.ts[cov_idx[0]]),
        span_end=dt64_to_datetime(frame.ts[cov_idx[-1]]),
    )
    sources = [s for group in frame.sources.values() for s in group]
    return Result.of(value, sources=sources, params=params)


def calibration_frame(
    store: HistoryStore,
    asset: str,
    as_of: datetime,
    *,
    lookback_days: float = DEFAULT_LOOKBACK_DAYS,
    interval_s: int = 14_400,
) -> FeatureFrame | None:
    """The features the base rates need, read once from ``as_of − lookback − warm-up`` to ``as_of``."""
    as_of = utc(as_of)
    since = as_of - timedelta(milliseconds=round(lookback_days * DAY_MS) + FEATURE_WARMUP_MS)
    return build_features(store, asset, interval_s=interval_s, until=as_of, since=since, features=CALIBRATION_FEATURES)


def squeeze_base_rates(
    store: HistoryStore,
    asset: str,
    as_of: datetime,
    *,
    side: Side = "short_squeeze",
    move_fraction: float = 0.05,
    horizon_days: int = 3,
    funding_z: float = 2.0,
    min_events: int = 20,
    confidence: float = 0.9,
    interval_s: int = 14_400,
    lookback_days: float = DEFAULT_LOOKBACK_DAYS,
    frame: FeatureFrame | None = None,
) -> Result[SqueezeBaseRate]:
    """Measured squeeze probability for ``asset`` from the store, using only history known at ``as_of`` and decision
    times within ``lookback_days``. Pass ``frame`` (from ``calibration_frame``) to reuse one read for both sides."""
    as_of = utc(as_of)
    if frame is None:
        frame = calibration_frame(store, asset, as_of, lookback_days=lookback_days, interval_s=interval_s)
    if frame is None:
        return Result.missing(
            f"uncalibrated: insufficient history (N=0; no {interval_s // 3600} h candles for {asset})"
        )
    return base_rate_from_frame(
        frame,
        as_of=as_of,
        side=side,
        move_fraction=move_fraction,
        horizon_days=horizon_days,
        funding_z=funding_z,
        min_events=min_events,
        confidence=confidence,
        lookback_days=lookback_days,
    )


def squeeze_calibration(
    store: HistoryStore, asset: str, as_of: datetime, *, lookback_days: float = DEFAULT_LOOKBACK_DAYS
) -> tuple[Result[SqueezeBaseRate], Result[SqueezeBaseRate]]:
    """(short squeeze, long squeeze) base rates with default settings from ONE bounded read of the store."""
    frame = calibration_frame(store, asset, as_of, lookback_days=lookback_days)
    return (
        squeeze_base_rates(store, asset, as_of, side="short_squeeze", lookback_days=lookback_days, frame=frame),
        squeeze_base_rates(store, asset, as_of, side="long_squeeze", lookback_days=lookback_days, frame=frame),
    )


__all__ = [
    "SqueezeBaseRate",
    "base_rate_from_frame",
    "calibration_frame",
    "squeeze_base_rates",
    "squeeze_calibration",
    "wilson_interval",
]
