"""Measured record of the market phase call (Phase 2): is the asset's next week better after an "up" phase
(accumulation, markup) than after a "down" phase (distribution, markdown)?

The phase is the live heuristic (``analytics.structure.phase``) as the structure analysis computes it on the perp
candles closed by each decision time; the replay (``research.plan_track``, every Monday 00:00 UTC) supplies the
calls, with the evidence history provides there: range position and the AVWAP side and slope. OI trend, funding
and spot-vs-perp CVD are not replayed (missing evidence, as in a point-in-time report without them), which the
record says. The outcome is the log return from the last close before the call to the last close of the next
``horizon`` (7 days): weekly calls do not overlap, so the percentile bootstrap of the difference (up − down mean
return, resampled within each group) is of independent draws. The base is the mean over every call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from derivintel.core.result import Result
from derivintel.research.mean_difference import bootstrap_mean_difference

UP_PHASES = ("accumulation", "markup")
DOWN_PHASES = ("distribution", "markdown")
MIN_PER_GROUP = 5
NOT_REPLAYED = ("oi_trend", "funding", "spot_vs_perp_cvd")


@dataclass(frozen=True, slots=True)
class PhaseCall:
    """One weekly phase call: decision time (epoch ms), the phase, the next-horizon log return."""

    t_ms: int
    phase: str
    log_return: float


@dataclass(frozen=True, slots=True)
class PhaseRecord:
    """Forward log returns over ``horizon_days`` after weekly phase calls: N and mean per phase and per group, the
    share of calls whose sign matched the group (up: >0, down: <0), the base over every call, and the difference
    up − down with its ``ci_level`` interval (None when a group has fewer than ``MIN_PER_GROUP`` calls)."""

    horizon_days: float
    n_by_phase: Mapping[str, int]
    mean_return_by_phase: Mapping[str, float | None]
    n_up: int
    n_down: int
    mean_return_up: float | None
    mean_return_down: float | None
    base_mean_return: float
    hit_rate: float | None
    base_up_share: float
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    ci_level: float
    first_call: str
    last_call: str
    not_replayed: tuple[str, ...] = NOT_REPLAYED


def phase_record(
    calls: Sequence[PhaseCall],
    *,
    horizon_days: float = 7.0,
    n_boot: int = 4000,
    ci_level: float = 0.9,
    seed: int = 0,
) -> Result[PhaseRecord]:
    """The record of ``calls`` (pure, seeded; see the module doc)."""
    params = {"horizon_days": horizon_days, "step_days": 7, "seed": seed, "n_boot": n_boot}
    if not calls:
        return Result.missing("no measured record: no weekly phase call with a week of candles after it", params=params)
    phases = np.array([c.phase for c in calls])
    rets = np.array([c.log_return for c in calls], dtype=float)
    up, down = rets[np.isin(phases, UP_PHASES)], rets[np.isin(phases, DOWN_PHASES)]
    hits = np.concatenate([up > 0, down < 0])
    diff = lo = hi = None
    reasons = [f"not replayed (missing evidence at every call): {', '.join(NOT_REPLAYED)}"]
    if up.size >= MIN_PER_GROUP and down.size >= MIN_PER_GROUP:
        diff, lo, hi = bootstrap_mean_difference(up, down, n_boot=n_boot, ci_level=ci_level, seed=seed)
    else:
        reasons.append(f"fewer than {MIN_PER_GROUP} calls in a group (up {up.size}, down {down.size}): no difference")
    names = (*UP_PHASES, *DOWN_PHASES)
    by_phase = {p: rets[phases == p] for p in names}
    times = [c.t_ms for c in calls]
    record = PhaseRecord(
        horizon_days=horizon_days,
        n_by_phase={p: int(v.size) for p, v in by_phase.items()},
        mean_return_by_phase={p: float(v.mean()) if v.size else None for p, v in by_phase.items()},
        n_up=int(up.size),
        n_down=int(down.size),
        mean_return_up=float(up.mean()) if up.size else None,
        mean_return_down=float(down.mean()) if down.size else None,
        base_mean_return=float(rets.mean()),
        hit_rate=float(hits.mean()) if hits.size else None,
        base_up_share=float((rets > 0).mean()),
        difference=diff,
        ci_low=lo,
        ci_high=hi,
        ci_level=ci_level,
        first_call=str(np.datetime64(min(times), "ms"))[:10],
        last_call=str(np.datetime64(max(times), "ms"))[:10],
    )
    return Result.of(record, params=params, reasons=reasons, partial=True)
