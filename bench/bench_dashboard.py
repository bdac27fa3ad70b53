"""Benchmark: requests per second and latency of ``GET /api/report/BTC`` on loopback under bounded load.

The server is uvicorn in a subprocess (synthetic demo provider, report cached for an hour). The load is
``CONCURRENCY`` workers issuing requests back to back for ``SECONDS`` seconds per endpoint. Baselines measured in
the same run: ``GET /health`` (a trivial endpoint: the HTTP stack's own ceiling) and building the report uncached
(what every request would cost without the per-symbol cache).
Run: ``python bench/bench_dashboard.py [seconds] [concurrency]``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
import numpy as np

from derivintel.web.providers import demo_provider
from derivintel.web.server import free_port

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
CONCURRENCY = int(sys.argv[2]) if len(sys.argv) > 2 else 8


def start_server(port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "derivintel.web.demo:create_demo_app",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    env = {**os.environ, "DERIVINTEL_DEMO_REFRESH_S": "3600"}
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


async def load(url: str, path: str) -> tuple[int, np.ndarray, int]:
    """(requests, latencies in seconds, bytes of one response) for ``SECONDS`` of ``CONCURRENCY`` workers."""
    latencies: list[float] = []
    size = 0
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        size = len((await client.get(path)).content)  # warm-up (and the one build for the report)
        end = time.perf_counter() + SECONDS

        async def worker() -> None:
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                r = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {r.status_code}")

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return len(latencies), np.asarray(latencies), size


def report_line(name: str, n: int, lat: np.ndarray, size: int) -> float:
    rps = n / SECONDS
    p50, p99 = np.percentile(lat, [50, 99]) * 1000
    print(f"{name:<24} {rps:9.0f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   {size / 1024:8.1f} KiB/response")
    return rps


def main() -> None:
    print(f"loopback, uvicorn subprocess, {CONCURRENCY} concurrent clients, {SECONDS:.0f} s per endpoint")
    port = free_port()
    proc = start_server(port)
    try:
        url = f"http://127.0.0.1:{port}"
        health = report_line("GET /health (baseline)", *asyncio.run(load(url, "/health")))
        cached = report_line("GET /api/report/BTC", *asyncio.run(load(url, "/api/report/BTC")))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    provide = demo_provider()
    provide("BTC")  # warm imports and the demo scenario
    builds = []
    for _ in range(5):
        t0 = time.perf_counter()
        provide("BTC")
        builds.append(time.perf_counter() - t0)
    build_s = min(builds)
    uncached = 1.0 / build_s
    print(f"{'uncached build (1 core)':<24} {uncached:9.1f} req/s   ({build_s * 1000:.0f} ms per report, best of 5)")
    print(f"ratio cached API / uncached build: {cached / uncached:.0f}x")
    print(f"ratio cached API / /health:        {cached / health:.2f}")


if __name__ == "__main__":
    main()
