"""Benchmark: analyze_structure on 10,000 hourly bars (synthetic seeded walk).

Prints the median time of the whole analysis and, as a baseline measured in the same run, the median time of a plain
Python per-bar implementation of just two of its parts (volume profile by per-bar bin loop, centred-window swing
scan), with the ratio. Run: ``python bench/bench_structure.py``.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from derivintel.analytics.structure import StructureParams, analyze_structure
from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_ms
from derivintel.domain.series import CandleSeries

N_BARS = 10_000
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def synthetic_hourly(n: int, seed: int = 1) -> CandleSeries:
    rng = np.random.default_rng(seed)
    close = 40_000 * np.exp(np.cumsum(rng.normal(0, 0.004, n)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    wick = np.abs(rng.normal(0, 0.002, (2, n))) * close
    high, low = np.maximum(open_, close) + wick[0], np.minimum(open_, close) - wick[1]
    vol = rng.gamma(2.0, 500.0, n)
    ts = np.datetime64(to_ms(T0), "ms") + np.arange(n) * np.timedelta64(3_600_000, "ms")
    src = Source("bench", "synthetic", T0, T0, synthetic=True)
    return CandleSeries("bench", "BTC", "perp", 3600, ts, open_, high, low, close, vol, vol / 2, src)


def naive_baseline(c: CandleSeries, as_of: datetime, params: StructureParams) -> None:
    """Per-bar Python loops over the same profile window and the whole series for swings."""
    n = len(c)
    start = n - int(params.profile_window_days * 24)
    low, high, vol = c.low[start:].tolist(), c.high[start:].tolist(), c.volume_base[start:].tolist()
    lo, hi = min(low), max(high)
    width = (hi - lo) / params.profile_bins
    prof = [0.0] * params.profile_bins
    for bl, bh, v in zip(low, high, vol, strict=True):
        for j in range(params.profile_bins):
            e0, e1 = lo + j * width, lo + (j + 1) * width
            ov = max(0.0, min(bh, e1) - max(bl, e0))
            if bh > bl:
                prof[j] += v * ov / (bh - bl)
    h, k = c.high.tolist(), params.swing_k
    _ = [i for i in range(k, n - k) if h[i] > max(h[i - k : i]) and h[i] >= max(h[i + 1 : i + k + 1])]


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    c = synthetic_hourly(N_BARS)
    as_of = T0 + timedelta(hours=N_BARS)
    params = StructureParams()
    extras = {"oi_change_7d_fraction": 0.02, "funding_1h": 1e-5, "perp_cvd_7d_base": 10.0, "spot_cvd_7d_base": 5.0}
    analyze_structure(c, as_of=as_of, **extras)  # warm-up
    t_fast = median_ms(lambda: analyze_structure(c, as_of=as_of, **extras), 30)
    t_base = median_ms(lambda: naive_baseline(c, as_of, params), 5)
    print(f"analyze_structure, {N_BARS:,} hourly bars: {t_fast:.2f} ms (median of 30)")
    print(f"baseline (pure-Python profile + swing loops only): {t_base:.2f} ms (median of 5)")
    print(f"ratio baseline / analyze_structure: {t_base / t_fast:.1f}x")


if __name__ == "__main__":
    main()
