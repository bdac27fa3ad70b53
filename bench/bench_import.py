"""Benchmark: ``import binance-vision`` of the real 5-year Binance BTCUSDT dumps (4h perp and spot klines, 8h
funding: ~30k rows) into a new history store, against plain pandas + Parquet on the same files, in the same run.

Run: ``python bench/bench_import.py`` (needs ../shared/data/real or $DERIVINTEL_REAL_DATA; nothing beyond
``pip install -e '.[dev]'``). Baseline: ``bench_history.import_pandas`` (read_csv, concat, drop_duplicates on the key,
one Parquet file per table written by DuckDB). The store side: create the store, parse and check every row, write
each series in its own transaction. Runs are interleaved (store, baseline, store, …) so a neighbour's load hits both;
CPU seconds (every thread) and wall seconds, min / median / max, ratio of the medians. Also: re-import of the same
files (idempotent: nothing new) and the import of the 2024-01-01 metrics dump (OI, long/short, taker ratio).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_history import DIR, FILES, import_pandas
from benchutil import spread
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps

RUNS = 9


def _store_once() -> tuple[float, float, float, float]:
    """(cpu, wall) of a fresh import, then (cpu, wall) of the same import again."""
    with tempfile.TemporaryDirectory() as d:
        c0, w0 = time.process_time(), time.perf_counter()
        with HistoryStore(Path(d) / "b.duckdb", prepare_on_first_use=True) as s:  # as `derivintel import` opens it
            rep = import_dumps("binance-vision", FILES, s)
            c1, w1 = time.process_time(), time.perf_counter()
            again = import_dumps("binance-vision", FILES, s)
            c2, w2 = time.process_time(), time.perf_counter()
    if rep.total_inserted == 0 or again.total_inserted != 0:
        raise RuntimeError("import stored nothing, or the re-import was not idempotent")
    return c1 - c0, w1 - w0, c2 - c1, w2 - w1


def _baseline_once() -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    import_pandas()
    return time.process_time() - c0, time.perf_counter() - w0


def main() -> int:
    if not all(f.exists() for f in FILES):
        print(f"real data not found under {DIR}; set DERIVINTEL_REAL_DATA", file=sys.stderr)
        return 1
    n_rows = sum(sum(1 for _ in f.open()) - 1 for f in FILES)
    _store_once(), _baseline_once()  # warm-up
    store, base = [], []
    for _ in range(RUNS):
        store.append(_store_once())
        base.append(_baseline_once())
    cpu_s, wall_s = [r[0] for r in store], [r[1] for r in store]
    cpu_re = [r[2] for r in store]
    cpu_b, wall_b = [r[0] for r in base], [r[1] for r in base]
    med = statistics.median
    print(f"import {n_rows} rows of real Binance dumps (5 years of 4h perp+spot klines, 8h funding), {RUNS} runs")
    print(f"  store, new file (CPU):             {spread(cpu_s, 's')}")
    print(f"  baseline pandas + Parquet (CPU):   {spread(cpu_b, 's')}")
    print(f"  ratio store / baseline, CPU medians:  {med(cpu_s) / med(cpu_b):.2f}x  (aim ≤ 2x)")
    print(f"  store, new file (wall):            {spread(wall_s, 's')}")
    print(f"  baseline pandas + Parquet (wall):  {spread(wall_b, 's')}")
    print(f"  ratio store / baseline, wall medians: {med(wall_s) / med(wall_b):.2f}x")
    print(f"  re-import, nothing new (CPU):      {spread(cpu_re, 's')}  ({med(cpu_re) / med(cpu_b):.2f}x baseline)")
    metrics = DIR / "BTCUSDT-metrics-2024-01-01.csv"
    if metrics.exists():
        with tempfile.TemporaryDirectory() as d, HistoryStore(Path(d) / "m.duckdb") as s:
            c0 = time.process_time()
            rep = import_dumps("binance-vision", [metrics], s)
            print(f"metrics dump 2024-01-01: {rep.summary()} in {time.process_time() - c0:.3f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
