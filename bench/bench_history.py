"""Benchmark: import 5 years of Binance BTCUSDT 4h klines + funding into the DuckDB store, and an event study of 10
signals over that history, each against a plain-pandas baseline measured in the same run.

Run: ``python bench/bench_history.py`` (needs ../shared/data/real or $DERIVINTEL_REAL_DATA).
Baselines: import = pandas.read_csv of each file + concat + drop_duplicates on the key + to_parquet (a plain
dedupe-on-rewrite file store); study = pandas rolling/merge_asof features, a Python event loop and a per-signal
bootstrap with the same number of resamples.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from derivintel.research.event_study import study_frame
from derivintel.research.features import build_features
from derivintel.research.signals import PRICE_FUNDING_SIGNALS
from derivintel.store import HistoryStore
from derivintel.store.importers import import_binance_vision

REAL = Path(os.environ.get("DERIVINTEL_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "real"))
DIR = REAL / "perp_history" / "binance_btcusdt_um"
FILES = [DIR / "futures_BTCUSDT_4h.csv", DIR / "futures_BTCUSDT_funding.csv", DIR / "spot_BTCUSDT_4h.csv"]
N_BOOT = 2000
HORIZONS = (1, 3, 7)


def timed(fn, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def import_store() -> float:
    with tempfile.TemporaryDirectory() as d, HistoryStore(Path(d) / "b.duckdb") as s:
        t = time.perf_counter()
        import_binance_vision(FILES, s)
        return time.perf_counter() - t


def import_pandas() -> float:
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        k = [pd.read_csv(f) for f in FILES if "funding" not in f.name]
        candles = pd.concat(k).drop_duplicates(subset=["open_time"], keep="first")
        candles.to_parquet(Path(d) / "c.parquet")
        fund = pd.read_csv(FILES[1])
        fund["calc_time"] = (fund["calc_time"] / 1000).round() * 1000
        fund.drop_duplicates(subset=["calc_time"]).to_parquet(Path(d) / "f.parquet")
        return time.perf_counter() - t


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
            last = None
            ev = []
            for t in grid[fired]:
                if last is None or t >= last + pd.Timedelta(days=h):
                    ev.append(t)
                    last = t
            r = fwd.loc[ev].to_numpy()
            boots = [rng.choice(r, len(r)).mean() for _ in range(N_BOOT)] if len(r) >= 5 else []
            ci = np.quantile(boots, [0.05, 0.95]) if boots else None
            rows.append((spec.name, h, len(r), r.mean() if len(r) else None, ci, base.mean()))
    return rows


def main() -> int:
    if not all(f.exists() for f in FILES):
        print(f"real data not found under {DIR}; set DERIVINTEL_REAL_DATA", file=sys.stderr)
        return 1
    n_rows = sum(sum(1 for _ in f.open()) - 1 for f in FILES)
    t_store, _ = timed(import_store)
    t_pd, _ = timed(import_pandas)
    print(
        f"import {n_rows} rows (4h perp+spot klines 2021-2026, 8h funding): store {t_store:.3f} s, "
        f"pandas baseline {t_pd:.3f} s, ratio store/baseline {t_store / t_pd:.2f}  (aim < 2 s)"
    )

    with tempfile.TemporaryDirectory() as d, HistoryStore(Path(d) / "s.duckdb") as s:
        import_binance_vision(FILES, s)
        feats = {sp.feature for sp in PRICE_FUNDING_SIGNALS}
        t_feat, frame = timed(lambda: build_features(s, "BTC", features=feats))
        t_study, res = timed(lambda: study_frame(frame, PRICE_FUNDING_SIGNALS, HORIZONS, n_boot=N_BOOT))
        perp = s.candle_series("BTC")
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
    t_pd_study, _ = timed(lambda: pandas_study(close, funding, spot), repeat=1)
    print(f"features on {len(frame.ts)} decision times: {t_feat:.3f} s")
    print(
        f"event study, {len(PRICE_FUNDING_SIGNALS)} signals × {len(HORIZONS)} horizons, {N_BOOT} bootstrap "
        f"resamples + StepM/SPA: {t_study:.3f} s; pandas baseline (no multiple-testing step) {t_pd_study:.3f} s; "
        f"ratio {t_study / t_pd_study:.2f}  (aim < 1 s)"
    )
    print(f"multiple testing: {res.multiple_testing}; SPA p {dict(res.spa_pvalues)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
