"""The macro regime call's measured record: the arithmetic on a constructed history, and the first figures on the
real macro series and Binance BTC closes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.macro.correlation import DailySeries
from derivintel.core.provenance import Source
from derivintel.domain.macro import MacroSeries
from derivintel.research.macro_record import macro_regime_record

T = datetime(2026, 1, 1, tzinfo=UTC)


def _vix(values_by_day: np.ndarray, start: np.datetime64) -> MacroSeries:
    ts = start + np.arange(values_by_day.size) * np.timedelta64(1, "D")
    src = Source("test", "vix", T, T)
    return MacroSeries("vix", "index_points", ts.astype("datetime64[ms]"), values_by_day.astype(float), src)


def test_record_by_hand() -> None:
    # VIX 12 every day (one risk-on vote: every call is risk on) and BTC up 1% a day: each next-week log return is
    # exactly 7·ln(1.01), every call is a hit, and there is no risk-off call to compare against
    days = 400
    start = np.datetime64("2024-12-01", "D")
    daily = DailySeries(start + np.arange(days), 50_000 * 1.01 ** np.arange(days))
    r = macro_regime_record({"vix": _vix(np.full(days, 12.0), start)}, daily, as_of=T, lookback=timedelta(days=300))
    v = r.value
    assert v.n_risk_on == 42  # calls at as_of − 7 d, − 14 d, … while within the 300-day lookback: k = 0..41
    assert v.n_risk_off == 0
    assert v.mean_return_risk_on == pytest.approx(7 * np.log(1.01), rel=1e-12)
    assert v.base_mean_return == pytest.approx(7 * np.log(1.01), rel=1e-12)
    assert v.hit_rate == 1.0
    assert v.difference is None


def test_too_few_calls_in_a_regime_is_said() -> None:
    start = np.datetime64("2025-06-01", "D")
    days = 200
    daily = DailySeries(start + np.arange(days), 50_000 * np.ones(days))
    r = macro_regime_record({"vix": _vix(np.full(days, 12.0), start)}, daily, as_of=T, lookback=timedelta(days=150))
    assert r.value.n_risk_off == 0
    assert r.value.difference is None
    assert "fewer than" in r.reasons[0]


@pytest.mark.real_data
def test_first_figures_on_real_series(tmp_path) -> None:
    import pandas as pd

    from derivintel.store.importers.macro_csv import import_series
    from tests.realdata import real_path

    k = pd.read_csv(real_path("perp_history", "binance_btcusdt_um", "spot_BTCUSDT_1d.csv"))
    daily = DailySeries(
        k["open_time"].to_numpy().astype("datetime64[ms]").astype("datetime64[D]"), k["close"].to_numpy(float)
    )
    from derivintel.store import HistoryStore

    with HistoryStore(tmp_path / "h.duckdb") as st:
        for name, file in (
            ("vix", "fterm_vix.csv"),
            ("nasdaq", "fterm_nasdaq100.csv"),
            ("dxy", "fterm_dollar_index.csv"),
        ):
            import_series(name, real_path("macro", file), st, received_at=datetime(2026, 8, 2, tzinfo=UTC))
        macro = {n: st.macro_series(n, available_by=datetime(2026, 8, 1, tzinfo=UTC)) for n in st.macro_names()}
    v = macro_regime_record(macro, daily, as_of=datetime(2026, 8, 1, tzinfo=UTC)).value
    assert v.n_risk_on + v.n_risk_off + v.n_neutral > 140  # three years of weekly calls
    assert v.first_call.startswith("2023-08")
    assert -0.1 < v.base_mean_return < 0.1
