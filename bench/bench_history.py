"""Benchmark: import 5 years of Binance BTCUSDT 4h klines + funding into the DuckDB store, and an event study of 10
signals over that history, each against a plain-pandas baseline measured in the same run.

Run: ``python bench/bench_history.py`` (needs ../shared/data/real or $DERIVINTEL_REAL_DATA).
Baselines, the strongest simple alternative a user would write: import = pandas.read_csv of each file + concat +
drop_duplicates on the key + a Parquet file per table (written by DuckDB, already a dependency: no pyarrow needed);
study = pandas rolling/merge_asof features, vectorised non-overlapping event selection and one (resamples × events)
bootstrap matrix per signal, with the same number of resamples and no multiple-testing step.
CPU seconds, min / median / max over several runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from benchutil import cpu_times, ratio, spread
from derivintel.research.event_study import _stepm, forward_returns, study_frame
from derivintel.research.features import DAY_MS, build_features
from derivintel.research.signals import PRICE_FUNDING_SIGNALS
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps

REAL = Path(os.environ.get("DERIVINTEL_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "real"))
DIR = REAL / "perp_history" / "binance_btcusdt_um"
FILES = [DIR / "futures_BTCUSDT_4h.csv", DIR / "futures_BTCUSDT_funding.csv", DIR / "spot_BTCUSDT_4h.csv"]
N_BOOT = 2000
HORIZONS = (1, 3, 7)


def import_store() -> None:
    with tempfile.TemporaryDirectory() as d, HistoryStore(Path(d) / "b.duckdb") as s:
        import_dumps("binance-vision", FILES, s)


def _to_parquet(frame: pd.DataFrame, path: Path) -> None:
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f"COPY frame TO '{path}' (FORMAT PARQUET)")
    con.close()


def import_pandas() -> None:
    with tempfile.TemporaryDirectory() as d:
        k = [pd.read_csv(f) for f in FILES if "funding" not in f.name]
        candles = pd.concat(k).drop_duplicates(subset=["open_time"], keep="first")
        _to_parquet(candles, Path(d) / "c.parquet")
        fund = pd.read_csv(FILES[1])
        fund["calc_time"] = (fund["calc_time"] / 1000).round() * 1000
        _to_parquet(fund.drop_duplicates(subset=["calc_time"]), Path(d) / "f.parquet")


def pandas_study(frame_close: pd.Series, funding: pd.DataFrame, spot_close: pd.Series) -> list[tuple]:
    """Same signals, computed the plain-pandas way."""
    grid = frame_close.index
    grid = grid.as_unit("ms")
    f = funding.set_index("ts")["rate_1h"]
    f.index = f.index.as_unit("ms")
    roll = f.rolling("30D")
    z = ((f - roll.mean()) / roll.std()).where(roll.count() >= 10)
    feats = pd.DataFrame(index=grid)
    feats["funding_zscore_30d"] = pd.merge_asof(
        pd.DataFrame(index=grid), z.rename("z").to_frame(), left_index=True, right_index=True
    )["z"]
    feats["funding_1h"] = pd.merge_asof(
        pd.DataFrame(index=grid), f.rename("f").to_frame(), left_index=True, right_index=True
    )["f"]
    feats["price_change_24h"] = frame_close / frame_close.shift(6) - 1
    feats["basis"] = frame_close / spot_close.reindex(grid) - 1
    rows = []
    rng = np.random.default_rng(0)
    for h in HORIZONS:
        fut = frame_close.reindex(grid + pd.Timedelta(days=h)).to_numpy()
        fwd = pd.Series(fut / frame_close.to_numpy() - 1, index=grid)
        base = fwd.dropna()
        for spec in PRICE_FUNDING_SIGNALS:
            fired = spec.fires(feats[spec.feature].to_numpy()) & fwd.notna().to_numpy()
            r = fwd.to_numpy()[_first_of_each_gap(grid.asi8 // 1_000, fired, h * 86_400_000)]
            if len(r) >= 5:
                boots = r[rng.integers(0, len(r), size=(N_BOOT, len(r)))].mean(axis=1)
                ci = np.quantile(boots, [0.05, 0.95])
            else:
                ci = None
            rows.append((spec.name, h, len(r), r.mean() if len(r) else None, ci, base.mean()))
    return rows


def _first_of_each_gap(ts_ms: np.ndarray, fired: np.ndarray, gap_ms: int) -> np.ndarray:
    """Greedy non-overlapping events: vectorised by jumping with searchsorted from each kept event."""
    cand = np.flatnonzero(fired)
    kept = []
    i = 0
    while i < len(cand):
        kept.append(cand[i])
        i = int(np.searchsorted(ts_ms[cand], ts_ms[cand[i]] + gap_ms, side="left"))
    return np.asarray(kept, dtype=np.int64)


_PRESSURE_WRITER = """
import sys, time
from datetime import UTC, datetime
import numpy as np
from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries
from derivintel.store import HistoryStore
src = Source("bench", "pressure", datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC))
store = HistoryStore(sys.argv[1])
b, stop = 0, time.monotonic() + float(sys.argv[2])
while time.monotonic() < stop:
    ts = (np.arange(500) + b * 500).astype("int64") * 60_000
    x = np.full(500, float(b))
    store.write(CandleSeries("w", "XRP", "perp", 60, ts.astype("datetime64[ms]"), x, x, x, x, x, None, src))
    b += 1
print(b, flush=True)
"""


def concurrency(seconds: float = 8.0) -> None:
    """Readers against a store one writer process keeps writing 500-row batches to: the wall time of each read
    session (open with lock retry + a point-in-time candle read), against the same reads with no writer."""
    import subprocess
    import time

    def reads(path: Path, n: int) -> list[float]:
        out = []
        for _ in range(n):
            t = time.perf_counter()
            with HistoryStore(path, read_only=True) as st, st.session():
                st.candle_series("BTC")
            out.append(time.perf_counter() - t)
        return out

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.duckdb"
        with HistoryStore(path) as s:
            import_dumps("binance-vision", FILES, s)
        idle = reads(path, 20)
        writer = subprocess.Popen(
            [sys.executable, "-c", _PRESSURE_WRITER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
        )
        busy: list[float] = []
        while writer.poll() is None:
            busy += reads(path, 1)
        batches = int(writer.communicate()[0].split()[-1])
        with HistoryStore(path, read_only=True) as st:
            stored = st._exec("SELECT count(DISTINCT open) FROM candles WHERE venue = 'w'")[0][0]
    print(f"concurrency: {len(busy)} read sessions while one process wrote {batches} batches in {seconds:.0f} s")
    print(f"  batches committed / stored: {batches} / {stored} (none lost: {batches == stored})")
    print(f"  read session wall time, no writer:   median {np.median(idle) * 1e3:.0f} ms, max {max(idle) * 1e3:.0f} ms")
    print(f"  read session wall time, with writer: median {np.median(busy) * 1e3:.0f} ms, max {max(busy) * 1e3:.0f} ms")
    print(f"  ratio with / without writer (medians): {np.median(busy) / np.median(idle):.2f}x")


def main() -> int:
    if not all(f.exists() for f in FILES):
        print(f"real data not found under {DIR}; set DERIVINTEL_REAL_DATA", file=sys.stderr)
        return 1
    n_rows = sum(sum(1 for _ in f.open()) - 1 for f in FILES)
    t_store = cpu_times(import_store, 5)
    t_pd = cpu_times(import_pandas, 5)
    print("CPU time, min / median / max of 5 runs")
    print(f"import {n_rows} rows (4h perp+spot klines 2021-2026, 8h funding), aim < 2 s")
    print(f"  store (DuckDB, keys, provenance):                   {spread(t_store, 's')}")
    print(f"  baseline pandas dedupe + Parquet files:             {spread(t_pd, 's')}")
    print(f"  ratio store / baseline (medians): {ratio(t_store, t_pd):.2f}x")

    with tempfile.TemporaryDirectory() as d, HistoryStore(Path(d) / "s.duckdb") as s:
        import_dumps("binance-vision", FILES, s)
        feats = {sp.feature for sp in PRICE_FUNDING_SIGNALS}
        t_feat = cpu_times(lambda: build_features(s, "BTC", features=feats), 5)
        frame = build_features(s, "BTC", features=feats)
        perp = s.candle_series("BTC")
    t_study = cpu_times(lambda: study_frame(frame, PRICE_FUNDING_SIGNALS, HORIZONS, n_boot=N_BOOT), 5)
    res = study_frame(frame, PRICE_FUNDING_SIGNALS, HORIZONS, n_boot=N_BOOT)
    perp4 = next(c for c in perp if c.market == "perp" and c.interval_s == 14_400)
    spot4 = next(c for c in perp if c.market == "spot" and c.interval_s == 14_400)
    idx = pd.DatetimeIndex(perp4.ts + np.timedelta64(4, "h"))
    close = pd.Series(perp4.close, index=idx)
    spot = pd.Series(spot4.close, index=pd.DatetimeIndex(spot4.ts + np.timedelta64(4, "h")))
    fund_raw = pd.read_csv(FILES[1])
    funding = pd.DataFrame(
        {
            "ts": pd.to_datetime((fund_raw["calc_time"] / 1000).round() * 1000, unit="ms"),
            "rate_1h": fund_raw["last_funding_rate"] / fund_raw["funding_interval_hours"],
        }
    )
    t_pd_study = cpu_times(lambda: pandas_study(close, funding, spot), 5)
    ts_ms = frame.ts.astype(np.int64)
    fwds = {h: forward_returns(ts_ms, frame.close, h * DAY_MS) for h in HORIZONS}

    def multiple_testing() -> None:
        for h in HORIZONS:
            _stepm(frame, PRICE_FUNDING_SIGNALS, fwds[h], h, seed=7 + h, n_boot=1000, size=0.05)

    t_mt = cpu_times(multiple_testing, 5)
    without_mt = [f + s - m for f, s, m in zip(sorted(t_feat), sorted(t_study), sorted(t_mt), strict=True)]
    n_sig, n_h = len(PRICE_FUNDING_SIGNALS), len(HORIZONS)
    print(f"event study on {len(frame.ts)} decision times, {n_sig} signals × {n_h} horizons, {N_BOOT} resamples:")
    print(f"  features:                                           {spread(t_feat, 's')}")
    print(f"  study with StepM/SPA multiple testing (aim < 1 s):  {spread(t_study, 's')}")
    print(f"    of which StepM/SPA:                               {spread(t_mt, 's')}")
    print(f"  features + study without multiple testing:          {spread(without_mt, 's')}")
    print(f"  baseline vectorised pandas (features + study):      {spread(t_pd_study, 's')}")
    print(f"  ratio ours without multiple testing / baseline (medians): {ratio(without_mt, t_pd_study):.2f}x")
    print(f"multiple testing: {res.multiple_testing}; SPA p {dict(res.spa_pvalues)}")
    concurrency()
    return 0


if __name__ == "__main__":
    sys.exit(main())
