"""Measured record of the dealer-gamma regime call: does "dampening" precede smaller moves than "amplifying"?

For each stored option chain (one per snapshot time ``t``), the regime inputs are computed as the live report does
(:func:`dealer_gamma` at ``t``: net GEX and flip over options beyond 24 h, spot = the chain's index; a test holds
them equal to :func:`analyze_chain`'s) and the regime is called by the live rule (:func:`read_market_makers`:
dampening when net GEX > 0 and price at or above the flip, else amplifying). The
outcome is the absolute log move of the perp over the next ``horizon``: ``|ln(C(t + h) / C(t))|`` with ``C(t)`` the
close of the last bar closed by ``t`` and ``C(t + h)`` the close of the last bar closed by ``t + h`` (no look-ahead
in the call; the outcome is, by construction, the future).

Calls are thinned to one per horizon (a chain within ``horizon`` of the previous kept call is skipped), so the
outcomes do not overlap and the resample below is of independent draws. Reported: N and mean absolute move per
regime, the unconditional mean over every bar-aligned window of the same length starting within the calls' span (the
base rate), and the difference amplifying − dampening with a percentile bootstrap interval (resampling within each
regime). The rule "works" when the interval lies above zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from derivintel.analytics.options.chain_analysis import dealer_gamma
from derivintel.core.result import Result
from derivintel.core.timeutil import to_datetime64, utc
from derivintel.domain.options import OptionChain
from derivintel.domain.series import CandleSeries
from derivintel.research.mean_difference import bootstrap_mean_difference
from derivintel.synthesis.market_maker import MarketMakerInputs, read_market_makers

if TYPE_CHECKING:
    from derivintel.store import HistoryStore

MIN_PER_REGIME = 5
RECORD_HORIZON = timedelta(days=3)
RECORD_LOOKBACK = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class RegimeRecord:
    """Mean absolute log move over ``horizon_hours`` after each call (fractions), N per regime, the base rate, and
    the difference amplifying − dampening with its ``ci_level`` interval."""

    horizon_hours: float
    n_dampening: int
    n_amplifying: int
    mean_abs_move_dampening: float | None
    mean_abs_move_amplifying: float | None
    base_mean_abs_move: float
    n_base: int
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    ci_level: float
    first_call: str
    last_call: str


def _close_at(candles: CandleSeries, t_ms: np.ndarray) -> np.ndarray:
    """Close of the last bar closed by each time (NaN before the first close)."""
    close_ms = candles.ts.astype("datetime64[ms]").astype(np.int64) + candles.interval_s * 1000
    idx = np.searchsorted(close_ms, t_ms, side="right") - 1
    out = np.where(idx >= 0, candles.close[np.clip(idx, 0, None)], np.nan)
    last_close = close_ms[-1] if close_ms.size else -1
    return np.where(t_ms <= last_close, out, np.nan)


def dealer_regime_record(
    chains: Sequence[OptionChain],
    candles: CandleSeries,
    *,
    horizon: timedelta = timedelta(days=1),
    n_boot: int = 4000,
    ci_level: float = 0.9,
    seed: int = 0,
) -> Result[RegimeRecord]:
    """The regime call's record over ``chains`` against ``candles`` of the same asset (module doc)."""
    h_ms = int(horizon.total_seconds() * 1000)
    params = {"horizon_hours": horizon.total_seconds() / 3600, "n_boot": n_boot, "ci_level": ci_level, "seed": seed}
    calls: list[tuple[int, str, float]] = []
    for chain in sorted(chains, key=lambda c: c.source.as_of):
        as_of = chain.source.as_of
        t = int(to_datetime64(as_of).astype(np.int64))
        if calls and t < calls[-1][0] + h_ms:
            continue  # one call per horizon: overlapping outcomes are not independent draws
        g = dealer_gamma(chain, as_of=as_of).value
        if g is None:
            continue
        read = read_market_makers(
            MarketMakerInputs(
                price_usd=g.spot_usd, net_gex_usd_per_1pct=g.net_gex_usd_per_1pct, gamma_flip_usd=g.gamma_flip_usd
            )
        ).value
        c0, c1 = _close_at(candles, np.array([t, t + h_ms]))
        if read is None or not (np.isfinite(c0) and np.isfinite(c1)):
            continue
        calls.append((t, read.regime, abs(float(np.log(c1 / c0)))))
    if not calls:
        return Result.missing("no stored chain with a candle close at its time and a horizon later", params=params)
    record = record_from_calls(
        np.array([c[0] for c in calls]),
        np.array([c[1] for c in calls]),
        np.array([c[2] for c in calls]),
        candles,
        horizon=horizon,
        n_boot=n_boot,
        ci_level=ci_level,
        seed=seed,
    )
    reasons = []
    if record.difference is None:
        reasons.append(
            f"fewer than {MIN_PER_REGIME} calls in a regime (dampening {record.n_dampening}, amplifying "
            f"{record.n_amplifying}): no difference measured"
        )
    sources = [candles.source, chains[0].source]
    return Result.of(record, sources=sources, params=params, reasons=reasons, partial=bool(reasons))


def record_from_calls(
    t_ms: np.ndarray,
    regimes: np.ndarray,
    moves: np.ndarray,
    candles: CandleSeries,
    *,
    horizon: timedelta,
    n_boot: int,
    ci_level: float,
    seed: int,
) -> RegimeRecord:
    """The record from the calls' times (ms), regimes and absolute moves; the base rate is every bar-aligned
    window of ``horizon`` that starts within the calls' span (the same period, not the candles' whole history)."""
    damp, amp = moves[regimes == "dampening"], moves[regimes == "amplifying"]
    open_ms = candles.ts.astype("datetime64[ms]").astype(np.int64)
    step = max(1, round(horizon.total_seconds() / candles.interval_s))
    start = (open_ms[:-step] >= t_ms.min()) & (open_ms[:-step] <= t_ms.max())
    base = np.abs(np.log(candles.close[step:] / candles.close[:-step]))[start]
    base = base[np.isfinite(base)]
    diff = lo = hi = None
    if damp.size >= MIN_PER_REGIME and amp.size >= MIN_PER_REGIME:
        diff, lo, hi = bootstrap_mean_difference(
            amp, damp, n_boot=n_boot, ci_level=ci_level, seed=seed, draw_b_first=True
        )
    iso = lambda ms: str(np.datetime64(int(ms), "ms")) + "Z"  # noqa: E731
    return RegimeRecord(
        horizon_hours=horizon.total_seconds() / 3600,
        n_dampening=int(damp.size),
        n_amplifying=int(amp.size),
        mean_abs_move_dampening=float(damp.mean()) if damp.size else None,
        mean_abs_move_amplifying=float(amp.mean()) if amp.size else None,
        base_mean_abs_move=float(base.mean()) if base.size else float("nan"),
        n_base=int(base.size),
        difference=diff,
        ci_low=lo,
        ci_high=hi,
        ci_level=ci_level,
        first_call=iso(t_ms.min()),
        last_call=iso(t_ms.max()),
    )


def dealer_regime_record_at(store: HistoryStore, asset: str, as_of: datetime) -> Result[RegimeRecord]:
    """The record known at ``as_of`` from a history store: chains stored in the ``RECORD_LOOKBACK`` before
    ``as_of − RECORD_HORIZON`` (so every outcome closed by ``as_of``: no look-ahead) and the finest perp candles
    closed by ``as_of``. Bounded by the lookback, so its cost does not grow with the store; its reads share one
    connection."""
    with store.session():
        return _dealer_regime_record_at(store, asset, as_of)


def _dealer_regime_record_at(store: HistoryStore, asset: str, as_of: datetime) -> Result[RegimeRecord]:
    from derivintel.sources.roles import PRIMARY_OPTIONS_VENUE  # the record is Deribit's chain (the scenario's calls)

    as_of = utc(as_of)
    since = as_of - RECORD_LOOKBACK
    found = store.option_chain_times(asset, venue=PRIMARY_OPTIONS_VENUE, until=as_of - RECORD_HORIZON, since=since)
    if not found:
        return Result.missing(f"no measured record: no stored {asset} option chain in the year before {as_of:%Y-%m-%d}")
    perps = [c for c in store.candle_series(asset, until=as_of, since=since) if c.market == "perp"]
    if not perps:
        return Result.missing(f"no measured record: no stored {asset} perp candles")
    candles = min(perps, key=lambda c: (c.interval_s, -len(c)))
    kept: list[datetime] = []
    for t in found:
        if not kept or t >= kept[-1] + RECORD_HORIZON:
            kept.append(t)
    chains = [
        c
        for t in kept
        if (c := store.latest_option_chain(asset, venue=PRIMARY_OPTIONS_VENUE, as_of=t, max_age_s=0)) is not None
    ]
    return dealer_regime_record(chains, candles, horizon=RECORD_HORIZON)
