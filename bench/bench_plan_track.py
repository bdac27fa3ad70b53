"""Benchmark: the trade plan's measured record (the live plan rules replayed every Monday over 5 years of Binance
BTCUSDT 4h bars, each plan followed for 7 days, stationary bootstrap) against the obvious way to get the same plans:
a point-in-time report (``build_snapshot_at`` + ``analyze_snapshot``) at each decision time, measured in the same run
on a sample of Mondays and scaled to the record's count (the test suite checks that both give the same plan).

Run: ``python bench/bench_plan_track.py`` (needs ../shared/data/real or $DERIVINTEL_REAL_DATA).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.research.plan_track import plan_track_record
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps
from derivintel.store.snapshot_at import build_snapshot_at

REAL = Path(os.environ.get("DERIVINTEL_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "real"))
FILE = REAL / "perp_history" / "binance_btcusdt_um" / "futures_BTCUSDT_4h.csv"
AS_OF = datetime(2026, 7, 1, tzinfo=UTC)
SAMPLE = 12  # Mondays for the per-report baseline


def main() -> int:
    if not FILE.exists():
        print(f"real data not found at {FILE}: set DERIVINTEL_REAL_DATA")
        return 1
    with tempfile.TemporaryDirectory() as d, HistoryStore(Path(d) / "h.duckdb") as st:
        import_dumps("binance-vision", [FILE], st)
        plan_track_record(st, "BTC", AS_OF, n_boot=50)  # warm-up: imports
        t0 = time.perf_counter()
        res = plan_track_record(st, "BTC", AS_OF)
        record_s = time.perf_counter() - t0
        rec = res.value
        mondays = sorted({o.decision for o in rec.outcomes})[:: max(1, len(rec.outcomes) // SAMPLE)][:SAMPLE]
        t0 = time.perf_counter()
        for t in mondays:
            analyze_snapshot(build_snapshot_at(st, "BTC", (), t), AnalysisOptions())
        per_report = (time.perf_counter() - t0) / len(mondays)
    baseline_s = per_report * rec.n_decisions
    print(
        f"plan record: {rec.n_decisions} weekly decisions {rec.span_start:%Y-%m-%d}..{rec.span_end:%Y-%m-%d}, "
        f"{rec.n_plans} plans, {rec.n_filled} filled, hit {rec.hit_rate:.3f} vs base {rec.base_hit_rate:.3f}"
    )
    print(f"  record (replay + follow + 1000-resample bootstrap): {record_s:6.2f} s")
    print(
        f"  baseline: a point-in-time report per decision, {per_report * 1000:6.1f} ms × {rec.n_decisions} = "
        f"{baseline_s:6.2f} s (sampled on {len(mondays)} Mondays)"
    )
    print(f"  ratio record / baseline: {record_s / baseline_s:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
