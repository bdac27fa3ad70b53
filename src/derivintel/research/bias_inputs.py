"""The bias inputs history provides, as columns over a decision grid, and the bias label at each decision time: the
live rules (``synthesis.bias``) restricted to that evidence. Used by ``features`` (the ``bias`` feature) and by
``bias_track`` (the walk-forward track record); see ``bias_track`` for what is included and excluded and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.research.vectors import (
    HOUR_MS,
    funding_zscore_vector,
    oi_change_vector,
    price_change_vector,
    quadrant_labels,
)
from derivintel.research.vectors import epoch_ms as _ms
from derivintel.synthesis.bias import AVWAP_QUARTER_BARS, DEFAULT_BIAS_RULES, bias_series
from derivintel.synthesis.rules import Rule

INCLUDED: tuple[str, ...] = (
    "structure.price_vs_avwap_quarter",
    "positioning.funding_zscore",
    "positioning.cvd_perp_24h_usd",
    "positioning.quadrant",
)
EXCLUDED: Mapping[str, str] = {
    "macro.regime": "cross-asset macro regime is not replayed bar by bar (its daily series are not evaluated here)",
    "options.rr25": "option chains are stored only as sparse snapshots, too few for a track record",
}


def history_rules(rules: Sequence[Rule] = DEFAULT_BIAS_RULES) -> tuple[Rule, ...]:
    """The live rules restricted to the evidence history provides (``INCLUDED``)."""
    return tuple(r for r in rules if r.signal in INCLUDED)


def _quarter_start_ms(ms: np.ndarray) -> np.ndarray:
    """Start (ms) of the calendar quarter containing each time (as ``avwap.calendar_anchor(…, "quarter")``)."""
    months = ms.astype("datetime64[ms]").astype("datetime64[M]")
    month_no = months.astype(np.int64)  # months since 1970-01
    q = months - (month_no % 3).astype("timedelta64[M]")
    return q.astype("datetime64[ms]").astype(np.int64)


def quarter_avwap_vector(candles: CandleSeries, at_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(quarterly AVWAP in USD, closed bars used) at each decision time, from bars opened at or after the quarter's
    anchor and closed by ``at`` (typical price (H+L+C)/3 weighted by coin volume). NaN / 0 bars when no bar has
    closed since the anchor, when the candles start after the anchor, or with zero volume."""
    open_ms = _ms(candles.ts)
    close_ms = open_ms + candles.interval_s * 1000
    tp = (candles.high + candles.low + candles.close) / 3.0
    vol = np.nan_to_num(candles.volume_base.astype(float))
    cpv = np.concatenate([[0.0], np.cumsum(tp * vol)])
    cv = np.concatenate([[0.0], np.cumsum(vol)])
    anchor = _quarter_start_ms(at_ms)
    end = np.searchsorted(close_ms, at_ms, side="right")  # bars closed by at
    start = np.searchsorted(open_ms, anchor, side="left")  # first bar opened at or after the anchor
    bars = np.maximum(end - start, 0)
    v = cv[end] - cv[np.minimum(start, end)]
    ok = (bars > 0) & (v > 0) & (len(open_ms) > 0) & (open_ms[0] <= anchor)
    with np.errstate(invalid="ignore", divide="ignore"):
        vwap = np.where(ok, (cpv[end] - cpv[np.minimum(start, end)]) / v, np.nan)
    return vwap, np.where(ok, bars, 0)


def cvd_usd_vector(candles: CandleSeries, at_ms: np.ndarray, *, window_ms: int = 24 * HOUR_MS) -> np.ndarray:
    """Σ (2·taker_buy − volume)·close (USD) over bars opened at or after ``at − window`` and closed by ``at``; NaN
    where no such bar carries taker volume."""
    open_ms = _ms(candles.ts)
    close_ms = open_ms + candles.interval_s * 1000
    d = candles.delta_base * candles.close
    known = np.isfinite(d)
    cs = np.concatenate([[0.0], np.cumsum(np.where(known, d, 0.0))])
    cn = np.concatenate([[0], np.cumsum(known)])
    end = np.searchsorted(close_ms, at_ms, side="right")
    start = np.minimum(np.searchsorted(open_ms, at_ms - window_ms, side="left"), end)
    return np.where(cn[end] - cn[start] > 0, cs[end] - cs[start], np.nan)


def bias_columns(
    candles: CandleSeries, funding: FundingSeries | None, oi: OpenInterestSeries | None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(decision times in ms = bar close times, bias input columns) from the grid candles, funding and coin OI."""
    at = _ms(candles.ts) + candles.interval_s * 1000
    n = len(at)
    vwap, bars = quarter_avwap_vector(candles, at)
    cols: dict[str, np.ndarray] = {
        "structure.price_vs_avwap_quarter": candles.close / vwap - 1.0,
        AVWAP_QUARTER_BARS: bars.astype(float),
        "positioning.cvd_perp_24h_usd": cvd_usd_vector(candles, at),
        "positioning.funding_zscore": (
            funding_zscore_vector(funding, at)[1] if funding is not None else np.full(n, np.nan)
        ),
    }
    oi_change = oi_change_vector(oi, at) if oi is not None else np.full(n, np.nan)
    cols["positioning.quadrant"] = quadrant_labels(price_change_vector(candles, at), oi_change)
    return at, cols


def bias_labels(
    candles: CandleSeries,
    funding: FundingSeries | None,
    oi: OpenInterestSeries | None,
    *,
    threshold: float = 0.2,
    min_coverage: float = 0.5,
) -> np.ndarray:
    """The bias label (bullish / bearish / neutral; None where not computable) at each bar close, from the live rules
    restricted to the evidence history provides."""
    _, cols = bias_columns(candles, funding, oi)
    return bias_series(cols, history_rules(), threshold=threshold, min_coverage=min_coverage).label
