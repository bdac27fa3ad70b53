"""Benchmark: Black-76 greeks + 60-level zero-gamma flip sweep on a real BTC chain (svcj snapshot, ~880 options).

Vectorised (numpy) vs a per-option scalar loop with the math module, measured in the same run on the same chain.
Run: ``python bench/bench_options.py``. Prints milliseconds (best of N) and the speed-up; checks both agree.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from derivintel.analytics.options.gex import DealerScenario, gamma_flip
from derivintel.analytics.options.greeks import black76_greeks, years_to_expiry
from derivintel.sources.files.deribit_chain import read_chain_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "real" / "deribit_options" / "svcj_snapshots"
SNAPSHOT = "deribit_options_snapshot_20260401T100101Z.csv"


def vectorised(f, k, t, iv, oi, call, spot):
    g = black76_greeks(f, k, t, iv, call)
    flip = gamma_flip(f, k, t, iv, oi, call, spot_usd=spot, scenario=DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS)
    return g, flip.value


def scalar_loop(f, k, t, iv, oi, call, spot):
    """Reference: one option at a time, math module only."""
    n = len(f)
    delta, gamma, vega = [0.0] * n, [0.0] * n, [0.0] * n
    inv = 1.0 / math.sqrt(2.0 * math.pi)
    for i in range(n):
        v = iv[i] * math.sqrt(t[i])
        d1 = (math.log(f[i] / k[i]) + 0.5 * v * v) / v
        nd1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
        pdf = inv * math.exp(-0.5 * d1 * d1)
        delta[i] = nd1 if call[i] else nd1 - 1.0
        gamma[i] = pdf / (f[i] * v)
        vega[i] = f[i] * pdf * math.sqrt(t[i]) * 0.01
    levels = [spot * (0.8 + 0.4 * j / 59) for j in range(60)]
    totals = []
    for s in levels:
        total = 0.0
        for i in range(n):
            fs = f[i] * s / spot
            v = iv[i] * math.sqrt(t[i])
            d1 = (math.log(fs / k[i]) + 0.5 * v * v) / v
            g = inv * math.exp(-0.5 * d1 * d1) / (fs * v)
            total += (1.0 if call[i] else -1.0) * g * oi[i] * fs * fs * 0.01
        totals.append(total)
    return delta, gamma, vega, totals


def best_ms(fn, *args, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best * 1e3, out


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    path = folder / SNAPSHOT
    if not path.exists():
        print(f"real data not found: {path}")
        return 1
    chain = read_chain_file(path, currency="BTC")
    live = chain.expiry > np.datetime64(chain.source.as_of.replace(tzinfo=None), "ms")
    chain = chain.select(live & np.isfinite(chain.mark_iv) & (chain.mark_iv > 0))
    t = years_to_expiry(chain.expiry, chain.source.as_of)
    args = (chain.underlying_price_usd, chain.strike, t, chain.mark_iv, chain.oi_base, chain.is_call)
    spot = float(chain.index_price_usd)
    vec_ms, (g, flip) = best_ms(vectorised, *args, spot, repeat=20)
    lists = [a.tolist() for a in args]
    loop_ms, (d_ref, g_ref, _, totals) = best_ms(scalar_loop, *lists, spot, repeat=3)
    np.testing.assert_allclose(g.delta, d_ref, atol=1e-12)
    np.testing.assert_allclose(g.gamma_per_usd, g_ref, rtol=1e-10)
    np.testing.assert_allclose(flip.gex_usd_per_1pct, totals, rtol=1e-9)
    print(f"chain: {SNAPSHOT} BTC, {len(chain)} options, {len(chain.expiries)} expiries, spot {spot:,.0f}")
    print(f"vectorised greeks + 60-level flip sweep: {vec_ms:.2f} ms (best of 20)")
    print(f"scalar math loop (baseline, same run):   {loop_ms:.2f} ms (best of 3)")
    print(f"speed-up: {loop_ms / vec_ms:.1f}x   flip: {flip.flip_usd}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
