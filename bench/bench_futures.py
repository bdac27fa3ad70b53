"""Benchmark: the dated-futures edge and the basis curve at market size.

1. Parse the all-symbol payloads the futures read (Binance ``exchangeInfo`` + ``premiumIndex`` without a symbol,
   Bybit linear and inverse ``tickers``) grown to listing size (700 Binance symbols, 600 Bybit linear, 30 inverse)
   by repeating the fixture rows under fresh names, for ONE asset: the market-wide payloads are parsed once per
   asset of the report. Baseline in the same run: ``json.loads`` of the same bodies (the floor any parser pays).
2. ``basis_curve`` on 40 contracts over 4 venues against a plain-Python loop computing only the annualised basis per
   contract (no composite, interpolation or shape).
CPU time, min / median / max. Run: ``python bench/bench_futures.py``.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchutil import cpu_times, ratio, spread
from derivintel.analytics.positioning.basis_curve import basis_curve
from derivintel.core.provenance import Source
from derivintel.domain.futures import DatedFuture, Margin
from derivintel.sources.binance import parse as bp
from derivintel.sources.bybit import parse as yp

FIX = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)


def _grow(rows: list[dict], n: int, key: str) -> list[dict]:
    """``rows`` plus copies renamed ``X<i>…`` (other assets) up to ``n`` rows."""
    out = list(rows)
    i = 0
    while len(out) < n:
        row = copy.deepcopy(rows[i % len(rows)])
        row[key] = f"X{i}{row[key]}"
        if "baseAsset" in row:
            row["baseAsset"] = f"X{i}{row['baseAsset']}"
        out.append(row)
        i += 1
    return out


def payloads() -> dict[str, bytes]:
    info = json.loads((FIX / "binance" / "exchangeInfo.json").read_bytes())
    info["symbols"] = _grow(info["symbols"], 700, "symbol")
    prem = _grow(json.loads((FIX / "binance" / "premiumIndex_all.json").read_bytes()), 700, "symbol")
    lin = json.loads((FIX / "bybit" / "tickers_linear_all.json").read_bytes())
    lin["result"]["list"] = _grow(lin["result"]["list"], 600, "symbol")
    inv = json.loads((FIX / "bybit" / "tickers_inverse_all.json").read_bytes())
    inv["result"]["list"] = _grow(inv["result"]["list"], 30, "symbol")
    return {k: json.dumps(v).encode() for k, v in (("info", info), ("prem", prem), ("lin", lin), ("inv", inv))}


def parse_all(p: dict[str, bytes]) -> int:
    contracts = bp.parse_delivery_contracts(p["info"])
    n = len(bp.parse_quarterly_futures(p["prem"], asset="BTC", contracts=contracts, ts_recv=RECV))
    n += len(yp.parse_dated_futures(p["lin"], asset="BTC", category="linear", ts_recv=RECV))
    n += len(yp.parse_dated_futures(p["inv"], asset="BTC", category="inverse", ts_recv=RECV))
    return n


def curve_input() -> list[DatedFuture]:
    t = datetime(2026, 3, 14, 5, tzinfo=UTC)
    src = Source("bench", "futures", t, t)
    out = []
    for v, venue in enumerate(("deribit", "binance", "okx", "bybit")):
        for k in range(10):
            days = 7 * (k + 1) ** 1.6
            mark = 70_000 * (1 + (0.05 + 0.002 * v) * days / 365.25)
            out.append(DatedFuture(venue, "BTC", f"{venue}-{k}", t + timedelta(days=days), mark, 70_000.0, 10.0,
                                   Margin.INVERSE, src))  # fmt: skip
    return out


def naive_annualised(futures: list[DatedFuture]) -> list[float]:
    out = []
    for f in futures:
        days = (f.expiry - f.source.as_of).total_seconds() / 86_400
        if days >= 3:
            out.append((f.mark_price_usd / f.index_price_usd - 1) * 365.25 / days)
    return out


def main() -> None:
    p = payloads()
    size_kib = sum(len(b) for b in p.values()) / 1024
    ours = cpu_times(lambda: parse_all(p), 15)
    floor = cpu_times(lambda: [json.loads(b) for b in p.values()], 15)
    print(f"all-symbol payloads ({size_kib:.0f} KiB, {parse_all(p)} BTC futures found), parse for one asset: "
          f"{spread(ours)}; json.loads alone {spread(floor)} -> {ratio(ours, floor):.2f}x")  # fmt: skip
    fut = curve_input()
    ours = cpu_times(lambda: basis_curve(fut, reference_spot_usd=None), 200)
    base = cpu_times(lambda: naive_annualised(fut), 200)
    print(f"basis_curve, {len(fut)} contracts / 4 venues: {spread(ours)}; annualised-only loop {spread(base)} "
          f"-> {ratio(ours, base):.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
