"""Walk-forward track record of the bias: the live rules replayed at every bar close of stored history.

At each decision time ``t`` (close time of a 4h perp bar) the bias inputs are computed from data known at ``t`` only
(bars closed by ``t``, funding settled by ``t``, OI sampled by ``t``) and fed to ``synthesis.bias.bias_series`` —
the same function the live report evaluates on one row, with the same rules, threshold and minimum coverage, but
restricted to the evidence history provides:

- included: ``structure.price_vs_avwap_quarter`` (bar close vs the quarterly AVWAP of the closed bars since the
  quarter's anchor, voting only after ``QUARTER_AVWAP_MIN_BARS`` bars, as live), ``positioning.funding_zscore`` (last
  settled per-hour rate vs the 30 d settlements, as ``positioning.funding.funding_zscore``),
  ``positioning.cvd_perp_24h_usd`` (Σ (2·taker_buy − volume)·close over the bars opened in the last 24 h, as
  ``positioning.cvd.cvd_from_candles``) and ``positioning.quadrant`` (24 h price vs coin-OI change; only where OI is
  stored);
- excluded (listed in ``TrackRecord.excluded``): ``macro.regime`` and ``options.rr25`` (see ``EXCLUDED``).

Forward returns at 1/3/7 d come from ``event_study.forward_returns`` (close at the last bar closed by t + h). A call
is a bullish or bearish bias; its hit is a forward return of its sign. The base rate is the unconditional one over
the same span (every decision time where the bias was computable and the forward return known): ``base_up_rate`` =
share of up moves, and ``base_hit_rate`` = what a caller with the same bullish/bearish mix but no information would
hit (share_bullish·P(up) + share_bearish·P(down)); ``edge = hit_rate − base_hit_rate``.

Window: only decision times within ``lookback_days`` (default five years, as the squeeze base rates) before ``as_of``
count, and the store is read from ``as_of − lookback − BIAS_WARMUP_MS`` on, so the first counted decision time sees the
same inputs it would see on the whole history (the quarterly AVWAP from its quarter's anchor, 30 d of funding). The
record's cost is then bounded by the window, not by how far back the store reaches.

Intervals: forward returns at 4h steps overlap (a 7 d return shares 41 of its 42 bars with the next one) and the
bias persists, so calls are not independent. Intervals come from a seeded stationary bootstrap (Politis & Romano
1994) over the decision times, with a mean block length of twice the horizon in bars, resampling hits, returns
and the base together (percentile intervals at ``confidence``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import dt64_to_datetime
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.research.bias_inputs import EXCLUDED, INCLUDED, bias_columns, history_rules
from derivintel.research.calibration import DEFAULT_LOOKBACK_DAYS
from derivintel.research.event_study import forward_returns
from derivintel.research.vectors import DAY_MS, epoch_ms
from derivintel.store.history_store import HistoryStore
from derivintel.synthesis.bias import DEFAULT_BIAS_RULES, bias_series
from derivintel.synthesis.rules import Rule

BIAS_WARMUP_MS = 93 * DAY_MS
"""History read before the first counted decision time: a calendar quarter is at most 92 days (the quarterly AVWAP
votes from its quarter's anchor), which also covers the 30-day funding window and the 24 h CVD and quadrant."""


@dataclass(frozen=True, slots=True)
class HorizonRecord:
    """The bias's calls at one horizon. Returns are fractions; rates are shares. ``signed_mean_return`` is the mean
    of direction × forward return over calls (what following the calls earned before costs); ``mean_edge`` is it
    minus what the same call mix earns on the unconditional mean return. Interval fields are
    stationary-bootstrap percentile bounds; the edges' intervals are simultaneous over the horizons of the record
    (Bonferroni). None when there are fewer than ``min_calls`` calls."""

    horizon_days: int
    n_calls: int
    n_bullish: int
    n_bearish: int
    n_span: int
    hit_rate: float | None
    hit_ci_low: float | None
    hit_ci_high: float | None
    base_hit_rate: float | None
    base_up_rate: float | None
    edge: float | None
    edge_ci_low: float | None
    edge_ci_high: float | None
    signed_mean_return: float | None
    signed_mean_ci_low: float | None
    signed_mean_ci_high: float | None
    mean_edge: float | None
    mean_edge_ci_low: float | None
    mean_edge_ci_high: float | None
    hit_rate_bullish: float | None
    hit_rate_bearish: float | None
    mean_return_bullish: float | None
    mean_return_bearish: float | None

    @property
    def has_edge(self) -> bool | None:
        """True when the hit-rate edge's interval lies above 0, False otherwise, None without an interval."""
        return None if self.edge_ci_low is None else self.edge_ci_low > 0

    @property
    def has_mean_edge(self) -> bool | None:
        """True when the mean-return edge's interval lies above 0, None without an interval."""
        return None if self.mean_edge_ci_low is None else self.mean_edge_ci_low > 0


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """Walk-forward record of the bias over ``span_start``..``span_end`` (decision grid of ``interval_s`` bars).
    ``included``: signals replayed; ``excluded``: signal → why not. ``n_decisions``: decision times where the bias
    was computable (called or neutral)."""

    asset: str
    interval_s: int
    span_start: datetime
    span_end: datetime
    n_decisions: int
    included: tuple[str, ...]
    excluded: Mapping[str, str]
    horizons: tuple[HorizonRecord, ...]
    method: str
    confidence: float
    n_boot: int
    seed: int
    min_calls: int
    feature_spans: Mapping[str, tuple[datetime, datetime] | None] = field(default_factory=dict)

    def at(self, horizon_days: int) -> HorizonRecord | None:
        return next((h for h in self.horizons if h.horizon_days == horizon_days), None)

    @property
    def has_edge(self) -> bool | None:
        """True when some horizon's edge interval lies above 0; None when no horizon has an interval."""
        flags = [h.has_edge for h in self.horizons if h.has_edge is not None]
        return any(flags) if flags else None


def stationary_blocks(
    n: int, n_boot: int, mean_block: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Blocks of a stationary bootstrap (Politis & Romano 1994) of ``n`` observations: ``(starts, lengths)``, each
    ``(n_boot, K)``. Lengths are geometric with mean ``mean_block``, starts uniform, blocks wrap circularly; per
    resample the lengths are cut so they sum to exactly ``n`` (blocks past that have length 0)."""
    p = min(1.0, 1.0 / max(mean_block, 1.0))
    k = int(np.ceil(n * p * 1.5)) + 16
    lengths = rng.geometric(p, size=(n_boot, k)).astype(np.int64)
    while np.any(lengths.sum(axis=1) < n):  # rare: draw more blocks for every resample
        lengths = np.concatenate([lengths, rng.geometric(p, size=(n_boot, k)).astype(np.int64)], axis=1)
    starts = rng.integers(0, n, size=lengths.shape, dtype=np.int64)
    before = np.cumsum(lengths, axis=1) - lengths
    lengths = np.clip(n - before, 0, lengths)
    return starts, lengths


def block_sums(x: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sum of each row of ``x`` (shape ``(m, n)``) over every resample's blocks: ``(m, n_boot)``. Uses circular
    prefix sums, so the cost is per block, not per resampled observation."""
    end, begin = (starts + lengths).ravel(), starts.ravel()
    out = np.empty((x.shape[0], starts.shape[0]))
    for r, row in enumerate(x):
        prefix = np.concatenate([[0.0], np.cumsum(np.concatenate([row, row]))])
        out[r] = (prefix.take(end) - prefix.take(begin)).reshape(starts.shape).sum(axis=1)
    return out


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _horizon_record(
    h: int,
    labels: np.ndarray,
    fwd: np.ndarray,
    *,
    interval_s: int,
    rng: np.random.Generator,
    n_boot: int,
    confidence: float,
    min_calls: int,
    n_horizons: int = 1,
) -> HorizonRecord:
    span = np.flatnonzero((labels != None) & np.isfinite(fwd))  # noqa: E711 (object array comparison)
    r = fwd[span]
    lab = labels[span]
    bull = (lab == "bullish").astype(float)
    bear = (lab == "bearish").astype(float)
    up = (r > 0).astype(float)
    down = (r < 0).astype(float)
    direction = bull - bear
    hit = np.where(direction > 0, up, 0.0) + np.where(direction < 0, down, 0.0)
    signed = direction * r
    n_calls = int(bull.sum() + bear.sum())

    def stats(sums: np.ndarray, n: int) -> dict[str, np.ndarray]:
        """Rates from the sums of (bull, bear, up, down, hit, signed) over ``n`` resampled decision times."""
        nb, ns, n_up, n_down, n_hit, s_signed, s_r = sums
        nc = nb + ns

        def per_n(v: np.ndarray) -> np.ndarray:  # no decision time in the span: undefined (NaN), no warning
            return v / n if n else np.full(np.shape(v), np.nan)

        hr = _safe_div(n_hit, nc)
        base = _safe_div(per_n(nb * n_up) + per_n(ns * n_down), nc)
        mean = _safe_div(s_signed, nc)
        base_mean = _safe_div(per_n((nb - ns) * s_r), nc)  # same call mix on the unconditional mean return
        return {"hit": hr, "base": base, "edge": hr - base, "mean": mean, "mean_edge": mean - base_mean}

    x = np.vstack([bull, bear, up, down, hit, signed, r])

    def val(x: np.ndarray | float) -> float | None:
        return float(x) if np.isfinite(x) else None

    point = {k: v[0] for k, v in stats(x.sum(axis=1)[:, None], len(span)).items()}
    lo_hi: dict[str, tuple[float | None, float | None]] = dict.fromkeys(point, (None, None))
    if n_calls >= min_calls and len(span) >= 2:
        mean_block = 2.0 * h * DAY_MS / (interval_s * 1000)
        starts, lengths = stationary_blocks(len(span), n_boot, mean_block, rng)
        boots = stats(block_sums(x, starts, lengths), len(span))
        for k, b in boots.items():
            b = b[np.isfinite(b)]
            # the edge's interval is simultaneous over the horizons tested (Bonferroni), the others per horizon
            a = (1.0 - confidence) / 2.0 / (n_horizons if k in ("edge", "mean_edge") else 1)
            if len(b):
                q = np.quantile(b, [a, 1.0 - a])
                lo_hi[k] = (float(q[0]), float(q[1]))
    enough = n_calls >= min_calls
    nb, ns = int(bull.sum()), int(bear.sum())
    return HorizonRecord(
        horizon_days=h,
        n_calls=n_calls,
        n_bullish=nb,
        n_bearish=ns,
        n_span=len(span),
        hit_rate=val(point["hit"]) if enough else None,
        hit_ci_low=lo_hi["hit"][0],
        hit_ci_high=lo_hi["hit"][1],
        base_hit_rate=val(point["base"]) if n_calls else None,
        base_up_rate=float(up.mean()) if len(span) else None,
        edge=val(point["edge"]) if enough else None,
        edge_ci_low=lo_hi["edge"][0],
        edge_ci_high=lo_hi["edge"][1],
        signed_mean_return=val(point["mean"]) if enough else None,
        signed_mean_ci_low=lo_hi["mean"][0],
        signed_mean_ci_high=lo_hi["mean"][1],
        mean_edge=val(point["mean_edge"]) if enough else None,
        mean_edge_ci_low=lo_hi["mean_edge"][0],
        mean_edge_ci_high=lo_hi["mean_edge"][1],
        hit_rate_bullish=float(up[bull > 0].mean()) if nb else None,
        hit_rate_bearish=float(down[bear > 0].mean()) if ns else None,
        mean_return_bullish=float(r[bull > 0].mean()) if nb else None,
        mean_return_bearish=float(r[bear > 0].mean()) if ns else None,
    )


def track_record_from_series(
    asset: str,
    candles: CandleSeries,
    funding: FundingSeries | None,
    oi: OpenInterestSeries | None,
    *,
    horizons_days: Sequence[int] = (1, 3, 7),
    rules: Sequence[Rule] = DEFAULT_BIAS_RULES,
    threshold: float = 0.2,
    min_coverage: float = 0.5,
    seed: int = 7,
    n_boot: int = 1000,
    confidence: float = 0.9,
    min_calls: int = 30,
    first_decision_ms: int | None = None,
) -> Result[TrackRecord]:
    """The walk-forward track record from in-memory series (pure: no I/O, seeded). Decision times before
    ``first_decision_ms`` (epoch ms; None: every bar) feed the inputs' warm-up but are not counted."""
    params = {
        "horizons_days": list(horizons_days),
        "threshold": threshold,
        "min_coverage": min_coverage,
        "seed": seed,
        "n_boot": n_boot,
        "confidence": confidence,
        "min_calls": min_calls,
        "interval_s": candles.interval_s,
    }
    if first_decision_ms is not None:
        params["first_decision_ms"] = first_decision_ms
    if len(candles) < 2:
        return Result.missing(
            f"no track record: {len(candles)} {candles.interval_s // 3600}h bars stored", params=params
        )
    at, cols = bias_columns(candles, funding, oi)
    hist_rules = history_rules(rules)
    series = bias_series(cols, hist_rules, threshold=threshold, min_coverage=min_coverage)
    labels = series.label
    counted = np.ones(len(at), bool) if first_decision_ms is None else at >= first_decision_ms
    if not counted.all():
        labels = np.where(counted, labels, None)
    records = []
    for h in horizons_days:
        fwd = forward_returns(at, candles.close, h * DAY_MS)
        rng = np.random.default_rng([seed, h])
        records.append(
            _horizon_record(
                h,
                labels,
                fwd,
                interval_s=candles.interval_s,
                rng=rng,
                n_boot=n_boot,
                confidence=confidence,
                min_calls=min_calls,
                n_horizons=len(horizons_days),
            )
        )
    called = np.flatnonzero(labels != None)  # noqa: E711
    if not len(called):
        return Result.missing("no track record: the bias was never computable on the stored history", params=params)
    spans: dict[str, tuple[datetime, datetime] | None] = {}
    for name in INCLUDED:
        v = series.signal_votes.get(name)
        ok = np.flatnonzero(np.isfinite(v) & counted) if v is not None else np.zeros(0, int)
        spans[name] = (_dt(at[ok[0]]), _dt(at[ok[-1]])) if len(ok) else None
    record = TrackRecord(
        asset=asset,
        interval_s=candles.interval_s,
        span_start=_dt(at[called[0]]),
        span_end=_dt(at[called[-1]]),
        n_decisions=len(called),
        included=tuple(s for s in INCLUDED if any(r.signal == s for r in hist_rules)),
        excluded=dict(EXCLUDED),
        horizons=tuple(records),
        method=(
            "walk-forward at every bar close with the live bias rules on the evidence history provides; "
            f"stationary bootstrap (mean block = 2 × horizon in bars, {n_boot} resamples, seed {seed}), "
            f"{confidence:.0%} percentile intervals (the edges' Bonferroni-adjusted over {len(horizons_days)} horizons)"
        ),
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
        min_calls=min_calls,
        feature_spans=spans,
    )
    empty = [s for s, sp in spans.items() if sp is None]
    reasons = [f"excluded: {s}: {why}" for s, why in EXCLUDED.items()]
    reasons += [f"no stored history for {s}" for s in empty]
    return Result.of(record, params=params, reasons=reasons, partial=True)


def _dt(ms: np.integer) -> datetime:
    return dt64_to_datetime(np.datetime64(int(ms), "ms"))


def _grid(candles: list[CandleSeries], interval_s: int) -> CandleSeries | None:
    pool = [c for c in candles if c.market == "perp" and c.interval_s == interval_s]
    return max(pool, key=len) if pool else None


def bias_track_record(
    store: HistoryStore,
    asset: str,
    as_of: datetime | None = None,
    *,
    interval_s: int = 14_400,
    horizons_days: Sequence[int] = (1, 3, 7),
    seed: int = 7,
    n_boot: int = 1000,
    confidence: float = 0.9,
    min_calls: int = 30,
    lookback_days: float | None = DEFAULT_LOOKBACK_DAYS,
) -> Result[TrackRecord]:
    """Track record of the bias on ``asset``'s stored history known at ``as_of`` (the latest stored bar when None):
    only bars closed, funding settled and OI sampled by ``as_of``, so every forward return used was known then;
    only decision times within ``lookback_days`` before it count (None: the whole history; see the module doc: the
    read is bounded by the window)."""
    lookback_ms = None if lookback_days is None else round(lookback_days * DAY_MS)
    since = None
    if as_of is not None and lookback_ms is not None:
        since = as_of - timedelta(milliseconds=lookback_ms + BIAS_WARMUP_MS)
    grid = _grid(store.candle_series(asset, until=as_of, since=since), interval_s)
    if grid is None or len(grid) < 2:
        return Result.missing(f"no track record: no stored {interval_s // 3600}h perp bars for {asset}")
    first_decision_ms = None
    if lookback_ms is not None:
        end_ms = int(as_of.timestamp() * 1000) if as_of is not None else int(epoch_ms(grid.ts)[-1]) + interval_s * 1000
        first_decision_ms = end_ms - lookback_ms
        if since is None:
            since = _dt(np.int64(first_decision_ms - BIAS_WARMUP_MS))
    funding = store.funding_series(asset, until=as_of, since=since)
    ois = store.open_interest_series(asset, until=as_of, since=since)
    f = max(funding, key=len) if funding else None
    o = max(ois, key=len) if ois else None
    res = track_record_from_series(
        asset,
        grid,
        f,
        o,
        horizons_days=horizons_days,
        seed=seed,
        n_boot=n_boot,
        confidence=confidence,
        min_calls=min_calls,
        first_decision_ms=first_decision_ms,
    )
    if res.value is None:
        return res
    sources: list[Source] = [grid.source] + ([f.source] if f else []) + ([o.source] if o else [])
    params = {**res.params, "lookback_days": lookback_days}
    return Result.of(res.value, sources=sources, params=params, reasons=res.reasons, partial=True)
