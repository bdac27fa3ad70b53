"""Benchmark: the volatility surface of a real Deribit BTC chain (IV by delta at five tenors, an SVI slice per expiry,
calendar and butterfly checks), against the fit a user would write: scipy's ``least_squares`` on the five raw SVI
parameters of each expiry, started from a generic guess. Measured in the same run on the same smiles.

Run: ``python bench/bench_surface.py``. Prints min / median / max milliseconds over the runs, the ratio of medians,
and both fits' median RMSE in IV (a faster fit that fits worse would not be a win).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from derivintel.analytics.options.chain_analysis import analyze_chain
from derivintel.analytics.options.surface import SmileInput, build_surface
from derivintel.sources.deribit.chain_file import read_chain_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "real" / "deribit_options" / "svcj_snapshots"
SNAPSHOT = "deribit_options_snapshot_20260327T045944Z.csv"
RUNS = 15


def scipy_svi(smiles: list[SmileInput]) -> list[float]:
    """Baseline: per expiry, least_squares on (a, b, rho, m, s) in total variance; returns RMSE in IV per expiry."""
    out = []
    for sm in smiles:
        t = sm.days / 365.0
        k = np.log(sm.strikes_usd / sm.forward_usd)
        w = sm.iv**2 * t
        if k.size < 5:
            continue

        def resid(p, k=k, w=w):
            a, b, rho, m, s = p
            return a + b * (rho * (k - m) + np.sqrt((k - m) ** 2 + s * s)) - w

        fit = least_squares(
            resid, x0=[w.min(), 0.1, 0.0, 0.0, 0.1], bounds=([-1, 0, -0.999, -2, 1e-4], [1, 10, 0.999, 2, 5])
        )
        w_fit = w + fit.fun
        out.append(float(np.sqrt(np.mean((np.sqrt(np.maximum(w_fit, 0)) - np.sqrt(w)) ** 2) / t)))
    return out


def timed(fn, arg) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(RUNS):
        t0 = time.perf_counter()
        out = fn(arg)
        times.append((time.perf_counter() - t0) * 1e3)
    return times, out


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    path = folder / SNAPSHOT
    if not path.exists():
        print(f"skipped: {path} not found (needs ../shared/data/real)")
        return 0
    chain = read_chain_file(path)
    analysis = analyze_chain(chain, as_of=chain.source.as_of).value
    smiles = [
        SmileInput(e.days_to_expiry, e.forward_usd, e.smile_strikes_usd, e.smile_iv)
        for e in analysis.expiries
        if e.days_to_expiry > 1.0
    ]
    ours_t, surface = timed(build_surface, smiles)
    base_t, base_rmse = timed(scipy_svi, smiles)
    ours_rmse = [s.rmse_iv for s in surface.value.svi if s is not None]
    fmt = lambda ts: f"{min(ts):7.1f} {statistics.median(ts):7.1f} {max(ts):7.1f}"  # noqa: E731
    print(f"chain: {SNAPSHOT}, {len(smiles)} expiries beyond 24 h, {RUNS} runs each (ms: min median max)")
    print(f"  derivintel build_surface (grid + linear SVI, checks, 5x5 grid) {fmt(ours_t)}")
    print(f"  baseline scipy least_squares SVI per expiry (fit only)        {fmt(base_t)}")
    print(f"  ratio baseline/ours (medians): {statistics.median(base_t) / statistics.median(ours_t):.2f}x")
    print(f"  median SVI RMSE in IV: ours {np.median(ours_rmse):.4f}, baseline {np.median(base_rmse):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
