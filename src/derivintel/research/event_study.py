"""Event studies: forward returns after a signal fires, against the unconditional baseline, with honest statistics.

- Forward return at decision time t over h days: close of the last bar closed by t + h over the close at t, − 1
  (fraction); unknown when the data end before t + h.
- Events are non-overlapping: after an event at t the next one is taken no earlier than t + h (greedy in time).
- Per (signal, horizon): N, hit rate (share of returns in the signal's direction), mean and median, a seeded
  bootstrap percentile interval of the mean, the baseline (every decision time with a known forward return) and a
  one-sided bootstrap p-value of the excess mean in the signal's direction.
- Multiple testing across signals, per horizon: Hansen's SPA and Romano–Wolf StepM from the ``arch`` package
  (stationary bootstrap, studentised) on a grid of non-overlapping h-day periods, with the loss of signal i in period
  k = −direction_i · (r_k − r̄) · 1[signal i fired at the period start], benchmark loss 0 (i.e. "does conditioning on
  the signal beat the unconditional mean"). Without ``arch``: Benjamini–Hochberg on the per-signal p-values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime
from derivintel.research.features import DAY_MS, FeatureFrame, build_features
from derivintel.research.signals import DEFAULT_SIGNALS, SignalSpec
from derivintel.store.history_store import HistoryStore


def forward_returns(ts_ms: np.ndarray, close: np.ndarray, horizon_ms: int) -> np.ndarray:
    """Per decision time (bar close times ``ts_ms``): close at the last bar closed by t + h over close at t, − 1.
    NaN when the data end before t + h."""
    j = np.searchsorted(ts_ms, ts_ms + horizon_ms, side="right") - 1
    ok = (ts_ms + horizon_ms) <= ts_ms[-1] if len(ts_ms) else np.zeros(0, bool)
    out = np.full(len(ts_ms), np.nan)
    out[ok] = close[j[ok]] / close[ok] - 1.0
    return out


def forward_extremes(
    ts_ms: np.ndarray, close: np.ndarray, high: np.ndarray, low: np.ndarray, horizon_ms: int
) -> tuple[np.ndarray, np.ndarray]:
    """(max high / close − 1, min low / close − 1) over the bars closing in (t, t + h]; NaN past the data end."""
    j = np.searchsorted(ts_ms, ts_ms + horizon_ms, side="right") - 1
    n = len(ts_ms)
    up = np.full(n, np.nan)
    down = np.full(n, np.nan)
    ok = np.flatnonzero((ts_ms + horizon_ms) <= ts_ms[-1]) if n else np.zeros(0, int)
    if len(ok):
        width = int(np.max(j[ok] - ok))
        if width > 0:
            lag = np.arange(1, width + 1)
            idx = np.minimum(ok[:, None] + lag[None, :], n - 1)
            valid = (ok[:, None] + lag[None, :]) <= j[ok][:, None]
            hi = np.where(valid, high[idx], -np.inf).max(axis=1)
            lo = np.where(valid, low[idx], np.inf).min(axis=1)
            up[ok] = hi / close[ok] - 1.0
            down[ok] = lo / close[ok] - 1.0
    return up, down


def non_overlapping(ts_ms: np.ndarray, mask: np.ndarray, min_gap_ms: int) -> np.ndarray:
    """Indices where ``mask`` is true, keeping an event only when it is at least ``min_gap_ms`` after the last kept
    one (greedy, earliest first)."""
    cand = np.flatnonzero(mask)
    kept: list[int] = []
    next_ok = np.iinfo(np.int64).min
    for k in cand:
        if ts_ms[k] >= next_ok:
            kept.append(int(k))
            next_ok = ts_ms[k] + min_gap_ms
    return np.array(kept, dtype=np.int64)


BOOTSTRAP_BLOCK_ELEMENTS = 1 << 22  # resampled values held at once (32 MiB of indices): memory flat in history


def bootstrap_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` means of resamples with replacement, vectorised over blocks of resamples so memory stays bounded
    however many events there are. The generator draws the same indices, in the same order, as one
    ``(n_boot × n)`` draw would (tests check it), so the means are identical."""
    n = len(values)
    rows = max(1, BOOTSTRAP_BLOCK_ELEMENTS // max(n, 1))
    out = np.empty(n_boot)
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        out[start:stop] = values[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return out


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    """BH-adjusted p-values (step-up, monotone, capped at 1)."""
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


@dataclass(frozen=True, slots=True)
class EventStats:
    """One signal at one horizon. Returns are fractions (0.01 = 1 %), raw (not flipped by direction); ``hit_rate`` is
    the share of events whose return has the signal's sign. ``ci_low``/``ci_high`` bound the mean (bootstrap
    percentile, ``confidence``). ``p_value``: one-sided bootstrap p of the excess mean in the signal's direction.
    ``significant``: survives the multiple-testing correction named in the study. None = not computable (N too
    small)."""

    signal: str
    description: str
    direction: int
    horizon_days: int
    n_events: int
    hit_rate: float | None
    mean_return: float | None
    median_return: float | None
    ci_low: float | None
    ci_high: float | None
    baseline_n: int
    baseline_mean: float
    baseline_median: float
    baseline_hit_rate: float
    excess_mean: float | None
    p_value: float | None
    significant: bool | None
    first_event: datetime | None
    last_event: datetime | None


@dataclass(frozen=True, slots=True)
class StudyResult:
    """A study over ``span_start``..``span_end`` (decision grid of ``interval_s`` bars). ``spa_pvalues`` maps each
    horizon to SPA's consistent p-value for "some signal beats the unconditional mean" (None without arch).
    ``feature_spans`` gives, per feature used, the first/last decision time with a value (None = no data)."""

    asset: str
    interval_s: int
    horizons_days: tuple[int, ...]
    span_start: datetime
    span_end: datetime
    rows: tuple[EventStats, ...]
    feature_spans: Mapping[str, tuple[datetime, datetime] | None]
    multiple_testing: str
    spa_pvalues: Mapping[int, float | None] = field(default_factory=dict)
    confidence: float = 0.9
    n_boot: int = 2000
    seed: int = 7


def _signal_stats(
    spec: SignalSpec,
    horizon_days: int,
    frame: FeatureFrame,
    fwd: np.ndarray,
    base: np.ndarray,
    *,
    rng: np.random.Generator,
    n_boot: int,
    confidence: float,
    min_events: int,
) -> EventStats:
    ts_ms = frame.ts.astype(np.int64)
    fired = spec.fires(frame.features[spec.feature]) & np.isfinite(fwd)
    ev = non_overlapping(ts_ms, fired, horizon_days * DAY_MS)
    r = fwd[ev]
    d = spec.direction
    b_mean, b_med = float(base.mean()), float(np.median(base))
    b_hit = float(np.mean(d * base > 0))
    common = {
        "signal": spec.name,
        "description": spec.description,
        "direction": d,
        "horizon_days": horizon_days,
        "n_events": len(r),
        "baseline_n": len(base),
        "baseline_mean": b_mean,
        "baseline_median": b_med,
        "baseline_hit_rate": b_hit,
        "first_event": dt64_to_datetime(frame.ts[ev[0]]) if len(ev) else None,
        "last_event": dt64_to_datetime(frame.ts[ev[-1]]) if len(ev) else None,
        "significant": None,
    }
    if len(r) < min_events:
        return EventStats(
            **common,
            hit_rate=None,
            mean_return=None,
            median_return=None,
            ci_low=None,
            ci_high=None,
            excess_mean=None,
            p_value=None,
        )
    mean = float(r.mean())
    boots = bootstrap_means(r, n_boot, rng)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(boots, [alpha, 1.0 - alpha])
    excess = mean - b_mean
    # null-centred bootstrap: how often a resampled mean deviates from the sample mean, in the signal's direction,
    # by at least the observed excess
    p = float((1 + np.sum(d * (boots - mean) >= d * excess)) / (n_boot + 1))
    return EventStats(
        **common,
        hit_rate=float(np.mean(d * r > 0)),
        mean_return=mean,
        median_return=float(np.median(r)),
        ci_low=float(lo),
        ci_high=float(hi),
        excess_mean=float(excess),
        p_value=p,
    )


def stationary_bootstrap_variance(demeaned: np.ndarray, block_size: int) -> np.ndarray:
    """Per column, the long-run variance arch's SPA uses to studentise (``SPA._compute_variance``, not nested):
    ``(γ₀ + 2 Σ_{i=1}^{t−1} κ_i γ_i) / t`` with ``γ_i = Σ_j d_j d_{j+i}`` and
    ``κ_i = (1 − i/t)(1 − p)^i + (i/t)(1 − p)^{t−i}``, ``p = 1/block_size``.

    arch sums the lag products in a Python loop, O(t²); here every ``γ_i`` comes from one zero-padded FFT
    (O(t log t)). The results agree to ~1e-15 relative (FFT rounding grows with log t; tests check 1e-12)."""
    d = np.asarray(demeaned, dtype=float)
    t = d.shape[0]
    gamma0 = np.sum(d**2, axis=0)
    if t < 2:
        return gamma0 / max(t, 1)
    n = 1 << (2 * t - 1).bit_length()  # ≥ 2t − 1: no circular wrap-around
    spectrum = np.fft.rfft(d, n=n, axis=0)
    autocov = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=n, axis=0)[1:t]
    i = np.arange(1, t, dtype=float)
    q = 1.0 - 1.0 / block_size
    kappa = (1.0 - i / t) * q**i + (i / t) * q ** (t - i)
    return (gamma0 + 2.0 * (kappa @ autocov)) / t


@lru_cache(maxsize=1)
def _linear_spa() -> type:
    """arch's SPA with the O(t log t) variance above and one mean per resample (arch imported on first use: it is
    optional; pinned in pyproject, and tests compare the answers with arch's own SPA and StepM)."""
    from arch.bootstrap import SPA

    class LinearSPA(SPA):
        def _compute_variance(self) -> None:
            if self.nested:
                super()._compute_variance()
                return
            ld = np.asarray(self._loss_diff)
            self._loss_diff_var = stationary_bootstrap_variance(ld - ld.mean(axis=0), self.block_size)

        def _simulate_values(self) -> None:
            """arch 8.0's ``SPA._simulate_values`` with each resample's column means computed once instead of once
            per re-centring (three times): the same numbers, a third of the reductions."""
            self._compute_variance()
            self._valid_columns = self._check_column_validity()
            upper_mean = self._loss_diff.mean(0)
            consistent_mean = upper_mean.copy()
            consistent_mean[np.logical_not(self._valid_columns)] = 0.0
            lower_mean = upper_mean.copy()
            lower_mean[lower_mean < 0] = 0.0
            means = (lower_mean, consistent_mean, upper_mean)
            simulated_vals = np.zeros((self.k, self.reps, 3))
            for i, (pos_arg, _kw) in enumerate(self.bootstrap.bootstrap(self.reps)):
                star_mean = pos_arg[0].mean(0)
                for j, mean in enumerate(means):
                    simulated_vals[:, i, j] = star_mean - mean
            self._simulated_vals = simulated_vals

    return LinearSPA


def _stepm(
    frame: FeatureFrame,
    specs: Sequence[SignalSpec],
    fwd: np.ndarray,
    horizon_days: int,
    *,
    seed: int,
    n_boot: int,
    size: float,
) -> tuple[set[str], float | None, list[str]] | None:
    """(names StepM finds superior, SPA consistent p, names tested); None when arch is unavailable."""
    try:
        from arch.bootstrap import StepM
    except ImportError:
        return None
    step = max(1, round(horizon_days * 86_400 / frame.interval_s))
    grid = np.arange(0, len(frame.ts), step)
    grid = grid[np.isfinite(fwd[grid])]
    if len(grid) < 20:
        return set(), None, []
    r = fwd[grid]
    r_bar = float(r.mean())
    cols, names = [], []
    for s in specs:
        fired = s.fires(frame.features[s.feature][grid])
        if fired.sum() < 2:
            continue
        cols.append(-s.direction * (r - r_bar) * fired)
        names.append(s.name)
    if not cols:
        return set(), None, []
    losses = np.column_stack(cols)
    bench = np.zeros(len(r))
    block = max(2, round(len(r) ** (1 / 3)))
    spa = _linear_spa()(bench, losses, block_size=block, reps=n_boot, bootstrap="stationary", seed=seed)
    spa.compute()
    p_consistent = float(spa.pvalues["consistent"])
    # StepM runs SPA on shrinking model sets; its own SPA would be this one (same data, block, reps and seed, hence
    # the same bootstrap draws), so it reuses it: one bootstrap instead of two, and the linear variance
    stepm = StepM(bench, losses, size=size, block_size=block, reps=n_boot, bootstrap="stationary", seed=seed)
    stepm.spa = spa
    stepm.compute()
    superior = {_model_name(c, names) for c in stepm.superior_models}
    return superior, p_consistent, names


def _model_name(label: object, names: list[str]) -> str:
    if isinstance(label, (int, np.integer)):
        return names[int(label)]
    text = str(label)
    if text.startswith("model."):
        return names[int(text.split(".", 1)[1])]
    return text


def study_frame(
    frame: FeatureFrame,
    signals: Sequence[SignalSpec] = DEFAULT_SIGNALS,
    horizons_days: Sequence[int] = (1, 3, 7),
    *,
    seed: int = 7,
    n_boot: int = 2000,
    confidence: float = 0.9,
    min_events: int = 5,
    size: float = 0.05,
) -> StudyResult:
    """Run the event study on a feature frame (pure: no I/O, seeded)."""
    ts_ms = frame.ts.astype(np.int64)
    rows: list[EventStats] = []
    spa_p: dict[int, float | None] = {}
    method = ""
    for h in horizons_days:
        rng = np.random.default_rng([seed, h])
        fwd = forward_returns(ts_ms, frame.close, h * DAY_MS)
        base = fwd[np.isfinite(fwd)]
        specs = [s for s in signals if s.feature in frame.features]
        stats = [
            _signal_stats(s, h, frame, fwd, base, rng=rng, n_boot=n_boot, confidence=confidence, min_events=min_events)
            for s in specs
        ]
        mt = _stepm(frame, specs, fwd, h, seed=seed + h, n_boot=min(n_boot, 1000), size=size)
        if mt is not None:
            superior, p_spa, tested = mt
            spa_p[h] = p_spa
            method = (
                f"arch StepM/SPA (Romano–Wolf / Hansen; stationary bootstrap, studentised, size {size:g}) on "
                "non-overlapping horizon periods"
            )
            stats = [
                _replace(
                    s, significant=(s.signal in superior) if s.signal in tested and s.p_value is not None else None
                )
                for s in stats
            ]
        else:
            method = f"Benjamini–Hochberg on bootstrap p-values (FDR {size:g}); arch not installed"
            ps = [s.p_value for s in stats if s.p_value is not None]
            adj = iter(benjamini_hochberg(ps))
            stats = [_replace(s, significant=(next(adj) <= size) if s.p_value is not None else None) for s in stats]
        rows.extend(stats)
    used = sorted({s.feature for s in signals if s.feature in frame.features})
    return StudyResult(
        asset=frame.asset,
        interval_s=frame.interval_s,
        horizons_days=tuple(horizons_days),
        span_start=dt64_to_datetime(frame.ts[0]),
        span_end=dt64_to_datetime(frame.ts[-1]),
        rows=tuple(rows),
        feature_spans={f: frame.span(f) for f in used},
        multiple_testing=method,
        spa_pvalues=spa_p,
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
    )


def _replace(s: EventStats, **changes: object) -> EventStats:
    from dataclasses import replace

    return replace(s, **changes)


def run_study(
    store: HistoryStore,
    asset: str,
    signals: Sequence[SignalSpec] = DEFAULT_SIGNALS,
    horizons_days: Sequence[int] = (1, 3, 7),
    *,
    as_of: datetime | None = None,
    interval_s: int = 14_400,
    seed: int = 7,
    n_boot: int = 2000,
    confidence: float = 0.9,
    min_events: int = 5,
) -> Result[StudyResult]:
    """Event study of ``signals`` on ``asset``'s stored history known by ``as_of`` (all when None)."""
    frame = build_features(store, asset, interval_s=interval_s, until=as_of, features={s.feature for s in signals})
    params = {
        "horizons_days": list(horizons_days),
        "interval_s": interval_s,
        "seed": seed,
        "n_boot": n_boot,
        "confidence": confidence,
        "min_events": min_events,
    }
    if frame is None or len(frame.ts) < 2:
        return Result.missing(f"no {interval_s // 3600} h candles stored for {asset}", params=params)
    result = study_frame(
        frame, signals, horizons_days, seed=seed, n_boot=n_boot, confidence=confidence, min_events=min_events
    )
    sources: list[Source] = [s for group in frame.sources.values() for s in group]
    empty = [f for f, span in result.feature_spans.items() if span is None]
    reasons = [f"no stored history for feature {f}" for f in empty]
    return Result.of(result, sources=sources, params=params, reasons=reasons, partial=bool(empty))
