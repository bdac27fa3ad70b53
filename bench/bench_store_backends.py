"""Benchmark: the history store on each backend (DuckDB, chDB) at 1×, 10× and 100× the 5-year 4h history.

Per backend and size:
- ingest: rows per second of writing the history (perp and spot 4h candles, 8h funding, and hourly OI over the last
  330 days as in the real store; 1× ≈ 35,000 rows) as one batch per series, the way an import writes; 10× and 100×
  add copies of it for other assets (``SYN001``…), so every batch is new rows and the idempotency check runs against
  a growing table;
- ``report --asof``: ``build_report_for`` at a fixed as_of near the end of the history (store read, calibration,
  analytics, report model): only the store grows with the scale, not BTC's history.
- ``--grow history``: BTC's own history grows instead (1×, 10×, 100× = 1, 10 and 100 years of 4h history ending at
  the same date, the store holding BTC only): every measured record is bounded by its window (bias track record and
  squeeze base rates 5 years, macro 3 years, dealer regime 1 year), so from 10× (10 years) to 100× the report's
  time should stay flat; from 1× to 10× it grows while the windows fill (1 year of history is shorter than them).

Data: SYNTHETIC, generated here (a seeded 4h random walk, seeded funding rates and OI; source "synthetic-bench",
dataset "SYNTHETIC ..."), so the bench needs nothing beyond ``pip install -e '.[dev]'`` (chdb comes with ``[dev]``;
without it only DuckDB runs). Its rows are not flagged synthetic so that the report runs its calibration on them
as on real history (a synthetic snapshot skips it); they live in a temporary store deleted after the run.
Wall seconds and CPU seconds of this process (``time.process_time``: every thread, so ClickHouse's own threads
count); on a shared machine wall time also measures the neighbours, so both are printed and compared. Reports: median
of ``--runs`` runs (a warm-up run before each backend's first size pays the imports). Ratios against each backend's
1× and chDB over DuckDB, all from the same run. The default run (100×) writes 3.5 million rows per backend and takes
tens of minutes on a loaded 2-core machine, most of it DuckDB ingest (its wall time is ~5× its CPU time here);
``--quick`` (1× and 10×, one report run) a few minutes.
Run: ``python bench/bench_store_backends.py [--quick] [--max-scale 10] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries
from derivintel.store import HistoryStore

YEARS = 5
END = datetime(2026, 3, 1, tzinfo=UTC)
ASOF = END - timedelta(days=10)
OI_DAYS = 330
History = list[CandleSeries | FundingSeries | OpenInterestSeries]


def synthetic_history(years: int = YEARS) -> History:
    """Perp and spot 4h candles and 8h funding over ``years`` ending at ``END``: SYNTHETIC (seeded)."""
    rng = np.random.default_rng(2026)
    bars = 6 * 365 * years
    start = END - timedelta(hours=4 * bars)
    ts = (np.datetime64(start.replace(tzinfo=None), "ms") + np.arange(bars) * np.timedelta64(4, "h")).astype(
        "datetime64[ms]"
    )
    close = 30_000.0 * np.exp(np.cumsum(rng.normal(0, 0.012, bars)))
    open_ = np.concatenate([[close[0]], close[:-1]])
    hi, lo = np.maximum(open_, close) * 1.003, np.minimum(open_, close) * 0.997
    vol = rng.uniform(1_000, 5_000, bars)
    # flag False on purpose: a synthetic-flagged snapshot skips calibration (squeeze base rates, bias track record,
    # the records read over the whole history), which is the part of report --asof that could grow with the store;
    # the name and dataset say SYNTHETIC, and the store is a temporary directory deleted at the end of the run
    src = Source("synthetic-bench", "SYNTHETIC seeded random walk", END, END, synthetic=False)
    spot = close * (1 - rng.normal(3e-4, 2e-4, bars))
    f_ts = ts[::2]
    rates = rng.normal(1e-4, 1e-4, len(f_ts))
    oi_n = 24 * OI_DAYS  # hourly OI over the last OI_DAYS, as the real store's 2023-12..2024-10 hourly file
    oi_ts = (np.datetime64(END.replace(tzinfo=None), "ms") - np.arange(oi_n, 0, -1) * np.timedelta64(1, "h")).astype(
        "datetime64[ms]"
    )
    oi = 80_000.0 * np.exp(np.cumsum(rng.normal(0, 0.004, oi_n)))
    oi_px = np.interp(oi_ts.astype(np.int64), ts.astype(np.int64), close)
    return [
        OpenInterestSeries("binance-usdm", "BTC", 3600, oi_ts, oi, oi * oi_px, src),
        CandleSeries("binance-usdm", "BTC", "perp", 14_400, ts, open_, hi, lo, close, vol, None, src),
        CandleSeries("binance-spot", "BTC", "spot", 14_400, ts, open_, hi, lo, spot, vol, None, src),
        FundingSeries("binance-usdm", "BTC", f_ts, rates, np.full(len(f_ts), 8.0), src),
    ]


def copy_of(series: History, copy: int) -> History:
    """Copy 0 is BTC's history; copy k the same rows for another asset ``SYN00k`` (new keys: every row is new). The
    store grows k-fold while BTC's own history stays 5 years: ``report --asof BTC`` should not grow with it. (Copies
    shifted into the past instead would leave ClickHouse's DateTime64 range, 1900..2299, beyond 20×.)"""
    return series if copy == 0 else [replace(s, asset=f"SYN{copy:03d}") for s in series]


def ingest(store: str, scale: int, base: History, *, grow: str = "assets") -> tuple[int, float, float]:
    """Write ``scale`` copies of the history (``grow="assets"``) or ``scale`` years of BTC's own history
    (``grow="history"``); (rows written, wall s, CPU s)."""
    batches = synthetic_history(scale) if grow == "history" else [s for k in range(scale) for s in copy_of(base, k)]
    t0, c0 = time.perf_counter(), time.process_time()
    rows = 0
    with HistoryStore(store) as st:
        for s in batches:
            rows += int(st.write(s))
    return rows, time.perf_counter() - t0, time.process_time() - c0


def report_times(store: str, runs: int, *, warmup: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``runs`` point-in-time reports (after one warm-up run when ``warmup``)."""
    from derivintel.app.pipeline import SnapshotRequest, build_report_for
    from derivintel.assessment.analyze import AnalysisOptions

    request = SnapshotRequest(asof=ASOF, store=store)  # type: ignore[arg-type]  # a --store text (chdb:PATH)
    walls, cpus = [], []
    for i in range(runs + warmup):
        t0, c0 = time.perf_counter(), time.process_time()
        build_report_for("BTC", secondary=(), request=request, options=AnalysisOptions(), generated_at=ASOF)
        if i >= warmup:  # a warm-up run pays the imports
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-scale", type=int, default=100, choices=(1, 10, 100))
    parser.add_argument("--quick", action="store_true", help="1× and 10× only, one report run")
    parser.add_argument("--runs", type=int, default=2, help="report runs per size after a warm-up")
    parser.add_argument(
        "--grow",
        choices=("assets", "history"),
        default="assets",
        help="what grows with the scale: other assets' copies (default) or BTC's own history (1, 10, 100 years)",
    )
    args = parser.parse_args()
    scales = [k for k in (1, 10, 100) if k <= (10 if args.quick else args.max_scale)]
    runs = 1 if args.quick else args.runs
    backends = ["duckdb"] + (["chdb"] if importlib.util.find_spec("chdb") else [])
    if len(backends) == 1:
        print("chdb not installed (pip install -e '.[dev]'): DuckDB only")
    base = synthetic_history()
    n = sum(len(s) for s in base)
    if args.grow == "history":
        print(
            "SYNTHETIC history: BTC only, 1× = 1 year of 4h perp+spot candles and 8h funding (10×, 100×: 10 and 100 "
            f"years back from {END:%Y-%m-%d}), {OI_DAYS} days hourly OI"
        )
    else:
        print(
            f"SYNTHETIC history: {n:,} rows per 1× (5 years of 4h perp+spot candles, 8h funding, {OI_DAYS} days "
            "hourly OI)"
        )
    results: dict[tuple[str, int], tuple[float, float, float, float]] = {}  # rate wall, rate CPU, report wall, CPU
    with tempfile.TemporaryDirectory() as d:
        for backend in backends:
            for scale in scales:
                store = str(Path(d) / f"{scale}x.duckdb") if backend == "duckdb" else f"chdb:{Path(d) / f'{scale}x'}"
                rows, wall, cpu = ingest(store, scale, base, grow=args.grow)
                walls, cpus = report_times(store, runs, warmup=scale == scales[0])  # imports paid once
                rw, rc = statistics.median(walls), statistics.median(cpus)
                results[(backend, scale)] = (rows / wall, rows / cpu, rw, rc)
                print(
                    f"  {backend:6s} {scale:3d}×  {rows:>10,} rows  ingest {rows / wall:>9,.0f} rows/s wall "
                    f"({wall:6.1f} s; CPU {cpu:6.1f} s = {rows / cpu:>9,.0f} rows/s)  "
                    f"report --asof {rw:6.2f} s wall ({rc:5.2f} s CPU)",
                    flush=True,
                )

    def pair(a: tuple[float, ...], b: tuple[float, ...]) -> str:
        return (
            f"ingest rate ×{a[0] / b[0]:5.2f} (CPU ×{a[1] / b[1]:5.2f})   "
            f"report --asof time ×{a[2] / b[2]:5.2f} (CPU ×{a[3] / b[3]:5.2f})"
        )

    what = (
        "BTC's own history grows; the records' windows fill by 10×, flat from there"
        if args.grow == "history"
        else "report --asof should stay flat: only other assets grow"
    )
    print(f"\nper backend, against its own 1× ({what})")
    for backend in backends:
        for scale in scales[1:]:
            print(f"  {backend:6s} {scale:3d}×  {pair(results[(backend, scale)], results[(backend, 1)])}")
        if args.grow == "history" and 100 in scales:
            print(f"  {backend:6s} 100× over 10×  {pair(results[(backend, 100)], results[(backend, 10)])}")
    if "chdb" in backends:
        print("\nchDB over DuckDB, same size (ingest rate > 1: chDB faster; report time < 1: chDB faster)")
        for scale in scales:
            print(f"  {scale:3d}×  {pair(results[('chdb', scale)], results[('duckdb', scale)])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
