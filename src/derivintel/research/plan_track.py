"""Measured record of the trade plan: the live plan rules replayed weekly on stored history, each plan's entry,
stop and first target followed on the bars after it. The same pass gives the market phase call's record
(``research.phase_record``): one structure analysis per decision time serves both.

Decision times: every Monday 00:00 UTC within ``lookback_days`` before ``as_of`` whose horizon has closed by
``as_of`` (``t + horizon ≤ as_of``, so every outcome used was known then). Weekly decisions with a 7-day horizon
make the outcome windows disjoint. At each ``t`` the plan is built as the live report builds it
(``analytics.structure.analyze_structure`` on the perp candles closed by ``t``, ``stop_clusters`` on its reference
levels, ``synthesis.plan_levels``, ``synthesis.trade_plan.build_trade_plan``) with the evidence history provides:

- included: AVWAPs and the value area (entries), untouched highs/lows with resting stops (targets), the ATR;
- excluded (``EXCLUDED``): options walls and modelled liquidation clusters.

Outcome of each actionable side (``enter`` or ``wait``): a limit fill at ``entry_usd`` when a bar within
``fill_days`` trades through it; then, on the bars up to ``t + horizon``, the stop or the first target, whichever a
bar reaches first. Conservative where a bar cannot tell the order: on the fill bar only the stop counts (the target
may have printed before the fill), and a later bar reaching both counts as the stop. Neither by the horizon: the
plan is closed at the last close (``open``). ``r_net``: the outcome in multiples of the loss at the stop, taker fee
and slippage on both fills included (``-1`` at the stop by construction).

Baseline: for a plan that resolved (target or stop), a driftless continuous price hits the target before the stop
with probability ``risk / (risk + reward)`` (gross distances; optional stopping for a martingale), so a rule with no
information hits at the mean of that over the same plans; ``edge = hit_rate − base_hit_rate``. A rule with no
information earns ``r_net`` below zero by the costs, so the mean ``r_net`` is compared with zero, not with the base.
Intervals: a seeded stationary bootstrap (Politis & Romano 1994) over the decision weeks, mean block 4 weeks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from derivintel.analytics.liquidity.stop_clusters import reference_levels, stop_clusters
from derivintel.analytics.structure import StructureAnalysis, StructureParams, analyze_structure
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.domain.series import CandleSeries
from derivintel.research.bias_track import block_sums, stationary_blocks
from derivintel.research.calibration import DEFAULT_LOOKBACK_DAYS
from derivintel.research.phase_record import PhaseCall, PhaseRecord, phase_record
from derivintel.research.vectors import DAY_MS, epoch_ms
from derivintel.store.history_store import HistoryStore
from derivintel.store.snapshot_at import SnapshotWindows
from derivintel.synthesis.plan_levels import plan_levels
from derivintel.synthesis.trade_plan import PlanParams, SidePlan, TradePlan, build_trade_plan

EXCLUDED: Mapping[str, str] = {
    "options walls": "option chains are stored only as sparse snapshots, too few to replay weekly",
    "modelled liquidation clusters": "the map needs every venue's OI at each decision time; not replayed here",
}
STRUCTURE_WARMUP_DAYS = SnapshotWindows().series_lookback.days
"""Candles read before each decision time: what a point-in-time report (``report --asof``) reads, so the replayed
plan at ``t`` is the plan that report shows at ``t`` (same anchors, same swings)."""
OUTCOMES = ("target", "stop", "open", "unfilled")
DEFAULT_PLAN = PlanParams()
DEFAULT_STRUCTURE = StructureParams()


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    """One side's plan at one decision time and what followed. Prices in USD; ``r_net`` in multiples of the loss at
    the stop (costs included), None when unfilled; ``base_p`` the driftless probability of target before stop."""

    decision: datetime
    side: str
    status: str
    entry_usd: float
    stop_usd: float
    target_usd: float
    outcome: str
    r_net: float | None
    base_p: float


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """The plan's record over ``span_start``..``span_end`` (decision weeks). Rates are shares, ``mean_r_net`` in
    multiples of the loss at the stop; interval bounds are stationary-bootstrap percentiles at ``confidence``.
    Rates are None with fewer than ``min_plans`` resolved plans."""

    asset: str
    interval_s: int
    span_start: datetime
    span_end: datetime
    n_decisions: int
    n_plans: int
    n_filled: int
    n_target: int
    n_stop: int
    n_open: int
    hit_rate: float | None
    hit_ci_low: float | None
    hit_ci_high: float | None
    base_hit_rate: float | None
    edge: float | None
    edge_ci_low: float | None
    edge_ci_high: float | None
    mean_r_net: float | None
    mean_r_ci_low: float | None
    mean_r_ci_high: float | None
    horizon_days: float
    fill_days: float
    excluded: Mapping[str, str]
    method: str
    confidence: float
    n_boot: int
    seed: int
    min_plans: int
    outcomes: tuple[PlanOutcome, ...] = ()

    @property
    def has_edge(self) -> bool | None:
        """True when the hit-rate edge's interval lies above 0; None without an interval."""
        return None if self.edge_ci_low is None else self.edge_ci_low > 0


def follow_plan(
    side: SidePlan,
    *,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    fill_bars: int,
    cost_per_fill: float,
) -> tuple[str, float | None]:
    """(outcome, r_net) of one side's plan on the bars after its decision time (arrays of the horizon, in order).

    See the module doc for the fill and the conservative order within a bar."""
    if side.entry_usd is None or side.stop_usd is None or not side.targets:
        raise ValueError(f"{side.side} plan without entry, stop or target: {side.label}")
    entry, stop, target = side.entry_usd, side.stop_usd, side.targets[0].price_usd
    sign = 1.0 if side.side == "long" else -1.0
    n = len(close)
    touched = low[: min(fill_bars, n)] <= entry if sign > 0 else high[: min(fill_bars, n)] >= entry
    hits = np.flatnonzero(touched)
    if not len(hits):
        return "unfilled", None
    j = int(hits[0])
    loss = (entry - stop) * sign / entry + cost_per_fill * (entry + stop) / entry

    def r_at(exit_usd: float) -> float:
        return ((exit_usd - entry) * sign / entry - cost_per_fill * (entry + exit_usd) / entry) / loss

    stop_hit = (low[j:] <= stop) if sign > 0 else (high[j:] >= stop)
    target_hit = (high[j:] >= target) if sign > 0 else (low[j:] <= target)
    target_hit[0] = False  # the fill bar: the target may have printed before the fill
    first_stop = int(np.argmax(stop_hit)) if stop_hit.any() else n
    first_target = int(np.argmax(target_hit)) if target_hit.any() else n
    if first_stop == n and first_target == n:
        return "open", r_at(float(close[-1]))
    if first_stop <= first_target:
        return "stop", r_at(stop)
    return "target", r_at(target)


def _mondays(first_ms: int, last_ms: int) -> np.ndarray:
    """Every Monday 00:00 UTC in ``[first_ms, last_ms]`` (epoch ms)."""
    day0 = datetime.fromtimestamp(first_ms / 1000, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = day0 + timedelta(days=(7 - day0.weekday()) % 7)
    start = int(monday.timestamp() * 1000)
    if start < first_ms:
        start += 7 * DAY_MS
    return np.arange(start, last_ms + 1, 7 * DAY_MS, dtype=np.int64)


def _window(c: CandleSeries, lo: int, hi: int) -> CandleSeries:
    taker = None if c.taker_buy_base is None else c.taker_buy_base[lo:hi]
    return replace(
        c,
        ts=c.ts[lo:hi],
        open=c.open[lo:hi],
        high=c.high[lo:hi],
        low=c.low[lo:hi],
        close=c.close[lo:hi],
        volume_base=c.volume_base[lo:hi],
        taker_buy_base=taker,
    )


def _structure_at(
    candles: CandleSeries, open_ms: np.ndarray, t_ms: int, structure_params: StructureParams
) -> tuple[StructureAnalysis, CandleSeries] | None:
    """The structure analysis at ``t_ms`` on the bars closed by then over the point-in-time report's window, with
    that window; None when it cannot be computed or has no ATR. ``open_ms``: the bars' open times (epoch ms),
    computed once by the caller."""
    lo = int(np.searchsorted(open_ms, t_ms - STRUCTURE_WARMUP_DAYS * DAY_MS, side="left"))
    hi = int(np.searchsorted(open_ms, t_ms - candles.interval_s * 1000, side="right"))  # bars closed by t
    if hi - lo < 2:
        return None
    past = _window(candles, lo, hi)
    structure = analyze_structure(past, as_of=datetime.fromtimestamp(t_ms / 1000, UTC), params=structure_params).value
    if structure is None or structure.atr_usd is None:
        return None
    return structure, past


def _plan_from(structure: StructureAnalysis, past: CandleSeries, t_ms: int, params: PlanParams) -> TradePlan | None:
    at = datetime.fromtimestamp(t_ms / 1000, UTC)
    price = float(structure.last_close_usd)
    stops = stop_clusters(reference_levels(structure), price_usd=price, liq_map=None, candles=past, as_of=at)
    levels = plan_levels(structure, None, stops.value, None)
    return build_trade_plan(
        price_usd=price,
        atr_usd=structure.atr_usd,
        entry_levels=levels.entries,
        target_levels=levels.targets,
        bias=None,
        params=params,
    ).value


def plan_at(
    candles: CandleSeries,
    t_ms: int,
    *,
    params: PlanParams = DEFAULT_PLAN,
    structure_params: StructureParams = DEFAULT_STRUCTURE,
) -> TradePlan | None:
    """The plan the live rules build at ``t_ms`` (epoch ms) from the bars of ``candles`` closed by then, over the
    point-in-time report's window (``STRUCTURE_WARMUP_DAYS``); None when no structure or ATR can be computed."""
    got = _structure_at(candles, epoch_ms(candles.ts), int(t_ms), structure_params)
    return None if got is None else _plan_from(got[0], got[1], int(t_ms), params)


@dataclass(frozen=True, slots=True)
class WeeklyReplay:
    """What one replay pass over the decision times gives: every actionable side's outcome, the number of
    decision times where a plan was built, and the phase calls with their next-horizon log return."""

    outcomes: list[PlanOutcome]
    built: int
    phase_calls: list[PhaseCall]


def replay_weekly(
    candles: CandleSeries,
    decisions_ms: np.ndarray,
    *,
    horizon_days: float = 7.0,
    fill_days: float = 2.0,
    params: PlanParams = DEFAULT_PLAN,
    structure_params: StructureParams = DEFAULT_STRUCTURE,
) -> WeeklyReplay:
    """One pass: the structure at each decision time, the plan built from it and followed, and its phase call
    (pure; see the module doc and ``research.phase_record``)."""
    open_ms = epoch_ms(candles.ts)
    horizon_ms, fill_ms = round(horizon_days * DAY_MS), round(fill_days * DAY_MS)
    out: list[PlanOutcome] = []
    phases: list[PhaseCall] = []
    built = 0
    for t in (int(x) for x in decisions_ms):
        got = _structure_at(candles, open_ms, t, structure_params)
        if got is None:
            continue
        structure, past = got
        f0 = int(np.searchsorted(open_ms, t, side="left"))  # the first bar opening at or after t
        f1 = int(np.searchsorted(open_ms, t + horizon_ms, side="left"))
        if structure.phase is not None and f1 > f0:
            ret = float(np.log(candles.close[f1 - 1] / structure.last_close_usd))
            phases.append(PhaseCall(t, structure.phase.phase.value, ret))
        plan = _plan_from(structure, past, t, params)
        if plan is None:
            continue
        built += 1
        at = datetime.fromtimestamp(t / 1000, UTC)
        fill_bars = int(np.searchsorted(open_ms, t + fill_ms, side="left")) - f0
        for side in (plan.long, plan.short):
            if not side.actionable or side.entry_usd is None or side.stop_usd is None or not side.targets:
                continue
            outcome, r = follow_plan(
                side,
                high=candles.high[f0:f1],
                low=candles.low[f0:f1],
                close=candles.close[f0:f1],
                fill_bars=fill_bars,
                cost_per_fill=params.cost_per_fill_frac,
            )
            target = side.targets[0].price_usd
            risk, reward = abs(side.entry_usd - side.stop_usd), abs(target - side.entry_usd)
            out.append(
                PlanOutcome(
                    at,
                    side.side,
                    side.status,
                    side.entry_usd,
                    side.stop_usd,
                    target,
                    outcome,
                    r,
                    risk / (risk + reward),
                )
            )
    return WeeklyReplay(out, built, phases)


def plan_record_from_outcomes(
    asset: str,
    interval_s: int,
    outcomes: list[PlanOutcome],
    n_decisions: int,
    *,
    horizon_days: float,
    fill_days: float,
    seed: int = 7,
    n_boot: int = 1000,
    confidence: float = 0.9,
    min_plans: int = 30,
) -> Result[PlanRecord]:
    """The record from the outcomes (pure, seeded): rates, mean R and their bootstrap intervals over decision weeks."""
    params = {
        "horizon_days": horizon_days,
        "fill_days": fill_days,
        "seed": seed,
        "n_boot": n_boot,
        "min_plans": min_plans,
    }
    if not outcomes:
        return Result.missing(
            f"no measured record: no actionable plan at {n_decisions} weekly decision times", params=params
        )
    weeks = sorted({o.decision for o in outcomes})
    index = {w: i for i, w in enumerate(weeks)}
    # per decision week: resolved, target, Σ base_p over resolved, filled, Σ r_net over filled
    x = np.zeros((5, len(weeks)))
    for o in outcomes:
        i = index[o.decision]
        if o.outcome in ("target", "stop"):
            x[0, i] += 1
            x[1, i] += o.outcome == "target"
            x[2, i] += o.base_p
        if o.r_net is not None:
            x[3, i] += 1
            x[4, i] += o.r_net

    def stats(s: np.ndarray) -> dict[str, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore"):
            hit = np.where(s[0] > 0, s[1] / s[0], np.nan)
            base = np.where(s[0] > 0, s[2] / s[0], np.nan)
            mean_r = np.where(s[3] > 0, s[4] / s[3], np.nan)
        return {"hit": hit, "base": base, "edge": hit - base, "r": mean_r}

    point = {k: float(v[0]) for k, v in stats(x.sum(axis=1)[:, None]).items()}
    counts = {k: sum(o.outcome == k for o in outcomes) for k in OUTCOMES}
    n_resolved = counts["target"] + counts["stop"]
    bounds: dict[str, tuple[float | None, float | None]] = dict.fromkeys(point, (None, None))
    enough = n_resolved >= min_plans
    if enough and len(weeks) >= 2:
        rng = np.random.default_rng(seed)
        starts, lengths = stationary_blocks(len(weeks), n_boot, 4.0, rng)
        a = (1.0 - confidence) / 2.0
        for k, b in stats(block_sums(x, starts, lengths)).items():
            b = b[np.isfinite(b)]
            if len(b):
                q = np.quantile(b, [a, 1.0 - a])
                bounds[k] = (float(q[0]), float(q[1]))

    def val(k: str) -> float | None:
        return point[k] if enough and np.isfinite(point[k]) else None

    record = PlanRecord(
        asset=asset,
        interval_s=interval_s,
        span_start=weeks[0],
        span_end=weeks[-1],
        n_decisions=n_decisions,
        n_plans=len(outcomes),
        n_filled=len(outcomes) - counts["unfilled"],
        n_target=counts["target"],
        n_stop=counts["stop"],
        n_open=counts["open"],
        hit_rate=val("hit"),
        hit_ci_low=bounds["hit"][0],
        hit_ci_high=bounds["hit"][1],
        base_hit_rate=val("base"),
        edge=val("edge"),
        edge_ci_low=bounds["edge"][0],
        edge_ci_high=bounds["edge"][1],
        mean_r_net=val("r"),
        mean_r_ci_low=bounds["r"][0],
        mean_r_ci_high=bounds["r"][1],
        horizon_days=horizon_days,
        fill_days=fill_days,
        excluded=dict(EXCLUDED),
        method=(
            "weekly replay of the live plan rules on the evidence history provides; limit fill at the entry within "
            f"{fill_days:g} d, stop or first target within {horizon_days:g} d (stop first when a bar cannot tell); "
            f"stationary bootstrap over decision weeks (mean block 4, {n_boot} resamples, seed {seed}), "
            f"{confidence:.0%} percentile intervals"
        ),
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
        min_plans=min_plans,
        outcomes=tuple(outcomes),
    )
    reasons = [f"excluded: {k}: {why}" for k, why in EXCLUDED.items()]
    if not enough:
        reasons.append(f"too few resolved plans to measure: {n_resolved} < {min_plans}")
    return Result.of(record, params=params, reasons=reasons, partial=True)


def _structure_candles(candles: list[CandleSeries]) -> CandleSeries | None:
    """The candles the live report's structure reads: hourly perp when stored, else the longest perp series."""
    perps = [c for c in candles if c.market == "perp" and len(c)]
    hourly = [c for c in perps if c.interval_s == 3600]
    pool = hourly or perps
    return max(pool, key=len) if pool else None


def structure_records(
    store: HistoryStore,
    asset: str,
    as_of: datetime,
    *,
    lookback_days: float = DEFAULT_LOOKBACK_DAYS,
    horizon_days: float = 7.0,
    fill_days: float = 2.0,
    params: PlanParams = DEFAULT_PLAN,
    seed: int = 7,
    n_boot: int = 1000,
    confidence: float = 0.9,
    min_plans: int = 30,
) -> tuple[Result[PlanRecord], Result[PhaseRecord]]:
    """The plan's record and the phase call's record on ``asset``'s perp candles stored and closed by ``as_of``, from
    one weekly replay (see the module doc); the read is bounded by the window plus the structure's warm-up, so the
    cost does not grow with the store's history."""
    since = as_of - timedelta(days=lookback_days + STRUCTURE_WARMUP_DAYS)
    candles = _structure_candles(store.candle_series(asset, until=as_of, since=since))
    if candles is None or len(candles) < 2:
        missing = Result.missing(f"no measured record: no stored perp candles for {asset}")
        return missing, missing
    end_ms = int(as_of.timestamp() * 1000)
    first = end_ms - round(lookback_days * DAY_MS)
    decisions = _mondays(max(first, int(epoch_ms(candles.ts)[0])), end_ms - round(horizon_days * DAY_MS))
    replay = replay_weekly(candles, decisions, horizon_days=horizon_days, fill_days=fill_days, params=params)
    sources: list[Source] = [candles.source]
    note = [] if candles.interval_s == 3600 else [f"replayed on {candles.interval_s // 3600}h bars (no hourly stored)"]
    phases = phase_record(replay.phase_calls, horizon_days=horizon_days, ci_level=confidence, seed=seed)
    if phases.value is not None:
        phases = Result.of(
            phases.value,
            sources=sources,
            params={**phases.params, "lookback_days": lookback_days},
            reasons=[*phases.reasons, *note],
            partial=True,
        )
    res = plan_record_from_outcomes(
        asset,
        candles.interval_s,
        replay.outcomes,
        replay.built,
        horizon_days=horizon_days,
        fill_days=fill_days,
        seed=seed,
        n_boot=n_boot,
        confidence=confidence,
        min_plans=min_plans,
    )
    if res.value is None:
        return res, phases
    plan = Result.of(
        res.value,
        sources=sources,
        params={**res.params, "lookback_days": lookback_days},
        reasons=[*res.reasons, *note],
        partial=True,
    )
    return plan, phases


def plan_track_record(store: HistoryStore, asset: str, as_of: datetime, **kwargs: Any) -> Result[PlanRecord]:
    """The plan's record alone (``structure_records``)."""
    return structure_records(store, asset, as_of, **kwargs)[0]
