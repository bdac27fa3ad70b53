"""Volatility surface: IV by delta, constant maturity, SVI slices and the arbitrage checks, by hand and on real
Deribit chains."""

from __future__ import annotations

import numpy as np
import pytest

from derivintel.analytics.options.chain_analysis import analyze_chain
from derivintel.analytics.options.surface import (
    SmileInput,
    SviSlice,
    build_surface,
    fit_svi,
    iv_at_call_delta,
)
from derivintel.sources.deribit.chain_file import read_chain_file
from tests.realdata import real_path

F = 70_000.0


def _svi_smile(days: float, a=0.002, b=0.03, rho=-0.3, m=0.0, s=0.1, n=41) -> SmileInput:
    t = days / 365.0
    k = np.linspace(-0.5, 0.5, n)
    w = SviSlice(a * t * 365 / 30, b * t * 365 / 30, rho, m, s, 0.0, n, True, "").total_variance(k)
    return SmileInput(days, F, F * np.exp(k), np.sqrt(w / t))


def test_svi_recovers_an_exact_slice() -> None:
    true = SviSlice(0.004, 0.05, -0.4, 0.02, 0.15, 0.0, 0, True, "")
    k = np.linspace(-0.6, 0.6, 31)
    t = 0.25
    fit = fit_svi(k, true.total_variance(k), t)
    assert fit.valid
    # the (m, s) grid after two refinements resolves m to ~span/4000; the linear part absorbs the rest, so the
    # fitted IVs sit within a few hundredths of a vol point of the exact ones
    assert fit.rmse_iv < 5e-4
    assert fit.rho == pytest.approx(true.rho, abs=0.05)
    assert fit.m == pytest.approx(true.m, abs=0.02)


def test_svi_needs_five_points() -> None:
    assert fit_svi(np.array([-0.1, 0.0, 0.1, 0.2]), np.array([0.01, 0.009, 0.01, 0.012]), 0.1) is None


def test_iv_at_delta_does_not_cross_the_atm_gap() -> None:
    # hours before expiry: call delta jumps from ~0.9 to ~0.1 between the strikes either side of the forward
    sm = SmileInput(
        0.1, 68_534.75, np.array([67_000.0, 68_000.0, 69_000.0, 70_000.0]), np.array([0.77, 0.55, 0.43, 0.61])
    )
    assert iv_at_call_delta(sm, 0.25) is None
    assert iv_at_call_delta(sm, 0.75) is None
    assert iv_at_call_delta(sm, 0.50) is not None  # 50Δ may straddle the forward
    wide = _svi_smile(30.0)
    assert iv_at_call_delta(wide, 0.25) is not None
    assert iv_at_call_delta(wide, 1e-9) is None  # beyond the listed wing (≈5e-6 at k = 0.5): no extrapolation


def test_clean_svi_surface_has_no_arbitrage_flags_and_interpolates_inside_only() -> None:
    r = build_surface([_svi_smile(d) for d in (7.0, 30.0, 90.0)])
    v = r.value
    assert v.calendar_violations == ()
    assert v.butterfly_violations == ()
    assert v.at(30.0, 0.25) == pytest.approx(v.expiry_iv[1, 1])
    assert v.at(180.0, 0.25) is None  # beyond the last expiry
    assert v.rr25(30.0) < 0  # rho < 0: puts richer


def test_arbitrage_checks_fire() -> None:
    near, far = _svi_smile(30.0), _svi_smile(60.0)
    low_far = SmileInput(far.days, far.forward_usd, far.strikes_usd, near.iv * np.sqrt(near.days / far.days) * 0.9)
    assert build_surface([near, low_far]).value.calendar_violations
    kinked = near.iv.copy()
    kinked[20] += 0.05  # a spike at the money makes the call price concave there
    assert build_surface([SmileInput(30.0, F, near.strikes_usd, kinked)]).value.butterfly_violations


def test_sub_day_expiries_are_left_out() -> None:
    assert not build_surface([_svi_smile(0.5)]).ok


@pytest.mark.real_data
def test_real_surface_agrees_with_the_chain_analysis() -> None:
    c = read_chain_file(real_path("deribit_options", "svcj_snapshots", "deribit_options_snapshot_20260325T094504Z.csv"))
    a = analyze_chain(c, as_of=c.source.as_of).value
    v = build_surface(
        [SmileInput(e.days_to_expiry, e.forward_usd, e.smile_strikes_usd, e.smile_iv) for e in a.expiries]
    ).value
    # two code paths, one convention: the surface's 30d RR25 is the chain's 30d RR25
    assert v.rr25(30.0) == pytest.approx(a.all_expiries.rr25_30d, abs=1e-9)
    assert -0.15 < v.rr25(30.0) < 0  # March 2026: puts richer
    assert 0 < v.bf25(30.0) < 0.05
    fits = [s for s in v.svi if s is not None]
    assert len(fits) >= 8
    assert all(s.valid for s in fits)
    assert np.median([s.rmse_iv for s in fits]) < 0.01  # SVI fits Deribit's marks within a vol point
    assert len(v.calendar_violations) == 0
