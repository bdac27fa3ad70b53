"""Start-up cost of the CLI as CPU time, against ``python -c "import numpy, pandas"`` measured in the same run.

CPU time (user + system of the child, from ``resource.getrusage(RUSAGE_CHILDREN)``) rather than wall time, because
the machine is shared: another process stealing a core inflates wall time but not CPU time. Each command runs
``--runs`` times interleaved with the baseline; the table gives min / median / max and the ratio of medians.

Goals (issue 18): ``--help`` ≤ 0.5×, ``report BTC --demo`` ≤ 2.0×, ``check`` (cron, every minute) ≤ 2.0×.

``--importtime`` adds, per command, the modules with the largest cumulative import time from ``python -X importtime``
(one run, wall microseconds as Python reports them) so a new heavy import shows where it comes from.

The project's modules are byte-compiled first (``compileall``, as ``pip install`` does), so a checkout run with
``PYTHONDONTWRITEBYTECODE`` does not pay for compiling ~100 modules on every start.

Run: ``python bench/bench_startup.py [--runs 7] [--importtime]``.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CLI = [PY, "-m", "derivintel.app.cli"]
RULES = ROOT / "examples" / "rules.toml"

GOALS = {"--help": 0.5, "report BTC --demo": 2.0, "check BTC --demo": 2.0}


def commands(state_dir: Path) -> dict[str, list[str]]:
    """Label → argv. ``check`` gets a private state file and report dir so runs do not depend on each other."""
    return {
        "baseline: import numpy, pandas": [PY, "-c", "import numpy, pandas"],
        "--help": [*CLI, "--help"],
        "report BTC --demo": [*CLI, "report", "BTC", "--demo", "-q"],
        "check BTC --demo": [
            *CLI,
            "check",
            "BTC",
            "--demo",
            "-q",
            "--rules",
            str(RULES),
            "--state",
            str(state_dir / "state.json"),
            "--report-dir",
            str(state_dir / "reports"),
        ],
    }


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run of ``argv`` (exit codes 0 and 3, 'a rule fired', are both fine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, capture_output=True, cwd=ROOT, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_profile(argv: list[str], env: dict[str, str], top: int) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the ``top`` heaviest top-level imports in one ``-X importtime`` run."""
    proc = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], capture_output=True, cwd=ROOT, env=env, check=False)
    rows: list[tuple[int, str]] = []
    for line in proc.stderr.decode().splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, raw = line.removeprefix("import time:").split("|", 2)
        if raw.startswith(" ") and not raw.startswith("  "):  # top level: one space, nested ones are indented
            rows.append((int(cumulative), raw.strip()))
    total = sum(c for c, _ in rows)
    rows.sort(reverse=True)
    return [(total, "(all top-level imports)"), *rows[:top]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--importtime", action="store_true", help="also print the heaviest imports per command")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    compileall.compile_dir(ROOT / "src", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(Path(tmp))
        samples: dict[str, list[float]] = {label: [] for label in cmds}
        for _ in range(args.runs):  # interleaved, so a burst of load hits every command alike
            for label, argv in cmds.items():
                samples[label].append(cpu_seconds(argv, env))
        base = statistics.median(samples["baseline: import numpy, pandas"])
        print(f"CPU seconds (user + sys), {args.runs} runs each, interleaved; ratio = median / baseline median")
        print(f"{'command':34s} {'min':>6s} {'median':>7s} {'max':>6s} {'ratio':>6s}  goal")
        for label, xs in samples.items():
            med = statistics.median(xs)
            goal = GOALS.get(label)
            verdict = "" if goal is None else f"≤ {goal:.1f}×  {'ok' if med / base <= goal else 'MISSED'}"
            print(f"{label:34s} {min(xs):6.2f} {med:7.2f} {max(xs):6.2f} {med / base:5.2f}×  {verdict}")
        if args.importtime:
            for label, argv in cmds.items():
                print(f"\n-X importtime, {label}: cumulative ms of the heaviest top-level imports")
                for us, name in import_profile(argv, env, args.top):
                    print(f"  {us / 1000:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
