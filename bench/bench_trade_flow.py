"""Benchmark: a day of Deribit option trades (50,000, synthetic with a fixed seed) into 24h flow (greeks of every
trade) and the dealer inventory, against a per-trade Python loop with the math module, in the same run.

Run: ``python bench/bench_trade_flow.py``. Prints CPU min / median / max and the ratio; target < 200 ms.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from benchutil import cpu_times, ratio, spread
from derivintel.analytics.options.trade_flow import dealer_inventory, trade_flow
from derivintel.core.provenance import Source
from derivintel.domain.option_trades import OptionTrades

N = 50_000
T0 = datetime(2026, 5, 19, tzinfo=UTC)


def synthetic_trades(n: int = N, seed: int = 11) -> OptionTrades:
    rng = np.random.default_rng(seed)
    strikes = np.arange(50_000, 110_001, 1_000, dtype=float)
    expiries = np.array(
        ["2026-05-20T08:00", "2026-05-22T08:00", "2026-05-29T08:00", "2026-06-26T08:00"], "datetime64[ms]"
    )
    k = rng.choice(strikes, n)
    call = rng.random(n) < 0.55
    exp = rng.choice(expiries, n)
    ts = np.sort(np.datetime64("2026-05-19T00:00", "ms") + rng.integers(0, 86_400_000, n).astype("timedelta64[ms]"))
    src = Source("deribit", "synthetic", T0, T0, synthetic=True)
    names = tuple(f"BTC-{str(e)[:10]}-{int(s)}-{'C' if c else 'P'}" for e, s, c in zip(exp, k, call, strict=True))
    return OptionTrades(
        "BTC", tuple(str(i) for i in range(n)), names, ts, exp, k, call, rng.exponential(2.0, n),
        rng.uniform(0.001, 0.1, n), np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8), rng.uniform(0.35, 0.9, n),
        np.full(n, 76_000.0), rng.random(n) < 0.05, np.zeros(n, dtype=bool), src,
    )  # fmt: skip


def loop(t: OptionTrades) -> tuple[float, dict[str, float]]:
    """Reference: one trade at a time (net delta and the inventory)."""
    net_delta, inventory = 0.0, {}
    for i in range(len(t)):
        years = max((t.expiry[i] - t.ts[i]).astype(np.int64) / (365 * 86_400_000), 1 / 8760)
        f, k, v = t.index_price_usd[i], t.strike[i], t.iv[i]
        d1 = (math.log(f / k) + 0.5 * v * v * years) / (v * math.sqrt(years))
        nd1 = 0.5 * (1 + math.erf(d1 / math.sqrt(2)))
        net_delta += t.aggressor[i] * t.amount_base[i] * (nd1 if t.is_call[i] else nd1 - 1)
        inventory[t.instrument[i]] = inventory.get(t.instrument[i], 0.0) - t.aggressor[i] * t.amount_base[i]
    return net_delta, inventory


def main() -> None:
    t = synthetic_trades()
    as_of = T0 + timedelta(days=1)

    def ours():
        return trade_flow(t, as_of=as_of).value, dealer_inventory(t, since=T0, until=as_of)

    flow, inv = ours()
    fast = cpu_times(ours, 7)
    base = cpu_times(lambda: loop(t), 2)
    ref_delta, ref_inv = loop(t)
    print(f"{N:,} option trades (synthetic, seed 11): 24h flow with greeks + dealer inventory")
    print(f"  vectorised (7 runs)   {spread(fast)}   (target < 200 ms)")
    print(f"  per-trade loop (2)    {spread(base)}   ratio loop / vectorised {ratio(base, fast):.1f}x")
    worst = max(abs(ref_inv[n] - p) for n, p in zip(inv.instrument, inv.position_base, strict=True))
    print(
        f"  agreement: net delta {flow.all.net_delta_base:,.4f} vs loop {ref_delta:,.4f};"
        f" inventory max diff {worst:.2e}"
    )


if __name__ == "__main__":
    main()
