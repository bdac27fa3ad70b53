"""The dealer-gamma regime's measured record: the arithmetic by hand, and the first figures on real chains."""

from __future__ import annotations

import glob
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from derivintel.core.provenance import Source
from derivintel.domain.series import CandleSeries
from derivintel.research.dealer_regime import _close_at, dealer_regime_record, record_from_calls
from derivintel.sources.deribit.chain_file import read_chain_file
from tests.realdata import real_path

H4 = 4 * 3600
T0 = np.datetime64("2026-01-01T00:00", "ms")


def _candles(close: np.ndarray) -> CandleSeries:
    ts = T0 + np.arange(close.size) * np.timedelta64(H4, "s")
    src = Source("test", "klines_4h", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    return CandleSeries(
        "binance-usdm", "BTC", "perp", H4, ts, close, close, close, close, np.ones(close.size), None, src
    )


def test_close_at_uses_only_closed_bars() -> None:
    c = _candles(np.array([100.0, 101.0, 102.0]))
    t0 = int(T0.astype(np.int64))
    got = _close_at(c, np.array([t0, t0 + H4 * 1000, t0 + H4 * 1000 + 1, t0 + 3 * H4 * 1000, t0 + 4 * H4 * 1000]))
    # before the first close: none; at the first close: bar 0; then bar 1 only once it closes; past the last: none
    np.testing.assert_array_equal(got[:4], [np.nan, 100.0, 100.0, 102.0])
    assert np.isnan(got[4])


def test_record_arithmetic_by_hand() -> None:
    c = _candles(np.full(200, 100.0) * np.exp(np.linspace(0, 0.2, 200)))
    t = int(T0.astype(np.int64)) + np.arange(10) * 86_400_000
    regimes = np.array(["dampening"] * 5 + ["amplifying"] * 5)
    moves = np.array([0.01, 0.01, 0.01, 0.01, 0.01, 0.03, 0.03, 0.03, 0.03, 0.03])
    r = record_from_calls(t, regimes, moves, c, horizon=timedelta(days=1), n_boot=500, ci_level=0.9, seed=1)
    assert (r.n_dampening, r.n_amplifying) == (5, 5)
    assert r.difference == pytest.approx(0.02)
    assert r.ci_low == pytest.approx(0.02)  # no spread within a regime: every resample gives the same difference
    assert r.ci_high == pytest.approx(0.02)
    # base rate: |log move| over 6 bars of a constant-slope path, windows starting inside the calls' span
    assert r.base_mean_abs_move == pytest.approx(6 * 0.2 / 199)
    thin = record_from_calls(
        t[:6], regimes[:6], moves[:6], c, horizon=timedelta(days=1), n_boot=10, ci_level=0.9, seed=1
    )
    assert thin.difference is None  # one amplifying call: no difference


@pytest.mark.real_data
def test_first_figures_on_real_chains() -> None:
    k = pd.read_csv(real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_4h.csv"))
    src = Source("binance-usdm", "klines_4h", datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC))
    c = CandleSeries(
        "binance-usdm", "BTC", "perp", H4, k["open_time"].to_numpy().astype("datetime64[ms]"),
        k["open"].to_numpy(float), k["high"].to_numpy(float), k["low"].to_numpy(float), k["close"].to_numpy(float),
        k["volume"].to_numpy(float), None, src,
    )  # fmt: skip
    folder = real_path("deribit_options", "svcj_snapshots")
    chains = [read_chain_file(f) for f in sorted(glob.glob(str(folder / "*.csv")))]
    r = dealer_regime_record(chains, c, horizon=timedelta(days=3))
    v = r.value
    # 38 weekly-ish snapshots Dec 2025..Aug 2026; same-day repeats and the last ones (no candles 3 days later) drop
    assert 25 <= v.n_dampening + v.n_amplifying <= 38
    assert v.n_dampening >= 5
    assert v.n_amplifying >= 5
    assert v.ci_low <= v.difference <= v.ci_high
    assert 0 < v.base_mean_abs_move < 0.2
    assert v.first_call.startswith("2025-12-31")


def test_record_from_a_store_has_no_look_ahead(tmp_path) -> None:
    from derivintel.research.dealer_regime import dealer_regime_record_at
    from derivintel.store import HistoryStore

    k = pd.read_csv(real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_4h.csv"))
    k = k[k["open_time"] >= 1_764_000_000_000]  # from 2025-11-24: enough for the chains below
    src = Source("binance-usdm", "klines_4h", datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC))
    c = CandleSeries(
        "binance-usdm", "BTC", "perp", H4, k["open_time"].to_numpy().astype("datetime64[ms]"),
        k["open"].to_numpy(float), k["high"].to_numpy(float), k["low"].to_numpy(float), k["close"].to_numpy(float),
        k["volume"].to_numpy(float), None, src,
    )  # fmt: skip
    folder = real_path("deribit_options", "svcj_snapshots")
    files = sorted(glob.glob(str(folder / "*.csv")))[:12]  # 2025-12-31 .. 2026-03-18
    with HistoryStore(tmp_path / "h.duckdb") as st:
        st.write_candles(c)
        for f in files:
            st.write_option_chain(read_chain_file(f), venue="deribit")
        at = datetime(2026, 2, 20, tzinfo=UTC)
        r = dealer_regime_record_at(st, "BTC", at)
        none = dealer_regime_record_at(st, "BTC", datetime(2025, 12, 1, tzinfo=UTC))
    v = r.value
    # only chains at least three days before as_of count, so every outcome closed by as_of
    assert datetime.fromisoformat(v.last_call.replace("Z", "+00:00")) <= at - timedelta(days=3)
    assert v.n_dampening + v.n_amplifying == 7  # the weekly chains 2025-12-31 .. 2026-02-11; 02-18 is too late
    assert none.value is None
    assert "no stored BTC option chain" in none.reasons[0]
