"""Issue 11 real-data figures: map accuracy on OKX 2026-10-02..05 and the square-root fit on its liquidations.

Runs ``scripts/liquidity_real_figures.py``'s loaders on ``../shared/data/real`` (skipped when absent). Figures are
printed; the assertions check accounting and one falsifiable property of the data (impact is concave in Q), never a
tuned value.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from derivintel.analytics.liquidity import build_liquidation_map
from derivintel.analytics.liquidity.liquidation_map import LiquidationMapParams
from derivintel.analytics.liquidity.map_accuracy import score_map_at
from derivintel.domain.liquidations import LiquidatedSide
from derivintel.research.cascade_fit import fit_sqrt_impact, liquidation_windows
from derivintel.sources.margins import VENUE_MARGINS
from tests.realdata import REAL_DATA_DIR, real_path

PARAMS = LiquidationMapParams(margins=VENUE_MARGINS)  # the venues' declared maintenance margins

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "liquidity_real_figures.py"


@pytest.fixture(scope="module")
def figures():
    real_path("liquidations", "gmre_okx_liquidations_2026-10-02_05_full.csv")
    real_path("perp_history", "gmre_binance_oi_hourly_2026-09-28_2026-10-02.csv")
    spec = importlib.util.spec_from_file_location("liquidity_real_figures", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.REAL = REAL_DATA_DIR
    return module


@pytest.mark.parametrize("asset", ["BTC", "ETH"])
def test_okx_map_accuracy(figures, asset: str) -> None:
    oi, bars = figures.binance_oi(asset)
    events = figures.okx_events(asset)
    t = min(e.source.as_of for e in events) - timedelta(milliseconds=1)
    ref = float(bars.until(t).close[-1])
    m = build_liquidation_map([oi], {"binance-usdm": bars}, as_of=t, reference_price_usd=ref, params=PARAMS).value
    assert m is not None
    res = score_map_at(m, events, start=t, end=t + timedelta(days=7), label=asset)
    s = res.value
    assert s is not None
    assert s.n_events == len(events)  # every recorded event lies within 7 days of the first
    assert s.realised_usd == pytest.approx(sum(e.notional_usd for e in events))
    assert 0.0 <= s.top_share <= 1.0
    in_range = 1.0 - s.outside_range_usd / s.realised_usd
    assert s.baseline_mean == pytest.approx(s.n_top / s.n_bins * in_range)
    print(
        f"\nOKX {asset}: N={s.n_events}, realised {s.realised_usd / 1e6:.2f}M, top-decile share {s.top_share:.1%} vs "
        f"random {s.baseline_mean:.1%} [{s.baseline_low:.1%}, {s.baseline_high:.1%}]"
    )


@pytest.mark.parametrize("asset", ["BTC", "ETH"])
def test_okx_sqrt_fit_is_concave(figures, asset: str) -> None:
    events = figures.okx_events(asset)
    w = liquidation_windows(
        np.array([e.source.as_of.timestamp() for e in events]),
        np.array([e.price_usd for e in events]),
        np.array([e.notional_usd for e in events]),
        np.array([1.0 if e.side is LiquidatedSide.SHORT else -1.0 for e in events]),
        window_s=300,
    )
    fit = fit_sqrt_impact(w.move_frac, w.notional_usd, sigma_daily_frac=0.02).value
    assert fit is not None
    assert fit.n >= 30
    assert fit.loglog_slope_high < 1.0  # the move grows less than linearly with the forced notional
    print(f"\nOKX {asset}: N={fit.n} windows, log-log slope {fit.loglog_slope:.2f}, R² {fit.r2:.2f}")
