"""Features on a decision grid, computed from stored history exactly as the report computes them at one as_of.

The grid is the close times of one candle series (default: the perp 4h bars). At each decision time ``t`` every
feature uses only data known at ``t`` (bars closed by ``t``, settlements and samples at or before ``t``):

- ``price``: close of the bar closing at ``t`` (USD).
- ``price_change_24h``: close-to-close change over 24 h (fraction), as ``positioning.price_change``.
- ``funding_1h``: last settled funding per hour (fraction); ``funding_zscore_30d``: its z-score against the
  per-hour settlements in (t − 30 d, t] (sample std, ≥ 10 settlements), as ``positioning.funding.funding_zscore``.
- ``oi_change_24h``: coin-OI change (fraction) between the last samples at or before t − 24 h and t, each within
  max(2 h, sampling interval), as ``positioning.open_interest.open_interest_change`` for one series.
- ``quadrant``: ``positioning.quadrant.classify_quadrant(price_change_24h, oi_change_24h)`` (label, default bands).
- ``basis``: perp close / spot close − 1 on bars of the same interval closing at t (fraction).
- ``long_share_<kind>``: latest long/short ratio as a long share, within max(2 h, interval) of t.
- ``bias``: the report's bias label (bullish / bearish / neutral, None where not computable) from the live rules on
  the evidence history provides (``research.bias_inputs``; perp grid only).
- ``rr25_30d``: 30-day constant-maturity 25-delta risk reversal (IV fraction) of the latest stored option chain within
  1 day of t, from ``analytics.options.analyze_chain`` (computed only when asked for).

Vectorised with ``searchsorted``; tests check the vector forms against the report's scalar functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.timeutil import dt64_to_datetime, to_ms
from derivintel.domain.series import CandleSeries
from derivintel.research.bias_inputs import bias_labels
from derivintel.research.vectors import (
    DAY_MS,
    HOUR_MS,
    asof_index,
    funding_zscore_vector,
    oi_change_vector,
    price_change_vector,
    quadrant_labels,
)
from derivintel.research.vectors import epoch_ms as _ms
from derivintel.sources.roles import PRIMARY_OPTIONS_VENUE
from derivintel.store.history_store import HistoryStore

FEATURE_WARMUP_MS = 31 * DAY_MS  # the longest look-back of a feature: the 30-day funding z-score window, plus a day
NUMERIC_FEATURES = (
    "price_change_24h",
    "funding_1h",
    "funding_zscore_30d",
    "oi_change_24h",
    "basis",
    "long_share_global_accounts",
    "long_share_top_accounts",
    "long_share_top_positions",
    "rr25_30d",
)
ALL_FEATURES = (*NUMERIC_FEATURES, "quadrant", "bias")


@dataclass(frozen=True, eq=False)
class FeatureFrame:
    """Decision grid ``ts`` (``datetime64[ms]`` bar close times, UTC), bar ``close``/``high``/``low`` (USD) of the
    grid series, and ``features`` (name → array aligned with ``ts``; NaN, or None for labels, where unknown)."""

    asset: str
    interval_s: int
    ts: np.ndarray
    close: np.ndarray
    high: np.ndarray
    low: np.ndarray
    features: Mapping[str, np.ndarray]
    sources: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)

    def span(self, name: str) -> tuple[datetime, datetime] | None:
        """First and last decision time where ``name`` has a value."""
        v = self.features[name]
        ok = np.array([x is not None for x in v]) if v.dtype == object else np.isfinite(v)
        if not ok.any():
            return None
        idx = np.flatnonzero(ok)
        return dt64_to_datetime(self.ts[idx[0]]), dt64_to_datetime(self.ts[idx[-1]])


def _pick_grid(candles: list[CandleSeries], interval_s: int) -> CandleSeries | None:
    for market in ("perp", "spot"):
        pool = [c for c in candles if c.market == market and c.interval_s == interval_s]
        if pool:
            return max(pool, key=len)
    return None


def _rr25_vector(store: HistoryStore, asset: str, at_ms: np.ndarray, until: datetime | None) -> np.ndarray:
    from derivintel.analytics.options import analyze_chain

    snap_ms, vals = [], []
    for at in store.option_chain_times(asset, venue=PRIMARY_OPTIONS_VENUE, until=until):  # the Deribit surface's RR25
        chain = store.latest_option_chain(asset, venue=PRIMARY_OPTIONS_VENUE, as_of=at, max_age_s=0)
        if chain is None:
            continue
        res = analyze_chain(chain, as_of=at, spot_usd=chain.index_price_usd)
        rr = res.value.all_expiries.rr25_30d if res.value is not None else None
        if rr is not None and np.isfinite(rr):
            snap_ms.append(to_ms(at))
            vals.append(float(rr))
    out = np.full(len(at_ms), np.nan)
    if snap_ms:
        idx = asof_index(np.array(snap_ms, dtype=np.int64), at_ms, DAY_MS)
        out[idx >= 0] = np.array(vals)[idx[idx >= 0]]
    return out


def build_features(
    store: HistoryStore,
    asset: str,
    *,
    interval_s: int = 14_400,
    until: datetime | None = None,
    since: datetime | None = None,
    features: Iterable[str] = ALL_FEATURES,
) -> FeatureFrame | None:
    """Features for ``asset`` on the close times of its ``interval_s`` candles (perp, else spot), with data known by
    ``until`` (all stored data when None) and stamped at or after ``since`` (all when None: the read, and so the
    cost, then grows with the store). A feature at a decision time less than ``FEATURE_WARMUP_MS`` after ``since``
    may lack history it would otherwise use. None when no such candles are stored."""
    wanted = set(features)
    unknown = wanted - set(ALL_FEATURES)
    if unknown:
        raise ValueError(f"unknown features: {sorted(unknown)}")
    candles = store.candle_series(asset, until=until, since=since)
    grid = _pick_grid(candles, interval_s)
    if grid is None or len(grid) == 0:
        return None
    at = _ms(grid.ts) + grid.interval_s * 1000
    out: dict[str, np.ndarray] = {}
    sources: dict[str, tuple[Source, ...]] = {"price": (grid.source,)}
    out["price_change_24h"] = price_change_vector(grid, at)
    funding = store.funding_series(asset, until=until, since=since)
    f = max(funding, key=len) if funding else None
    if f is not None:
        out["funding_1h"], out["funding_zscore_30d"] = funding_zscore_vector(f, at)
        sources["funding"] = (f.source,)
    else:
        out["funding_1h"] = out["funding_zscore_30d"] = np.full(len(at), np.nan)
    ois = store.open_interest_series(asset, until=until, since=since)
    o = max(ois, key=len) if ois else None
    if o is not None:
        out["oi_change_24h"] = oi_change_vector(o, at)
        sources["open_interest"] = (o.source,)
    else:
        out["oi_change_24h"] = np.full(len(at), np.nan)
    out["quadrant"] = quadrant_labels(out["price_change_24h"], out["oi_change_24h"])
    spot = [c for c in candles if c.market == "spot" and c.interval_s == grid.interval_s]
    out["basis"] = np.full(len(at), np.nan)
    if grid.market == "perp" and spot:
        s = max(spot, key=len)
        s_close = _ms(s.ts) + s.interval_s * 1000
        k = np.searchsorted(s_close, at)
        k_ok = (k < len(s_close)) & (s_close[np.minimum(k, len(s_close) - 1)] == at)
        out["basis"][k_ok] = grid.close[k_ok] / s.close[k[k_ok]] - 1.0
        sources["basis"] = (grid.source, s.source)
    for kind in ("global_accounts", "top_accounts", "top_positions"):
        out[f"long_share_{kind}"] = np.full(len(at), np.nan)
    wanted_shares = any(name.startswith("long_share_") for name in wanted)
    for ls in store.long_short_series(asset, until=until, since=since) if wanted_shares else ():
        name = f"long_share_{ls.kind.value}"
        idx = asof_index(_ms(ls.ts), at, max(2 * HOUR_MS, ls.interval_s * 1000))
        vals = np.where(idx >= 0, ls.long_share[np.maximum(idx, 0)], np.nan)
        out[name] = np.where(np.isfinite(out[name]), out[name], vals)
    out["bias"] = np.full(len(at), None, dtype=object)
    if "bias" in wanted and grid.market == "perp":
        out["bias"] = bias_labels(grid, f, o)
    out["rr25_30d"] = _rr25_vector(store, asset, at, until) if "rr25_30d" in wanted else np.full(len(at), np.nan)
    return FeatureFrame(
        asset=asset,
        interval_s=grid.interval_s,
        ts=at.astype("datetime64[ms]"),
        close=grid.close,
        high=grid.high,
        low=grid.low,
        features={k: v for k, v in out.items() if k in wanted},
        sources=sources,
    )
