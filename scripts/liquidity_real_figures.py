"""Issue 11 figures from the recorded real data in ``../shared/data/real`` (read in place, never copied).

1. Liquidation-map accuracy ledger: map built from Binance hourly OI (2026-09-28..10-02 14:00, OI-implied prices, no
   taker flow → 50/50) at the first recorded OKX liquidation; OKX realised liquidations 2026-10-02..05 scored per
   asset. Training window: the first 24 h of realised events; held-out: the rest (≤ 7 days). The leverage mix is
   chosen among a few candidates on the training window only, then reported on the held-out window.
2. Cascade calibration attempt: 5-minute windows of OKX liquidations (one side), their notional Q and the price move
   seen in the liquidation fills, fitted to move = k · σ_daily · √Q (k = Y / √V_daily; V_daily is not recorded).

3. With ``--store [PATH] --asset BTC``: the walk-forward ledger on the history store's collections (OI, perp
   candles, realised liquidations from ``collect-liquidations``): non-overlapping 7-day windows, first half training.

Run: ``python scripts/liquidity_real_figures.py`` (set ``DERIVINTEL_REAL_DATA`` to point elsewhere), or
``python scripts/liquidity_real_figures.py --store [PATH] --asset BTC``. Bad input: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from derivintel.analytics.liquidity import LiquidationMapParams, build_liquidation_map
from derivintel.analytics.liquidity.map_accuracy import DecileScore, score_map_at, score_map_history
from derivintel.core.provenance import Source
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.series import CandleSeries, OpenInterestSeries
from derivintel.research.cascade_fit import fit_sqrt_impact, liquidation_windows
from derivintel.sources.margins import VENUE_MARGINS

REAL = Path(os.environ.get("DERIVINTEL_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "real"))
OKX_FILE = ("liquidations", "gmre_okx_liquidations_2026-10-02_05_full.csv")
OI_FILE = ("perp_history", "gmre_binance_oi_hourly_2026-09-28_2026-10-02.csv")
DVOL_FILE = ("deribit_options", "gmre_deribit_dvol_daily_2026-07_2026-10.csv")
ASSETS = {"BTC": ("BTCUSDT", "BTC-USDT", 0.01), "ETH": ("ETHUSDT", "ETH-USDT", 0.1)}
LEVERAGE_MIXES = {
    "default": None,
    "low-leverage": ((3.0, 5.0, 10.0, 20.0), (0.3, 0.35, 0.25, 0.1)),
    "high-leverage": ((10.0, 20.0, 25.0, 50.0, 100.0), (0.15, 0.25, 0.2, 0.2, 0.2)),
}


def binance_oi(asset: str) -> tuple[OpenInterestSeries, CandleSeries]:
    """Binance hourly OI and bars built from consecutive OI-implied prices (no highs/lows or taker flow recorded)."""
    symbol = ASSETS[asset][0]
    raw = pd.read_csv(REAL.joinpath(*OI_FILE))
    raw = raw[raw["symbol"] == symbol].sort_values("datetime")
    ts = pd.to_datetime(raw["datetime"]).to_numpy().astype("datetime64[ms]")
    price = (raw["oi_value"] / raw["oi"]).to_numpy(float)
    as_of = datetime(2026, 10, 2, 14, tzinfo=UTC)
    src = Source("binance-usdm", "openInterestHist-1h", as_of, as_of)
    oi = OpenInterestSeries(
        "binance-usdm", asset, 3600, ts, raw["oi"].to_numpy(float), raw["oi_value"].to_numpy(float), src
    )
    hi, lo = np.maximum(price[:-1], price[1:]), np.minimum(price[:-1], price[1:])
    bars = CandleSeries(
        "binance-usdm", asset, "perp", 3600, ts[:-1], price[:-1], hi, lo, price[1:], np.ones(len(hi)), None, src
    )
    return oi, bars


def okx_events(asset: str) -> list[LiquidationEvent]:
    _, uly, ct_val = ASSETS[asset]
    raw = pd.read_csv(REAL.joinpath(*OKX_FILE))
    raw = raw[raw["uly"] == uly]
    out = []
    for t, side, size, px in zip(raw["datetime"], raw["pos_side"], raw["size"], raw["price"], strict=True):
        ts = datetime.fromisoformat(t).replace(tzinfo=UTC)
        out.append(
            LiquidationEvent(
                "okx",
                asset,
                LiquidatedSide(side),
                float(px),
                float(size) * ct_val,
                Source("okx", "liquidation-orders", ts, ts),
            )
        )
    return out


def _row(window: str, mix: str, s: DecileScore) -> str:
    return (
        f"| okx {s.label} | {window} | {mix} | {s.n_events} | {s.realised_usd / 1e6:,.2f}M | {s.top_share:.1%} | "
        f"{s.baseline_mean:.1%} | [{s.baseline_low:.1%}, {s.baseline_high:.1%}] | "
        f"{s.outside_range_usd / s.realised_usd:.1%} |"
    )


def map_accuracy_table() -> None:
    print("## Liquidation-map accuracy (top-decile share of realised notional; 90% random-bin interval)\n")
    print(
        "| Venue / asset | Window | Leverage mix | N events | Realised | Top-decile share | Random mean | Random 90% "
        "| Outside map |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for asset in ASSETS:
        oi, bars = binance_oi(asset)
        events = okx_events(asset)
        t = min(e.source.as_of for e in events) - timedelta(milliseconds=1)
        known = bars.until(t)
        ref = float(known.close[-1])
        split, end = t + timedelta(days=1), t + timedelta(days=7)
        best, best_share = "default", -1.0
        for mix, spec in LEVERAGE_MIXES.items():
            params = (
                LiquidationMapParams(margins=VENUE_MARGINS)
                if spec is None
                else LiquidationMapParams(leverage_tiers=spec[0], leverage_weights=spec[1], margins=VENUE_MARGINS)
            )
            m = build_liquidation_map(
                [oi], {"binance-usdm": bars}, as_of=t, reference_price_usd=ref, params=params
            ).value
            assert m is not None
            train = score_map_at(m, events, start=t, end=split, label=asset).value
            held = score_map_at(m, events, start=split, end=end, label=asset).value
            assert train is not None
            assert held is not None
            print(_row("train (t, t+1d]", mix, train))
            print(_row("held-out (t+1d, t+7d]", mix, held))
            if train.top_share > best_share:
                best, best_share = mix, train.top_share
        print(f"| okx {asset} | chosen on training | {best} | | | | | | |")
    print(
        "\nMap: Binance hourly OI 2026-09-28 11:00..10-02 13:00 known at t = first OKX event − 1 ms "
        "(2026-10-02 13:56:55), OI-implied bars, 50/50 split.\nRealised: OKX liquidation-orders polls "
        "(limit 100 per poll: gaps unobserved).\n"
    )


def cascade_fit_table() -> None:
    dvol = pd.read_csv(REAL.joinpath(*DVOL_FILE))
    print("## Cascade calibration attempt: 5-minute OKX liquidation windows, move = k·σ_daily·√Q\n")
    print(
        "| Asset | σ_daily (DVOL 2026-10-02) | N windows | k = Y/√V (1/√USD) | implied V_daily at Y=1 "
        "| R² (through 0) | RMS residual | log-log slope [90%] |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for asset in ASSETS:
        row = dvol[(dvol["currency"] == asset) & (dvol["date"] == "2026-10-02")]
        sigma = float(row["close"].iloc[0]) / 100.0 / np.sqrt(365.0)
        events = okx_events(asset)
        w = liquidation_windows(
            np.array([e.source.as_of.timestamp() for e in events]),
            np.array([e.price_usd for e in events]),
            np.array([e.notional_usd for e in events]),
            np.array([1.0 if e.side is LiquidatedSide.SHORT else -1.0 for e in events]),
            window_s=300,
        )
        fit = fit_sqrt_impact(w.move_frac, w.notional_usd, sigma_daily_frac=sigma)
        if fit.value is None:
            print(f"| {asset} | {sigma:.2%} | {len(w.move_frac)} | n/a | n/a | n/a | n/a | n/a |")
            continue
        f = fit.value
        implied = f"{f.implied_volume_usd_at_y1 / 1e9:,.2f}B" if f.implied_volume_usd_at_y1 else "n/a (k ≤ 0)"
        print(
            f"| {asset} | {sigma:.2%} | {f.n} | {f.k:.3g} | {implied} | {f.r2:.2f} | {f.rms_residual_frac:.3%} | "
            f"{f.loglog_slope:.2f} [{f.loglog_slope_low:.2f}, {f.loglog_slope_high:.2f}] |"
        )
    print(
        "\nMove: last − first fill price in the window, signed in the direction of the forced orders (longs "
        "liquidated sell). OKX only, one venue of many; polling gaps; the moves cause the liquidations as much as "
        "the reverse. Y is NOT identified (V_daily of the venue is not recorded); nor is the forced fraction.\n"
    )


def forced_ratio_table() -> None:
    """Realised OKX notional ÷ modelled (Binance-OI) notional over the levels price actually reached in 7 days."""
    print("## Realised ÷ modelled notional over the levels reached (forced-fraction proxy)\n")
    print("| Asset | Side | Modelled reached (Binance OI map) | Realised (OKX) | Ratio |")
    print("|---|---|---|---|---|")
    for asset in ASSETS:
        oi, bars = binance_oi(asset)
        events = okx_events(asset)
        t = min(e.source.as_of for e in events) - timedelta(milliseconds=1)
        ref = float(bars.until(t).close[-1])
        m = build_liquidation_map(
            [oi],
            {"binance-usdm": bars},
            as_of=t,
            reference_price_usd=ref,
            params=LiquidationMapParams(margins=VENUE_MARGINS),
        ).value
        assert m is not None
        for side, notional in (("long", m.long_notional_usd), ("short", m.short_notional_usd)):
            ev = [e for e in events if e.side.value == side and e.source.as_of <= t + timedelta(days=7)]
            prices = np.array([e.price_usd for e in ev])
            realised = float(sum(e.notional_usd for e in ev))
            c = m.bin_centers_usd
            reached = (c >= prices.min()) & (c < ref) if side == "long" else (c <= prices.max()) & (c > ref)
            modelled = float(notional[reached].sum())
            ratio = f"{realised / modelled:.3f}" if modelled > 0 else "n/a (no modelled level reached)"
            print(f"| {asset} | {side} | {modelled / 1e6:,.1f}M | {realised / 1e6:,.2f}M | {ratio} |")
    print(
        "\nRatio = forced fraction × (OKX size ÷ Binance size) × share of OKX liquidations the polls caught: the "
        "forced fraction alone is not identified.\n"
    )


def store_ledger(store_path: str | None, asset: str) -> int:
    """Walk-forward ledger over the history store; prints one row per window and venue."""
    from derivintel.core.errors import UserInputError
    from derivintel.store import HistoryStore, resolve_store_path

    path = resolve_store_path(Path(store_path) if store_path else None)
    if not path.exists():
        print(f"no history store at {path}", file=sys.stderr)
        return 2
    try:
        with HistoryStore(path, read_only=True) as st:
            oi = st.open_interest_series(asset)
            candles = [c for c in st.candle_series(asset) if c.market == "perp"]
            if not oi or not candles:
                print(f"the store holds no {asset} OI or perp candles", file=sys.stderr)
                return 2
            start = max(min(s.ts[0] for s in oi), min(c.ts[0] for c in candles)).astype("datetime64[ms]").item()
            end = max(s.ts[-1] for s in oi).astype("datetime64[ms]").item()
            start, end = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)
            events = st.liquidations(asset, until=end, since=start)
    except UserInputError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finest: dict[str, CandleSeries] = {}
    for c in candles:
        if c.venue not in finest or c.interval_s < finest[c.venue].interval_s:
            finest[c.venue] = c
    # the map needs a week of OI before its first evaluation time
    res = score_map_history(oi, finest, events, start=start + timedelta(days=7), end=end)
    if res.value is None:
        print(f"{asset}: not scored: {'; '.join(res.reasons)}")
        return 0
    print(f"## {asset} map-accuracy ledger from {path}\n")
    print("| Evaluated at | Window | Venue | N | Top-decile share | Random mean | Random 90% |")
    print("|---|---|---|---|---|---|---|")
    for w in res.value:
        s = w.score
        print(
            f"| {w.evaluated_at:%Y-%m-%d %H:%M} | {w.window} | {s.label} | {s.n_events} | {s.top_share:.1%} | "
            f"{s.baseline_mean:.1%} | [{s.baseline_low:.1%}, {s.baseline_high:.1%}] |"
        )
    for r in res.reasons:
        print(f"\n{r}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", nargs="?", const="", default=None, help="history store (default location if empty)")
    parser.add_argument("--asset", default="BTC")
    args = parser.parse_args(argv)
    if args.store is not None:
        return store_ledger(args.store or None, args.asset.upper())
    if not REAL.exists():
        print(f"real data not found at {REAL}", file=sys.stderr)
        return 2
    map_accuracy_table()
    cascade_fit_table()
    forced_ratio_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
