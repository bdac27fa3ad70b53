"""``derivintel report BTC --demo`` end to end, and where its CPU goes.

End to end: CPU seconds of the command (subprocess, user + system) against ``python -c "import numpy, pandas"`` in
the same run, the reference of issue 18's start-up goal (report ≤ 2.0×); ``bench_startup.py`` covers the other
commands and the import profile. In process: the compute itself (demo snapshot, analytics + synthesis for BTC + ETH,
report model + Markdown), so the part of the end-to-end figure that is start-up shows. There is no simple alternative
to the analytics to compare them with; the compute share is the honest figure. CPU time, min / median / max.
Run: ``python bench/bench_report.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench_startup import cpu_seconds
from benchutil import cpu_times, spread
from derivintel.assessment.analyze import analyze_snapshot
from derivintel.report.builder import build_report
from derivintel.report.markdown import render_markdown
from derivintel.sources.demo import build_demo_snapshot

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    base_argv = [sys.executable, "-c", "import numpy, pandas"]
    report_argv = [sys.executable, "-m", "derivintel.app.cli", "report", "BTC", "--demo", "-q"]
    base, end_to_end = [], []
    for _ in range(RUNS):
        base.append(cpu_seconds(base_argv, env))
        end_to_end.append(cpu_seconds(report_argv, env))
    snap = build_demo_snapshot("BTC", ("ETH",))
    analyses = analyze_snapshot(snap)
    snapshot_s = cpu_times(lambda: build_demo_snapshot("BTC", ("ETH",)), RUNS)
    analytics_s = cpu_times(lambda: analyze_snapshot(snap), RUNS)
    render_s = cpu_times(lambda: render_markdown(build_report(snap, analyses, generated_at=datetime.now(UTC))), RUNS)
    med = statistics.median
    compute = med(snapshot_s) + med(analytics_s) + med(render_s)
    print(f"CPU time, min / median / max of {RUNS} runs")
    print(f"derivintel report BTC --demo, end to end:   {spread(end_to_end, 's')}")
    print(f"  baseline python -c 'import numpy, pandas': {spread(base, 's')}  -> {med(end_to_end) / med(base):.2f}x")
    print(f"demo snapshot (synthetic scenario):          {spread(snapshot_s)}")
    print(f"analytics + synthesis, BTC + ETH:            {spread(analytics_s)}")
    print(f"report model + Markdown:                     {spread(render_s)}")
    print(f"compute = {compute * 1000:.0f} ms, {compute / med(end_to_end):.0%} of end to end; the rest is start-up")


if __name__ == "__main__":
    main()
