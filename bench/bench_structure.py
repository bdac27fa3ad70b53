"""Benchmark: analyze_structure on 10,000 hourly bars (synthetic seeded walk).

Prints min / median / max of the whole analysis (profile, swings, levels, AVWAPs, phase, ATR) and, as the baseline
measured in the same run, the strongest simple alternative for just two of its parts written in numpy: the volume
profile as one (bars × bins) overlap matrix and the swing scan with ``sliding_window_view``. The ratio says what the
full analysis costs relative to those two parts alone (it does more than they do).
Run: ``python bench/bench_structure.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from benchutil import cpu_times, ratio, spread
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


def numpy_baseline(c: CandleSeries, as_of: datetime, params: StructureParams) -> tuple[np.ndarray, np.ndarray]:
    """Volume profile over the same window (volume spread uniformly over each bar's range) and centred-window
    swing highs, vectorised: what a user would write with numpy."""
    n = len(c)
    start = n - int(params.profile_window_days * 24)
    low, high, vol = c.low[start:], c.high[start:], c.volume_base[start:]
    edges = np.linspace(low.min(), high.max(), params.profile_bins + 1)
    overlap = np.clip(np.minimum(high[:, None], edges[None, 1:]) - np.maximum(low[:, None], edges[None, :-1]), 0, None)
    rng = np.where(high > low, high - low, np.inf)
    profile = (vol[:, None] * overlap / rng[:, None]).sum(axis=0)
    k = params.swing_k
    win = np.lib.stride_tricks.sliding_window_view(c.high, 2 * k + 1)
    centre = win[:, k]
    swings = np.flatnonzero((centre > win[:, :k].max(axis=1)) & (centre >= win[:, k + 1 :].max(axis=1))) + k
    return profile, swings


def main() -> None:
    c = synthetic_hourly(N_BARS)
    as_of = T0 + timedelta(hours=N_BARS)
    params = StructureParams()
    extras = {"oi_change_7d_fraction": 0.02, "funding_1h": 1e-5, "perp_cvd_7d_base": 10.0, "spot_cvd_7d_base": 5.0}
    fast = cpu_times(lambda: analyze_structure(c, as_of=as_of, **extras), 30)
    base = cpu_times(lambda: numpy_baseline(c, as_of, params), 30)
    print(f"CPU time, min / median / max of 30 runs; {N_BARS:,} hourly bars")
    print(f"analyze_structure (profile, swings, levels, AVWAPs, phase, ATR): {spread(fast)}")
    print(f"baseline: numpy volume profile + swing scan only:               {spread(base)}")
    print(f"ratio analyze_structure / baseline (medians): {ratio(fast, base):.2f}x")


if __name__ == "__main__":
    main()
