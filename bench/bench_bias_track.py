"""Benchmark: the bias track record (walk-forward of the live rules at every 4h close + stationary block bootstrap at
1/3/7 d) over 5+ years of Binance BTCUSDT 4h bars and funding, against plain pandas baselines measured in the same run.

Run: ``python bench/bench_bias_track.py`` (needs ../shared/data/real or $DERIVINTEL_REAL_DATA). Aim: < 5 s.
Baselines:
- ``pandas inputs``: the same four inputs with plain pandas (groupby-cumsum quarterly AVWAP, rolling 6-bar CVD,
  rolling 30 d funding z-score via merge_asof, shift for forward returns), no bias rules, no bootstrap;
- ``index bootstrap``: the same stationary bootstrap by materialising every resample's indices (n_boot × N gathers)
  instead of block sums over prefix sums.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from derivintel.research.bias_track import bias_track_record, track_record_from_series
from derivintel.store import HistoryStore
from derivintel.store.importers import import_dumps

REAL = Path(os.environ.get("DERIVINTEL_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "real"))
DIR = REAL / "perp_history" / "binance_btcusdt_um"
FILES = [DIR / "futures_BTCUSDT_4h.csv", DIR / "futures_BTCUSDT_funding.csv"]
N_BOOT = 1000


def timed(fn, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def pandas_inputs(k: pd.DataFrame, f: pd.DataFrame) -> pd.DataFrame:
    """The walk-forward inputs with plain pandas (the baseline; no rules, no bootstrap)."""
    d = pd.DataFrame(
        {
            "close_time": pd.to_datetime(k["open_time"], unit="ms") + pd.Timedelta(hours=4),
            "open_time": pd.to_datetime(k["open_time"], unit="ms"),
            "close": k["close"],
            "tp": (k["high"] + k["low"] + k["close"]) / 3,
            "vol": k["volume"],
            "delta_usd": (2 * k["taker_buy_volume"] - k["volume"]) * k["close"],
        }
    )
    q = d["open_time"].dt.to_period("Q")
    d["avwap"] = (d["tp"] * d["vol"]).groupby(q).cumsum() / d["vol"].groupby(q).cumsum()
    d["vs_avwap"] = d["close"] / d["avwap"] - 1
    d["cvd_24h"] = d["delta_usd"].rolling(6, min_periods=1).sum()
    fs = pd.DataFrame({"t": pd.to_datetime(f["calc_time"], unit="ms"), "r": f["last_funding_rate"] / 8}).set_index("t")
    roll = fs["r"].rolling("30D", min_periods=10)
    fs["z"] = (fs["r"] - roll.mean()) / roll.std()
    d = pd.merge_asof(d.sort_values("close_time"), fs[["z"]].reset_index(), left_on="close_time", right_on="t")
    for h in (1, 3, 7):
        d[f"fwd_{h}d"] = d["close"].shift(-6 * h) / d["close"] - 1
    return d


def index_bootstrap(x: np.ndarray, n_boot: int, mean_block: float, rng: np.random.Generator) -> np.ndarray:
    """Stationary bootstrap sums by materialising the indices (the naive form)."""
    n = x.shape[1]
    new = rng.random((n_boot, n)) < 1 / mean_block
    new[:, 0] = True
    starts = rng.integers(0, n, size=(n_boot, n))
    pos = np.arange(n)
    bp = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    idx = (np.take_along_axis(starts, bp, axis=1) + (pos - bp)) % n
    return np.stack([row[idx].sum(axis=1) for row in x])


def main() -> int:
    if not all(p.exists() for p in FILES):
        print(f"real data not found under {DIR}; set DERIVINTEL_REAL_DATA", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, HistoryStore(Path(tmp) / "b.duckdb") as store:
        import_dumps("binance-vision", FILES, store)
        grid = max((c for c in store.candle_series("BTC") if c.interval_s == 14_400), key=len)
        funding = max(store.funding_series("BTC"), key=len)
        years = (grid.ts[-1] - grid.ts[0]).astype("timedelta64[D]").astype(int) / 365.25
        t_store, res = timed(lambda: bias_track_record(store, "BTC", n_boot=N_BOOT, lookback_days=None))
    t_pure, _ = timed(lambda: track_record_from_series("BTC", grid, funding, None, n_boot=N_BOOT))
    t_walk, _ = timed(lambda: track_record_from_series("BTC", grid, funding, None, n_boot=1, min_calls=10**9))
    k = pd.read_csv(FILES[0])
    f = pd.read_csv(FILES[1])
    t_pandas, _ = timed(lambda: pandas_inputs(k, f))
    x = np.random.default_rng(0).normal(size=(6, len(grid)))
    t_idx, _ = timed(lambda: [index_bootstrap(x, N_BOOT, 2 * 6 * h, np.random.default_rng(h)) for h in (1, 3, 7)], 1)
    rec = res.value
    print(f"{len(grid):,} 4h bars ({years:.1f} years), {rec.n_decisions:,} decisions, {N_BOOT} bootstrap resamples")
    print(f"track record from the store (reads + walk-forward + bootstrap, 1/3/7 d): {t_store:.3f} s (aim < 5 s)")
    print(f"  in memory: {t_pure:.3f} s; walk-forward alone (inputs + rules, no bootstrap): {t_walk:.3f} s")
    ratio = t_walk / t_pandas
    print(f"baseline pandas inputs (no rules, no bootstrap): {t_pandas:.3f} s; walk-forward / pandas = {ratio:.2f}×")
    print(
        f"baseline index bootstrap (materialised resamples): {t_idx:.3f} s; ours in memory / it = {t_pure / t_idx:.2f}×"
    )
    for h in rec.horizons:
        print(
            f"  {h.horizon_days}d: {h.n_calls} calls ({h.n_bullish} bull / {h.n_bearish} bear), hit {h.hit_rate:.1%} "
            f"[{h.hit_ci_low:.1%}–{h.hit_ci_high:.1%}] vs base {h.base_hit_rate:.1%} (up share {h.base_up_rate:.1%}), "
            f"edge {h.edge:+.1%} [{h.edge_ci_low:+.1%}, {h.edge_ci_high:+.1%}], mean in call direction "
            f"{h.signed_mean_return:+.2%} [{h.signed_mean_ci_low:+.2%}, {h.signed_mean_ci_high:+.2%}], mean edge "
            f"{h.mean_edge:+.2%} [{h.mean_edge_ci_low:+.2%}, {h.mean_edge_ci_high:+.2%}]"
        )
    return 0 if t_store < 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
