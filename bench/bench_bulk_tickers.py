"""Benchmark: the strict bulk parsers of Bitget (``tickers`` + ``current-fund-rates``) and Gate (``contracts`` +
``tickers-all``) on a SYNTHETIC venue-wide answer of N perps, against a baseline measured in the same run.

Run: ``python bench/bench_bulk_tickers.py [N]`` (default 600, about the size of each venue's USDT-perp list).
The payloads are built from the documentation fixtures' rows with made-up symbols (SYNTHETIC, not market data).
Baseline: ``json.loads`` plus a dict comprehension pulling the same fields with ``float()`` — no validation, no
units, no domain objects; the ratio is the price of the strict edge (schema drift and bad numbers become gaps).
"""

from __future__ import annotations

import copy
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchutil import cpu_times, ratio, spread
from derivintel.sources.bitget import parse as bitget
from derivintel.sources.gate import parse as gate

FIX = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)


def bitget_bodies(n: int) -> tuple[bytes, bytes]:
    tickers = json.loads((FIX / "bitget" / "tickers.json").read_bytes())
    funding = json.loads((FIX / "bitget" / "current-fund-rates.json").read_bytes())
    t_rows, f_rows = [], []
    for i in range(n):
        t, f = copy.deepcopy(tickers["data"][i % 3]), copy.deepcopy(funding["data"][i % 3])
        t["symbol"] = f["symbol"] = f"C{i}USDT"
        t_rows.append(t)
        f_rows.append(f)
    return json.dumps({**tickers, "data": t_rows}).encode(), json.dumps({**funding, "data": f_rows}).encode()


def gate_bodies(n: int) -> tuple[bytes, bytes]:
    contracts = json.loads((FIX / "gate" / "contracts.json").read_bytes())[:3]
    tickers = json.loads((FIX / "gate" / "tickers-all.json").read_bytes())
    c_rows, t_rows = [], []
    for i in range(n):
        c, t = copy.deepcopy(contracts[i % 3]), copy.deepcopy(tickers[i % 3])
        c["name"] = t["contract"] = f"C{i}_USDT"
        c_rows.append(c)
        t_rows.append(t)
    return json.dumps(c_rows).encode(), json.dumps(t_rows).encode()


def main(n: int) -> None:
    bt, bf = bitget_bodies(n)
    gc, gt = gate_bodies(n)

    def strict_bitget():
        return bitget.parse_bulk_tickers(bt, ts_recv=RECV, funding=bitget.parse_current_fund_rates(bf, ts_recv=RECV))

    def strict_gate():
        return gate.parse_bulk_contracts(gc, ts_recv=RECV, volumes=gate.parse_bulk_volumes(gt, ts_recv=RECV))

    def loose_bitget():
        f = {r["symbol"]: float(r["fundingRate"]) / float(r["fundingRateInterval"]) for r in json.loads(bf)["data"]}
        return [
            (r["symbol"], float(r["markPrice"]), float(r["holdingAmount"]), f.get(r["symbol"]))
            for r in json.loads(bt)["data"]
        ]

    def loose_gate():
        v = {r["contract"]: float(r["volume_24h_quote"]) for r in json.loads(gt)}
        return [
            (
                r["name"],
                float(r["mark_price"]),
                float(r["position_size"]) * float(r["quanto_multiplier"]),
                v.get(r["name"]),
            )
            for r in json.loads(gc)
        ]

    assert len(strict_bitget()) == n
    assert len(strict_gate()) == n
    print(f"SYNTHETIC bulk payloads: {n} perps per venue ({len(bt) + len(bf)} B Bitget, {len(gc) + len(gt)} B Gate)")
    for name, strict, loose in (("bitget", strict_bitget, loose_bitget), ("gate", strict_gate, loose_gate)):
        s, b = cpu_times(strict, 7), cpu_times(loose, 7)
        print(f"{name:7s} strict parse {spread(s)}   baseline json+float {spread(b)}   ratio {ratio(s, b):.1f}×")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
