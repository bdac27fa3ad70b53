"""Benchmark: the observed Hyperliquid liquidation map for 100k positions, and the plan for polling 10k addresses.

1. ``build_observed_map`` on 100,000 synthetic positions (fixed seed) against a straightforward per-position Python
   loop doing the same binning, measured in the same run. Target: < 50 ms.
2. ``plan_round`` for 10,000 addresses under Hyperliquid's published limits (1200 weight per minute per IP,
   ``clearinghouseState`` weight 2) on a simulated clock: prints the time the limits allow for one full round, and
   checks that no 60-second window of the plan spends more than the budget.
Run: ``python bench/bench_observed_map.py``.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from derivintel.analytics.liquidity.observed_map import build_observed_map
from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_datetime64
from derivintel.domain.positions import ObservedPositions

AS_OF = datetime(2026, 3, 14, 5, 0, tzinfo=UTC)
N = 100_000
REF = 70_000.0


def _positions(seed: int = 7) -> ObservedPositions:
    rng = np.random.default_rng(seed)
    size = rng.lognormal(-2.0, 1.5, N) * np.where(rng.random(N) < 0.55, 1.0, -1.0)
    lev = rng.choice(np.array([2.0, 3.0, 5.0, 10.0, 20.0, 25.0, 40.0]), N)
    dist = 1.0 / lev * rng.uniform(0.6, 1.0, N)
    liq = np.where(size > 0, REF * (1 - dist), REF * (1 + dist))
    liq[rng.random(N) < 0.3] = np.nan  # cross positions safe at any price
    age_ms = rng.integers(0, 3_600_000, N)
    src = Source("hyperliquid", "clearinghouseState", AS_OF, AS_OF, synthetic=True)
    return ObservedPositions(
        venue="hyperliquid",
        coin="BTC",
        observed_at=(to_datetime64(AS_OF) - age_ms.astype("timedelta64[ms]")).astype("datetime64[ms]"),
        size_base=size,
        liquidation_price_usd=liq,
        leverage=lev,
        is_cross=rng.random(N) < 0.7,
        position_value_usd=np.abs(size) * REF,
        accounts_observed=N // 3,
        accounts_failed=0,
        source=src,
    )


def _loop(obs: ObservedPositions, width: float, lo: float, n_bins: int) -> tuple[list[float], list[float]]:
    """Per-position loop: the same rules (right side of the price, in range) binned one by one."""
    long_bins = [0.0] * n_bins
    short_bins = [0.0] * n_bins
    as_of = to_datetime64(AS_OF)
    for i in range(len(obs)):
        age = (as_of - obs.observed_at[i]).astype("timedelta64[ms]").astype(np.int64) / 1000.0
        p = float(obs.liquidation_price_usd[i])
        if age < 0 or age > 7200 or math.isnan(p):
            continue
        s = float(obs.size_base[i])
        if (s > 0 and p >= REF) or (s < 0 and p <= REF):
            continue
        k = int((p - lo) // width)
        if 0 <= k < n_bins:
            (long_bins if s > 0 else short_bins)[k] += abs(s) * REF
    return long_bins, short_bins


def _best_ms(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def bench_map() -> None:
    obs = _positions()
    build = lambda: build_observed_map(obs, as_of=AS_OF, reference_price_usd=REF, oi_base=30_000.0)  # noqa: E731
    m = build().value
    assert m is not None
    fast_ms = _best_ms(build, 7)
    t = time.perf_counter()
    lb, sb = _loop(obs, m.bin_width_usd, float(m.bin_edges_usd[0]), len(m.bin_centers_usd))
    loop_ms = (time.perf_counter() - t) * 1e3
    assert np.allclose(lb, m.long_notional_usd)
    assert np.allclose(sb, m.short_notional_usd)
    print(f"observed map: {N:,} positions, {len(m.bin_centers_usd)} bins")
    print(f"  vectorised  {fast_ms:8.2f} ms   (target < 50 ms)")
    print(f"  loop        {loop_ms:8.1f} ms   ratio loop/vectorised = {loop_ms / fast_ms:.1f}x (same bins)")
    print(f"  coverage {m.coverage_frac:.3f} of OI, median leverage {m.leverage.median:g}x by notional")


def bench_plan() -> None:
    from derivintel.sources.hyperliquid.poller import PollLimits, plan_round

    limits = PollLimits()
    addresses = [f"0x{i:040x}" for i in range(10_000)]
    t = time.perf_counter()
    plan = plan_round(addresses, limits)
    plan_ms = (time.perf_counter() - t) * 1e3
    at = np.array([s.at_s for s in plan.slots])
    w = np.array([s.weight for s in plan.slots])
    # Largest weight spent in any 60 s window (windows starting at each request).
    ends = np.searchsorted(at, at + 60.0, side="left")
    csum = np.concatenate(([0], np.cumsum(w)))
    worst = int((csum[ends] - csum[np.arange(len(at))]).max())
    n = len(addresses)
    print(f"polling plan: {n:,} addresses, weight {limits.weight} each, budget {limits.budget_per_min}/min")
    print(f"  planned in {plan_ms:.1f} ms; one round takes {timedelta(seconds=round(plan.duration_s))} of wall time")
    usable, total = limits.usable_per_min, limits.budget_per_min
    print(f"  worst 60 s window spends {worst} of {usable} usable weight ({total} total)")
    print(f"  time the limits allow for a round vs 5-minute collection: {plan.duration_s / 300:.1f}x the period")


def main() -> None:
    bench_map()
    bench_plan()


if __name__ == "__main__":
    main()
