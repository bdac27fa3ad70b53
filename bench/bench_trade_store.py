"""Benchmark: the estimated dealer inventory read through the history store, as ``report --asof`` and a live report
with a store do: 7 daily batches of 50,000 synthetic option trades (350,000 rows, fixed seed) written, then read
back as one record (``HistoryStore.option_trades``) and accumulated into the inventory. Baseline in the same run:
the same rows read with one plain ``SELECT *`` into a DataFrame (the read with no decoding).

Run: ``python bench/bench_trade_store.py``. Prints CPU min / median / max and the ratio; wall time of the writes.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bench_trade_flow import T0, synthetic_trades
from benchutil import cpu_times, ratio, spread
from derivintel.analytics.options.trade_flow import dealer_inventory
from derivintel.core.provenance import Source
from derivintel.store import HistoryStore

DAYS = 7
LOOKBACK_S = 90 * 86_400


def main() -> None:
    base = synthetic_trades()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        wall = time.perf_counter()
        with HistoryStore(path) as store:
            for d in range(DAYS):
                shift = timedelta(days=d)
                end = T0 + shift + timedelta(days=1)
                day = replace(
                    base,
                    trade_id=tuple(f"{d}-{i}" for i in base.trade_id),
                    ts=base.ts + (d * 86_400_000),
                    source=Source("deribit", "option_trades", end, end),
                    covered_from=T0 + shift,
                )
                store.write(day)
        wall = time.perf_counter() - wall
        until = T0 + timedelta(days=DAYS)
        with HistoryStore(path, read_only=True) as store:

            def ours():
                t = store.option_trades("BTC", until=until, lookback_s=LOOKBACK_S)
                return dealer_inventory(t, since=t.covered_from, until=until)

            def plain():
                return store.query("SELECT * FROM option_trades WHERE currency = 'BTC' ORDER BY ts_event, trade_id")

            inv = ours()
            fast = cpu_times(ours, 3)
            raw = cpu_times(plain, 3)
    print(f"{DAYS} daily batches x {len(base):,} synthetic option trades (seed 11) in a history store")
    print(f"  write (wall, all batches)          {wall:.2f} s")
    print(f"  read + decode + inventory (3 runs) {spread(fast)}   ({inv.trades:,} trades, {DAYS} d)")
    print(f"  plain SELECT * to DataFrame (3)    {spread(raw)}   ratio ours / plain {ratio(fast, raw):.1f}x")


if __name__ == "__main__":
    main()
