"""Growth of the paths that scale with input size, at 1×, 10× and 100×, so a regression to quadratic shows.

- options: ``analyze_chain`` (max pain, smile/skew, greeks, GEX, flip) on a real Deribit snapshot (1×) tiled with
  slightly shifted strikes (10×, 100×: every copy adds new strikes, the quadratic driver of the old max pain);
- study: ``study_frame`` (10 signals × 3 horizons, bootstraps + StepM/SPA) on the real 5-year BTC 4h feature frame
  (1×) tiled back in time;
- report --asof: ``build_report_for`` from a DuckDB store holding the real history (1×) plus 9 or 99 copies of it
  shifted into the past, at a fixed as_of: only the store grows, so the figure should stay flat;
- liquidation map: ``build_liquidation_map`` on 30 days of 5-minute OI × 4 venues (1×), then 300 and 3,000 days.

Per size: CPU seconds of this process (``time.process_time``: user + system, all threads; on a shared machine wall
time measures the neighbours) min / median / max over ``--runs`` runs (one at 100×), the peak of Python allocations
(tracemalloc, numpy included; one extra run) and the growth exponent ``log(t_k / t_1) / log(k)`` from the medians:
≈ 1 is linear, ≈ 2 quadratic, ≈ 0 flat. Run: ``python bench/bench_scaling.py [--max-scale 100] [--only options]``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

REAL = Path(os.environ.get("DERIVINTEL_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "real"))
CHAIN = REAL / "deribit_options" / "svcj_snapshots" / "deribit_options_snapshot_20260325T094504Z.csv"
HIST = REAL / "perp_history" / "binance_btcusdt_um"
KLINES = [HIST / "futures_BTCUSDT_4h.csv", HIST / "futures_BTCUSDT_funding.csv", HIST / "spot_BTCUSDT_4h.csv"]
OI_FILE = REAL / "perp_history" / "viraj_binance_btcusdt_perp_hourly_features_2023-12_2024-10.csv"
ASOF = datetime(2024, 11, 1, tzinfo=UTC)


def measure(fn: Callable[[], object], runs: int) -> tuple[list[float], float]:
    """(CPU seconds of ``runs`` calls, peak MiB of Python allocations in one more call)."""
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return times, peak


# --- options -------------------------------------------------------------------------------------------------------


def options_case(scale: int) -> tuple[str, Callable[[], object]]:
    from derivintel.analytics.options import analyze_chain
    from derivintel.sources.deribit.chain_file import read_chain_file

    base = read_chain_file(CHAIN, currency="BTC")
    as_of = base.source.as_of
    parts = []
    for j in range(scale):  # copy j: strikes × (1 + j·1e-5): new strikes, same smile shape, same expiries
        parts.append(
            replace(base, instrument=tuple(f"{i}#{j}" for i in base.instrument), strike=base.strike * (1 + j * 1e-5))
        )
    arrays = {
        name: np.concatenate([getattr(p, name) for p in parts])
        for name in ("expiry", "strike", "is_call", "mark_iv", "oi_base", "volume_base", "underlying_price_usd")
    }
    arrays["mark_price_coin"] = np.concatenate([p.mark_price_coin for p in parts])
    published = {
        name: np.concatenate([getattr(p, name) for p in parts]) if getattr(base, name) is not None else None
        for name in ("delta_published", "gamma_published")
    }
    chain = replace(base, instrument=sum((p.instrument for p in parts), ()), **arrays, **published)
    label = f"{len(chain):,} options, {len(chain.expiries)} expiries"
    return label, lambda: analyze_chain(chain, as_of=as_of, spot_usd=chain.index_price_usd)


# --- study ---------------------------------------------------------------------------------------------------------


def _real_store(path: Path):
    from derivintel.store import HistoryStore
    from derivintel.store.importers import import_dumps, import_oi_csv

    store = HistoryStore(path)
    import_dumps("binance-vision", KLINES, store)
    import_oi_csv(OI_FILE, store, venue="binance-usdm", asset="BTC", interval_s=3600)
    return store


def study_case(scale: int, frame) -> tuple[str, Callable[[], object]]:
    from derivintel.research.event_study import study_frame
    from derivintel.research.features import FeatureFrame
    from derivintel.research.signals import PRICE_FUNDING_SIGNALS

    ts = frame.ts.astype(np.int64)
    span = int(ts[-1] - ts[0]) + frame.interval_s * 1000
    shifts = [(scale - 1 - j) * span for j in range(scale)]  # oldest copy first, the real history last
    tiled = FeatureFrame(
        frame.asset,
        frame.interval_s,
        np.concatenate([ts - s for s in shifts]).astype("datetime64[ms]"),
        np.tile(frame.close, scale),
        np.tile(frame.high, scale),
        np.tile(frame.low, scale),
        {k: np.tile(v, scale) for k, v in frame.features.items()},
        frame.sources,
    )
    label = f"{len(tiled.ts):,} decision times (4h)"
    return label, lambda: study_frame(tiled, PRICE_FUNDING_SIGNALS, (1, 3, 7))


# --- report --asof -------------------------------------------------------------------------------------------------


def asof_case(scale: int, workdir: Path) -> tuple[str, Callable[[], object]]:
    from derivintel.app.pipeline import SnapshotRequest, build_report_for
    from derivintel.assessment.analyze import AnalysisOptions

    path = workdir / f"store_{scale}x.duckdb"
    store = _real_store(path)
    candles = store.candle_series("BTC")
    funding = store.funding_series("BTC")
    ois = store.open_interest_series("BTC")
    first = min(int(c.ts[0].astype(np.int64)) for c in candles)
    last = max(int(c.ts[-1].astype(np.int64)) + c.interval_s * 1000 for c in candles)
    span = np.timedelta64(last - first, "ms")
    for j in range(1, scale):  # copies of the whole history, each one span further in the past
        for c in candles:
            store.write_candles(replace(c, ts=c.ts - j * span))
        for f in funding:
            store.write_funding(replace(f, ts=f.ts - j * span))
        for o in ois:
            store.write_open_interest(replace(o, ts=o.ts - j * span))
    rows = sum(store.row_counts().values())
    store.close()
    request = SnapshotRequest(asof=ASOF, store=path)
    label = f"{rows:,} stored rows"
    return label, lambda: build_report_for(
        "BTC", secondary=(), request=request, options=AnalysisOptions(), generated_at=ASOF
    )


# --- liquidation map -----------------------------------------------------------------------------------------------


def liquidation_case(scale: int) -> tuple[str, Callable[[], object]]:
    from bench_liquidity import T0, TIERS, WEIGHTS, N, _inputs
    from derivintel.analytics.liquidity import LiquidationMapParams, build_liquidation_map

    n = N * scale
    oi_list, candles, ref = _inputs(n=n)
    as_of = T0 + timedelta(minutes=5 * n + 5)
    from derivintel.sources.margins import VENUE_MARGINS

    params = LiquidationMapParams(leverage_tiers=TIERS, leverage_weights=WEIGHTS, margins=VENUE_MARGINS)
    label = f"{n:,} 5-min steps × 4 venues"
    return label, lambda: build_liquidation_map(oi_list, candles, as_of=as_of, reference_price_usd=ref, params=params)


def report(name: str, rows: list[tuple[int, str, list[float], float]]) -> None:
    print(f"\n{name}")
    print(f"  {'scale':>5s}  {'input':38s} {'min s':>8s} {'median s':>9s} {'max s':>8s} {'peak MiB':>9s}  growth")
    t1 = statistics.median(rows[0][2])
    for scale, label, times, peak in rows:
        med = statistics.median(times)
        growth = "" if scale == 1 else f"×{med / t1:7.1f}  exponent {math.log(med / t1) / math.log(scale):5.2f}"
        print(f"  {scale:4d}×  {label:38s} {min(times):8.3f} {med:9.3f} {max(times):8.3f} {peak:9.1f}  {growth}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-scale", type=int, default=100, choices=(1, 10, 100))
    parser.add_argument("--runs", type=int, default=3, help="runs per size below 100× (100×: one)")
    parser.add_argument("--only", choices=("options", "study", "asof", "liquidation"), action="append")
    args = parser.parse_args()
    missing = [p for p in (CHAIN, *KLINES, OI_FILE) if not p.exists()]
    if missing:
        print(f"real data not found: {missing[0]} (set DERIVINTEL_REAL_DATA)", file=sys.stderr)
        return 1
    scales = [s for s in (1, 10, 100) if s <= args.max_scale]
    only = set(args.only or ("options", "study", "asof", "liquidation"))
    print(f"bench_scaling {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs; CPU seconds")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        frame = None
        if "study" in only:
            from derivintel.research.features import build_features
            from derivintel.research.signals import PRICE_FUNDING_SIGNALS

            with _real_store(work / "features.duckdb") as st:
                frame = build_features(st, "BTC", features={s.feature for s in PRICE_FUNDING_SIGNALS})
        cases: dict[str, Callable[[int], tuple[str, Callable[[], object]]]] = {
            "options": options_case,
            "study": lambda k: study_case(k, frame),
            "asof": lambda k: asof_case(k, work),
            "liquidation": liquidation_case,
        }
        titles = {
            "options": "options analytics: analyze_chain (max pain, smile, greeks, GEX, flip)",
            "study": "study: 10 signals × 3 horizons, 2000 bootstraps + StepM/SPA",
            "asof": f"report --asof {ASOF:%Y-%m-%d} (store read, calibration, analytics, report model)",
            "liquidation": "liquidation map: 8 leverage tiers",
        }
        for name, make in cases.items():
            if name not in only:
                continue
            rows = []
            for k in scales:
                label, fn = make(k)
                if k == 1:
                    fn()  # warm-up: first-use imports (arch, duckdb, scipy.special) are not part of the growth
                times, peak = measure(fn, args.runs if k < 100 else 1)
                rows.append((k, label, times, peak))
            report(titles[name], rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
