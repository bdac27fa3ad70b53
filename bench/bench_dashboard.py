"""Benchmark: requests per second and latency of the dashboard's endpoints on loopback, server and load apart.

The server is uvicorn in a subprocess pinned to one CPU (synthetic demo provider, report cached for an hour); the
load generator is a second process pinned to another CPU (``os.sched_setaffinity``), so the figure is the server's,
not the client's share of a core they would otherwise fight over. Each endpoint gets ``--runs`` rounds of
``--seconds`` seconds with ``--concurrency`` keep-alive connections issuing requests back to back (a minimal
asyncio-streams HTTP/1.1 client: cheaper per request than the server); the table gives min / median /
max requests per second over the rounds, the p50 / p99 latency of all requests, and the CPU share each process used
(server near 100 %: the server is the limit; client near 100 %: the figure is a lower bound set by the client;
both low: the machine's other load is the limit) and requests served per CPU-second of the server, the figure that
neighbours' load does not distort.
Baselines measured in the same run: ``GET /health`` (the HTTP stack's own ceiling) and building the report uncached
(CPU time per build: what every request would cost without the cache).
Run: ``python bench/bench_dashboard.py [--seconds 3] [--concurrency 8] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

from benchutil import cpu_times, spread

ENDPOINTS = ("/health", "/api/report/BTC", "/report/BTC.html", "/fragment/BTC", "/dashboard/BTC")


def _cpus() -> tuple[set[int], set[int]]:
    """(server CPUs, client CPUs): one each when there are two or more, else both share the only one."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return set(cpus), set(cpus)
    return {cpus[0]}, {cpus[1]}


def start_server(port: int, cpus: set[int]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "derivintel.app.web_demo:create_demo_app",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    env = {**os.environ, "DERIVINTEL_DEMO_REFRESH_S": "3600"}
    proc = subprocess.Popen(cmd, env=env, preexec_fn=lambda: os.sched_setaffinity(0, cpus))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, int]:
    """One keep-alive HTTP/1.1 GET: (status, body bytes). The server sends Content-Length (uvicorn does)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next(int(v) for k, _, v in (h.partition(":") for h in lines[1:]) if k.strip().lower() == "content-length")
    await reader.readexactly(length)
    return status, length


async def _load(url: str, path: str, seconds: float, concurrency: int) -> dict[str, object]:
    """``concurrency`` keep-alive connections issuing GETs back to back on asyncio streams: a minimal client, so
    that the load generator costs far less per request than the server (httpx cost about as much as the server)."""
    host, port = url.removeprefix("http://").split(":")
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    latencies: list[float] = []
    conns = [await asyncio.open_connection(host, int(port)) for _ in range(concurrency)]
    _, size = await _get(*conns[0], request)  # warm-up (and the one build for the report)
    end = time.perf_counter() + seconds

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            status, _ = await _get(reader, writer, request)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")

    cpu0 = time.process_time()
    await asyncio.gather(*(worker(r, w) for r, w in conns))
    client_cpu = time.process_time() - cpu0
    for _, w in conns:
        w.close()
    return {"n": len(latencies), "latencies": latencies, "size": size, "client_cpu_s": client_cpu}


def client_main(url: str, path: str, seconds: float, concurrency: int) -> None:
    """Load-generator process: run one round and print its result as JSON."""
    print(json.dumps(asyncio.run(_load(url, path, seconds, concurrency))))


def one_round(url: str, path: str, args: argparse.Namespace, cpus: set[int], server_pid: int) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--client", url, path, str(args.seconds), str(args.concurrency)]
    s0 = _proc_cpu_s(server_pid)
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, preexec_fn=lambda: os.sched_setaffinity(0, cpus)
    )
    result = json.loads(out.stdout)
    result["server_cpu_s"] = _proc_cpu_s(server_pid) - s0
    return result


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from derivintel.web.server import free_port

    server_cpus, client_cpus = _cpus()
    print(
        f"loopback; server on CPU {sorted(server_cpus)}, load generator on CPU {sorted(client_cpus)}; "
        f"{args.concurrency} concurrent clients, {args.runs} rounds of {args.seconds:g} s per endpoint"
    )
    print(
        f"{'endpoint':20s} {'req/s min / median / max':>26s} {'p50 ms':>7s} {'p99 ms':>7s} {'KiB':>7s} server  client"
    )
    port = free_port()
    proc = start_server(port, server_cpus)
    medians: dict[str, float] = {}
    try:
        url = f"http://127.0.0.1:{port}"
        for path in ENDPOINTS:
            rounds = [one_round(url, path, args, client_cpus, proc.pid) for _ in range(args.runs)]
            rps = [r["n"] / args.seconds for r in rounds]
            lat = np.concatenate([r["latencies"] for r in rounds]) * 1000
            p50, p99 = np.percentile(lat, [50, 99])
            server_cpu = sum(r["server_cpu_s"] for r in rounds)
            server_share = server_cpu / (args.runs * args.seconds)
            client_share = sum(r["client_cpu_s"] for r in rounds) / (args.runs * args.seconds)
            per_cpu_s = sum(r["n"] for r in rounds) / server_cpu if server_cpu > 0 else float("nan")
            medians[path] = statistics.median(rps)
            print(
                f"{path:18s} {min(rps):7.0f} / {medians[path]:6.0f} / {max(rps):6.0f} {p50:7.2f} {p99:7.2f} "
                f"{rounds[0]['size'] / 1024:7.1f} {server_share:6.0%} {client_share:6.0%}  {per_cpu_s:10.0f}"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    from derivintel.app.report_providers import demo_provider

    provide = demo_provider()
    builds = cpu_times(lambda: provide("BTC"), 5)
    uncached = 1.0 / statistics.median(builds)
    print(f"uncached build, CPU per report (5 builds): {spread(builds)} -> {uncached:.1f} req/s per core")
    print(f"ratio cached /api/report/BTC / uncached build: {medians['/api/report/BTC'] / uncached:.0f}x")
    print(f"ratio cached /report/BTC.html / uncached build: {medians['/report/BTC.html'] / uncached:.0f}x")
    print(f"ratio /api/report/BTC / /health: {medians['/api/report/BTC'] / medians['/health']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
