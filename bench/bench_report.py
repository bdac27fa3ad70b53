"""End-to-end ``derivintel report BTC --demo`` and the analytics alone.

Baselines measured in the same run: the command's fixed cost (``derivintel --help``: interpreter start and imports)
for the end-to-end figure, and building the demo snapshot for the analytics figure.
Run: ``python bench/bench_report.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from derivintel.app.analysis import analyze_snapshot
from derivintel.report.builder import build_report
from derivintel.report.markdown import render_markdown
from derivintel.sources.demo import build_demo_snapshot

CLI = [sys.executable, "-m", "derivintel.app.cli"]


def _median_s(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    runs = 5
    cwd = Path(__file__).resolve().parents[1]
    help_s = _median_s(lambda: subprocess.run([*CLI, "--help"], capture_output=True, check=True, cwd=cwd), runs)
    report_s = _median_s(
        lambda: subprocess.run([*CLI, "report", "BTC", "--demo", "-q"], capture_output=True, check=True, cwd=cwd), runs
    )
    snapshot_s = _median_s(lambda: build_demo_snapshot("BTC", ("ETH",)), runs)
    snap = build_demo_snapshot("BTC", ("ETH",))
    analytics_s = _median_s(lambda: analyze_snapshot(snap), runs)
    analyses = analyze_snapshot(snap)
    from datetime import UTC, datetime

    render_s = _median_s(lambda: render_markdown(build_report(snap, analyses, generated_at=datetime.now(UTC))), runs)
    print(f"derivintel report BTC --demo (end to end, median of {runs}): {report_s:.2f} s")
    print(
        f"  baseline: derivintel --help (start-up + imports):      {help_s:.2f} s  -> report = {report_s / help_s:.1f}x"
    )
    print(f"analytics + synthesis, BTC + ETH (analyze_snapshot):     {analytics_s * 1000:.0f} ms")
    print(
        f"  baseline: building the demo snapshot:                  {snapshot_s * 1000:.0f} ms  "
        f"-> analytics = {analytics_s / snapshot_s:.1f}x"
    )
    print(f"report model + Markdown:                                 {render_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
