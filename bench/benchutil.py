"""Shared timing for the bench scripts: CPU time of this process, min / median / max over several runs.

CPU time (``time.process_time``: user + system of every thread of this process) rather than wall time, because the
machine is shared: a neighbour's load stretches wall time but not the CPU a computation uses.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def cpu_times(fn: Callable[[], object], runs: int, *, warmup: int = 1) -> list[float]:
    """CPU seconds of each of ``runs`` calls of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        out.append(time.process_time() - t0)
    return out


def spread(xs: list[float], unit: str = "ms") -> str:
    """``min / median / max`` of seconds ``xs`` in ``unit`` (ms or s)."""
    k = 1000.0 if unit == "ms" else 1.0
    return f"{min(xs) * k:.3g} / {statistics.median(xs) * k:.3g} / {max(xs) * k:.3g} {unit}"


def ratio(a: list[float], b: list[float]) -> float:
    """Median of ``a`` over median of ``b``."""
    return statistics.median(a) / statistics.median(b)
