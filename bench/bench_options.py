"""Benchmark: Black-76 greeks + 60-level zero-gamma flip sweep on a real BTC chain (svcj snapshot, ~880 options).

Ours (numpy, one flip level at a time) against, in the same run on the same chain and checked to agree:
- the strongest simple alternative: vollib (the reference Black-76 library) for the greeks, one call per option as
  its API takes, and the flip sweep as one (levels × options) numpy matrix;
- a per-option scalar loop with the math module (what a first version would be).
CPU time, min / median / max. Run: ``python bench/bench_options.py`` (vollib: the ``dev`` extra).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from benchutil import cpu_times, ratio, spread
from derivintel.analytics.options.gex import DealerScenario, gamma_flip
from derivintel.core.black76 import black76_greeks, years_to_expiry
from derivintel.sources.deribit.chain_file import read_chain_file

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


def vollib_and_matrix(f, k, t, iv, oi, call, spot):
    """vollib per option for delta, gamma, vega; the flip sweep as a (levels × options) numpy matrix."""
    from vollib.black.greeks import analytical as vg

    rows = zip(f.tolist(), k.tolist(), t.tolist(), iv.tolist(), call.tolist(), strict=True)
    greeks = [
        (vg.delta(flag, fi, ki, ti, 0.0, si), vg.gamma(flag, fi, ki, ti, 0.0, si), vg.vega(flag, fi, ki, ti, 0.0, si))
        for fi, ki, ti, si, flag in ((fi, ki, ti, si, "c" if ci else "p") for fi, ki, ti, si, ci in rows)
    ]
    scale = np.linspace(0.8, 1.2, 60)
    v = iv * np.sqrt(t)
    d1 = (np.log(f / k)[None, :] + np.log(scale)[:, None] + 0.5 * (v * v)[None, :]) / v[None, :]
    pdf = np.exp(-0.5 * d1 * d1) / np.sqrt(2 * np.pi)
    sign = np.where(call, 1.0, -1.0)
    totals = (pdf * (sign * oi * f * 0.01 / v)[None, :]).sum(axis=1) * scale
    return greeks, totals


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
    g, flip = vectorised(*args, spot)
    ours = cpu_times(lambda: vectorised(*args, spot), 20)
    lists = [a.tolist() for a in args]
    d_ref, g_ref, _, totals = scalar_loop(*lists, spot)
    loop = cpu_times(lambda: scalar_loop(*lists, spot), 3, warmup=0)
    np.testing.assert_allclose(g.delta, d_ref, atol=1e-12)
    np.testing.assert_allclose(g.gamma_per_usd, g_ref, rtol=1e-10)
    np.testing.assert_allclose(flip.gex_usd_per_1pct, totals, rtol=1e-9)
    print(f"chain: {SNAPSHOT} BTC, {len(chain)} options, {len(chain.expiries)} expiries, spot {spot:,.0f}")
    print(f"CPU time, min / median / max; flip {flip.flip_usd}")
    print(f"ours, greeks + 60-level flip sweep (20 runs):          {spread(ours)}")
    try:
        vollib_greeks, matrix_totals = vollib_and_matrix(*args, spot)
    except ImportError:
        print("vollib not installed (pip install -e '.[dev]'): strongest baseline skipped")
    else:
        np.testing.assert_allclose(g.delta, [x[0] for x in vollib_greeks], atol=1e-10)
        np.testing.assert_allclose(flip.gex_usd_per_1pct, matrix_totals, rtol=1e-9)
        strong = cpu_times(lambda: vollib_and_matrix(*args, spot), 5, warmup=0)
        print(f"baseline vollib greeks + numpy matrix sweep (5 runs):  {spread(strong)}  -> {ratio(strong, ours):.1f}x")
    print(f"baseline scalar math loop (3 runs):                    {spread(loop)}  -> {ratio(loop, ours):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
