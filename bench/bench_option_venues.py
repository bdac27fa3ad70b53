"""Benchmark: the option-venues step of Phase 5 on a real Deribit BTC chain split into four venues (a fixed random
partition, so the venues list the same expiries and strikes as real venues largely do), against the per-option
Python loop a user would write for the same pooled figures (OI by strike and expiry, put/call, GEX). Also the cost
of the whole step (each venue's ``analyze_chain`` plus the combined book) against one ``analyze_chain`` on the
unsplit chain, the Phase 5 cost before venues, measured in the same run.

Run: ``python bench/bench_option_venues.py [svcj_snapshots folder]``. Prints min / median / max CPU ms and ratios.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from benchutil import cpu_times, ratio, spread
from derivintel.analytics.options.chain_analysis import analyze_chain
from derivintel.analytics.options.venues import combined_book
from derivintel.core.timeutil import to_datetime64
from derivintel.sources.deribit.chain_file import read_chain_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "real" / "deribit_options" / "svcj_snapshots"
SNAPSHOT = "deribit_options_snapshot_20260327T045944Z.csv"
RUNS = 15
VENUES = 4


def loop_book(chains, as_of, spot):
    """Baseline: the pooled OI by strike and expiry, put/call and net GEX (beyond 24 h) in a per-option loop."""
    by_strike, by_expiry = defaultdict(lambda: [0.0, 0.0]), defaultdict(lambda: [0.0, 0.0])
    calls = puts = gex = 0.0
    now = to_datetime64(as_of)
    for c in chains.values():
        for i in range(len(c)):
            oi = float(c.oi_base[i])
            if not c.expiry[i] > now or not math.isfinite(oi):
                continue
            side = 0 if c.is_call[i] else 1
            by_strike[float(c.strike[i])][side] += oi
            by_expiry[c.expiry[i]][side] += oi
            calls, puts = (calls + oi, puts) if side == 0 else (calls, puts + oi)
            t = (c.expiry[i] - now).astype("timedelta64[ms]").astype(np.int64) / 1000 / (365 * 86400)
            iv, f, k = float(c.mark_iv[i]), float(c.underlying_price_usd[i]), float(c.strike[i])
            if t * 365 > 1.0 and iv > 0:
                sd = iv * math.sqrt(t)
                d1 = (math.log(f / k) + 0.5 * sd * sd) / sd
                g = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) * f * oi * 0.01 / sd
                gex += g if side == 0 else -g
    return by_strike, by_expiry, puts / calls, gex


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    path = folder / SNAPSHOT
    if not path.exists():
        print(f"skipped: {path} not found (needs ../shared/data/real)")
        return 0
    chain = read_chain_file(path, currency="BTC")
    as_of = chain.source.as_of
    whole = analyze_chain(chain, as_of=as_of)
    spot = whole.value.spot_usd
    part = np.random.default_rng(17).integers(0, VENUES, len(chain))
    venues = {f"v{i}": chain.select(part == i) for i in range(VENUES)}
    analyses = {v: analyze_chain(c, as_of=as_of, spot_usd=spot) for v, c in venues.items()}

    book = combined_book(venues, analyses, as_of=as_of, spot_usd=spot).value
    _, _, pc, gex = loop_book(venues, as_of, spot)
    assert abs(book.put_call_oi_ratio - pc) < 1e-9 * pc  # same figures as the loop, or the timing means nothing
    assert abs(book.net_gex_usd_per_1pct - gex) < 1e-6 * abs(gex)

    t_book = cpu_times(lambda: combined_book(venues, analyses, as_of=as_of, spot_usd=spot), RUNS)
    t_loop = cpu_times(lambda: loop_book(venues, as_of, spot), RUNS)

    def step():
        results = {v: analyze_chain(c, as_of=as_of, spot_usd=spot) for v, c in venues.items()}
        combined_book(venues, results, as_of=as_of, spot_usd=spot)

    t_step = cpu_times(step, RUNS)
    t_one = cpu_times(lambda: analyze_chain(chain, as_of=as_of, spot_usd=spot), RUNS)
    print(f"chain: {SNAPSHOT}, {len(chain)} options in {VENUES} venues, {RUNS} runs (CPU ms: min / median / max)")
    print(f"  combined_book (pooled OI, put/call, max pain, GEX)   {spread(t_book)}")
    print(f"  baseline per-option Python loop (same figures)      {spread(t_loop)}  = {ratio(t_loop, t_book):.1f}x")
    print(f"  whole venue step ({VENUES} x analyze_chain + combined) {spread(t_step)}")
    print(f"  one analyze_chain on the unsplit chain (before)     {spread(t_one)}  step/before = "
          f"{ratio(t_step, t_one):.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
