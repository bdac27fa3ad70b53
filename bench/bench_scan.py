"""``derivintel scan`` at 500 perps: the live path against the loopback fake venues, and the scan analytics.

1. Live path (wall seconds): the synthetic 125-coin universe (``sources/demo/scan.py``, 498 perps over four venues)
   is written in each venue's bulk payload shape, served by the fake venues with ``LATENCY_S`` added to every
   answer, and fetched by ``fetch_universe`` under the DECLARED rate limits (``rate_limit_scale`` 1), then parsed by
   the venues' parsers. Printed with the floor the declared limits allow (one token bucket and concurrency cap per
   provider: ``max(0, n − burst) / rate`` plus the round trips the cap forces) and against a baseline measured in
   the same run: the same requests one after another (fetch only).
2. Analytics (CPU ms): ``scan_market`` on those 498 rows with 30 days of hourly stored funding per perp (funding z
   per perp and pooled per asset, OI change, spreads, rankings), against a plain pandas groupby of the same numbers
   (OI sum, OI-weighted funding, spread, basis; z from per-group mean/std of the concatenated history).

Run: ``python bench/bench_scan.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import statistics
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from benchutil import cpu_times, ratio, spread

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sources.fakeserver

from tests.sources.fakeserver import FakeVenues

from derivintel.analytics.scanner import scan_market
from derivintel.core.errors import SourceError
from derivintel.core.timeutil import to_ms
from derivintel.domain.scan import PerpTicker, ScanUniverse
from derivintel.sources import registry
from derivintel.sources.demo.scan import SCAN_AS_OF, build_demo_scan_history, build_demo_universe
from derivintel.sources.http import HttpFetcher
from derivintel.sources.scan_fetch import fetch_universe, scan_request

N_COINS = 125
OI_TOP = 100  # per-symbol Binance OI requests in the --oi-top run
LATENCY_S = 0.3
RUNS = 3
TS_MS = to_ms(SCAN_AS_OF)


def _s(x: float | None) -> str:
    return "" if x is None else repr(float(x))


def venue_bodies(universe: ScanUniverse) -> dict[tuple[str, str], bytes]:
    """The universe written as each venue's bulk answers (field names and units as the venues publish them)."""
    by = {v: universe.for_venue(v) for v in universe.venues}
    binance: list[PerpTicker] = list(by["binance"])
    premium = [
        {"symbol": t.venue_symbol, "markPrice": _s(t.mark_price_usd), "indexPrice": _s(t.index_price_usd),
         "estimatedSettlePrice": _s(t.index_price_usd), "lastFundingRate": _s(t.funding_rate_interval),
         "interestRate": "0.0001", "nextFundingTime": TS_MS + 3_600_000, "time": TS_MS}
        for t in binance
    ]  # fmt: skip
    ticker = [
        {"symbol": t.venue_symbol, "priceChangePercent": _s((t.price_change_24h_frac or 0.0) * 100),
         "quoteVolume": _s(t.volume_24h_usd), "lastPrice": _s(t.mark_price_usd)}
        for t in binance
    ]  # fmt: skip
    info = [{"symbol": t.venue_symbol, "fundingIntervalHours": 4} for t in binance if t.funding_interval_hours == 4]
    bybit = {
        "retCode": 0, "retMsg": "OK", "time": TS_MS,
        "result": {"category": "linear", "list": [
            {"symbol": t.venue_symbol, "markPrice": _s(t.mark_price_usd), "indexPrice": _s(t.index_price_usd),
             "fundingRate": _s(t.funding_rate_interval), "fundingIntervalHour": str(int(t.funding_interval_hours)),
             "nextFundingTime": str(TS_MS + 3_600_000), "deliveryTime": "0",
             "openInterest": _s((t.oi_base or 0.0) * 2), "singleOpenInterest": _s(t.oi_base),
             "turnover24h": _s(t.volume_24h_usd), "price24hPcnt": _s(t.price_change_24h_frac)}
            for t in by["bybit"]
        ]},
    }  # fmt: skip
    okx = by["okx"]

    def env(rows: list[dict]) -> bytes:
        return json.dumps({"code": "0", "msg": "", "data": rows}).encode()

    step = 8 * 3_600_000
    okx_bodies = {
        "mark-price_all": env([{"instType": "SWAP", "instId": t.venue_symbol, "markPx": _s(t.mark_price_usd),
                                "ts": str(TS_MS)} for t in okx]),
        "tickers_all": env([{"instType": "SWAP", "instId": t.venue_symbol, "last": _s(t.mark_price_usd),
                             "open24h": _s(t.mark_price_usd / (1 + (t.price_change_24h_frac or 0.0))),
                             "volCcy24h": _s((t.volume_24h_usd or 0.0) / t.mark_price_usd), "ts": str(TS_MS)}
                            for t in okx]),
        "funding-rate_all": env([{"instType": "SWAP", "instId": t.venue_symbol,
                                  "fundingRate": _s(t.funding_rate_interval), "fundingTime": str(TS_MS),
                                  "nextFundingTime": str(TS_MS + step), "ts": str(TS_MS)} for t in okx]),
        "open-interest_all": env([{"instType": "SWAP", "instId": t.venue_symbol, "oiCcy": _s(t.oi_base),
                                   "oi": _s(t.oi_base), "oiUsd": _s(t.oi_usd), "ts": str(TS_MS)} for t in okx]),
        "index-tickers_all": env([{"instId": t.venue_symbol.removesuffix("-SWAP"), "idxPx": _s(t.index_price_usd),
                                   "ts": str(TS_MS)} for t in okx]),
    }  # fmt: skip
    hl = by["hyperliquid"]
    meta = {"universe": [{"name": t.venue_symbol, "szDecimals": 2, "maxLeverage": 10} for t in hl]}
    ctxs = [
        {"funding": _s(t.funding_rate_interval), "openInterest": _s(t.oi_base), "markPx": _s(t.mark_price_usd),
         "oraclePx": _s(t.index_price_usd), "dayNtlVlm": _s(t.volume_24h_usd),
         "prevDayPx": _s(t.mark_price_usd / (1 + (t.price_change_24h_frac or 0.0)))}
        for t in hl
    ]  # fmt: skip
    out = {
        ("binance-usdm", "premiumIndex_all"): json.dumps(premium).encode(),
        ("binance-usdm", "ticker24hr_all"): json.dumps(ticker).encode(),
        ("binance-usdm", "fundingInfo"): json.dumps(info).encode(),
        ("bybit", "tickers_all"): json.dumps(bybit).encode(),
        ("hyperliquid", "metaAndAssetCtxs"): json.dumps([meta, ctxs]).encode(),
    }
    out |= {("okx", ds): body for ds, body in okx_bodies.items()}
    return out


def oi_floor_s(n: int, latency_s: float) -> float:
    """Floor the Binance limit allows for ``n`` per-symbol OI requests after the bulk round: the burst goes at
    once, the rest at the refill rate, the last answer one latency later."""
    lim = registry.ALL_PROVIDERS["binance-usdm"].rate_limit
    return max(0, n - lim.burst) / lim.requests_per_s + latency_s


def _symbol_oi(args) -> bytes:
    return f'{{"symbol":"{args["symbol"]}","openInterest":"1000.0","time":{TS_MS}}}'.encode()


def limit_floor_s(latency_s: float) -> tuple[float, str]:
    """The shortest wall time the declared limits allow for the scan's requests, and how it is made up."""
    worst, parts = 0.0, []
    for src in registry.SCAN_SOURCES:
        n = len(src.endpoints)
        lim = registry.ALL_PROVIDERS[src.provider].rate_limit
        bucket_wait = max(0, n - lim.burst) / lim.requests_per_s
        rounds = math.ceil(n / lim.max_concurrent)
        t = bucket_wait + rounds * latency_s
        worst = max(worst, t)
        parts.append(f"{src.venue} {n} req (burst {lim.burst}, {lim.requests_per_s:g}/s, {lim.max_concurrent} at once)")
    return worst, "; ".join(parts)


async def sequential(config) -> int:
    """The same bulk requests one after another (fetch only)."""
    specs = [scan_request(ep, config) for src in registry.SCAN_SOURCES for ep in src.endpoints]
    async with httpx.AsyncClient() as client:
        fetcher = HttpFetcher(
            client=client, config=config, rate_limits={n: p.rate_limit for n, p in registry.ALL_PROVIDERS.items()}
        )
        for spec in specs:
            with contextlib.suppress(SourceError):
                await fetcher.fetch(spec)
    return len(specs)


def wall(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def pandas_baseline(universe: ScanUniverse, history) -> pd.DataFrame:
    """The same per-asset numbers with a plain pandas groupby (no reasons, no provenance, no rankings)."""
    from derivintel.domain.scan import base_key

    df = pd.DataFrame(
        {
            "base": [base_key(t.asset) for t in universe.tickers],
            "venue": [t.venue for t in universe.tickers],
            "oi_usd": [t.oi_usd for t in universe.tickers],
            "f": [t.funding_rate_1h for t in universe.tickers],
            "basis": [t.basis_fraction for t in universe.tickers],
        }
    )
    df["fw"] = df["f"] * df["oi_usd"]
    df["bw"] = df["basis"] * df["oi_usd"]
    g = df.groupby("base")
    out = g.agg(oi_usd=("oi_usd", "sum"), fw=("fw", "sum"), bw=("bw", "sum"), fmax=("f", "max"), fmin=("f", "min"))
    out["funding_1h"] = out["fw"] / out["oi_usd"]
    out["basis"] = out["bw"] / out["oi_usd"]
    out["spread"] = out["fmax"] - out["fmin"]
    keys = list(history.funding_1h)
    arrays = [np.asarray(history.funding_1h[k], dtype=float) for k in keys]
    hist = pd.DataFrame(
        {"base": np.repeat([b for _v, b in keys], [len(a) for a in arrays]), "r": np.concatenate(arrays)}
    )
    stats = hist.groupby("base")["r"].agg(["mean", "std"])
    out["z"] = (out["funding_1h"] - stats["mean"]) / stats["std"]
    return out


def main() -> None:
    universe = build_demo_universe(n_coins=N_COINS)
    history = build_demo_scan_history(universe)
    n_perps = len(universe.tickers)
    floor, how = limit_floor_s(LATENCY_S)
    with FakeVenues(latency_s=LATENCY_S) as fake:
        fake.overrides.update(venue_bodies(universe))
        config = fake.config(timeout_s=10.0, rate_limit_scale=1.0)  # the declared, real rate limits
        live, _raw = asyncio.run(fetch_universe(config))
        ours = wall(lambda: asyncio.run(fetch_universe(config)), RUNS)
        n_req = asyncio.run(sequential(config))
        seq = wall(lambda: asyncio.run(sequential(config)), RUNS)
        fake.handlers[("binance-usdm", "openInterest")] = _symbol_oi
        with_oi, _raw = asyncio.run(fetch_universe(config, oi_top=OI_TOP))
        oi_runs = wall(lambda: asyncio.run(fetch_universe(config, oi_top=OI_TOP)), 2)
    print(f"live path: {n_req} bulk requests for {n_perps} synthetic perps over {len(universe.venues)} venues, "
          f"{LATENCY_S * 1000:.0f} ms added latency each; parsed {len(live.tickers)} rows, {len(live.gaps)} gaps "
          f"({', '.join(sorted({g.dataset for g in live.gaps}))})")  # fmt: skip
    print(f"  declared limits: {how}")
    print(f"  floor the declared limits allow: {floor:.2f} s (every venue's requests fit its burst: one round trip)")
    print(f"  fetch_universe (fetch + parse), wall min/median/max of {RUNS}: {spread(ours, 's')} "
          f"= {statistics.median(ours) / floor:.2f}x the floor")  # fmt: skip
    print(
        f"  baseline sequential (fetch only):                     {spread(seq, 's')} -> {ratio(seq, ours):.1f}x slower"
    )

    filled = sum(1 for t in with_oi.for_venue("binance") if t.oi_base is not None)
    oi_floor = floor + oi_floor_s(OI_TOP, LATENCY_S)
    print(f"  with --oi-top {OI_TOP} (per-symbol Binance OI after the bulk round, {filled} rows filled): "
          f"{spread(oi_runs, 's')}; floor the Binance limit allows {oi_floor:.2f} s "
          f"(= {statistics.median(oi_runs) / oi_floor:.2f}x)")  # fmt: skip

    runs = 7
    ana = cpu_times(lambda: scan_market(universe, as_of=SCAN_AS_OF, history=history), runs)
    base = cpu_times(lambda: pandas_baseline(universe, history), runs)
    stored = sum(len(v) for v in history.funding_1h.values())
    print(f"analytics: scan_market on {n_perps} perps, {len(history.funding_1h)} stored funding series "
          f"({stored:,} settlements), CPU min/median/max of {runs}: {spread(ana)} (aim < 200 ms)")  # fmt: skip
    print(f"  baseline pandas groupby of the same numbers: {spread(base)} -> ours {ratio(ana, base):.2f}x it")
    check = pandas_baseline(universe, history)
    result = scan_market(universe, as_of=SCAN_AS_OF, history=history)
    worst = max(
        abs(a.funding_1h - check.loc[a.base, "funding_1h"]) / abs(check.loc[a.base, "funding_1h"])
        for a in result.assets
        if a.funding_1h and check.loc[a.base, "funding_1h"]
    )
    z_diff = float(np.nanmax([abs(a.funding_z - check.loc[a.base, "z"]) for a in result.assets if a.funding_z]))
    print(f"  same numbers: max relative OI-weighted funding difference {worst:.1e}, max |z difference| {z_diff:.1e}")


if __name__ == "__main__":
    main()
