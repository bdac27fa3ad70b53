"""Black-76 greeks: vs Deribit's published greeks (real 2020 chains), vs vollib, vs finite differences."""

from __future__ import annotations

import ast
import csv
import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.core.black76 import (
    MIN_T_YEARS,
    SECONDS_PER_YEAR,
    black76_greeks,
    black76_price,
    implied_vol,
    years_to_expiry,
)
from tests.realdata import real_path


def _load_schepal(name: str) -> dict[str, np.ndarray]:
    with real_path("deribit_options", name).open() as fh:
        rows = list(csv.DictReader(fh))
    greeks = [ast.literal_eval(r["greeks"]) for r in rows]
    return {
        "F": np.array([float(r["underlying_price"]) for r in rows]),
        "K": np.array([float(r["strike"]) for r in rows]),
        # each row's own timestamp (rows span ~3 minutes)
        "T": np.array([(int(r["expiration_timestamp"]) - int(r["timestamp"])) / 1000 / SECONDS_PER_YEAR for r in rows]),
        "iv": np.array([float(r["mark_iv"]) / 100.0 for r in rows]),  # file: percent
        "call": np.array([r["option_type"] == "call" for r in rows]),
        "delta": np.array([g["delta"] for g in greeks]),
        "gamma": np.array([g["gamma"] for g in greeks]),
        "vega": np.array([g["vega"] for g in greeks]),
        "mark": np.array([float(r["mark_price"]) for r in rows]),
    }


@pytest.mark.real_data
@pytest.mark.parametrize(
    "name", ["schepal_btc_options_chain_2020-05-21.csv", "schepal_btc_options_chain_2020-05-14.csv"]
)
def test_greeks_match_deribit_published(name: str) -> None:
    d = _load_schepal(name)
    assert len(d["F"]) > 300
    g = black76_greeks(d["F"], d["K"], d["T"], d["iv"], d["call"])
    # Delta: 1e-4 for every option more than a day from expiry. Within hours of expiry gamma reaches ~1e-3/USD and
    # a row's underlying_price and greeks are sampled at slightly different instants, so a 0.5 USD drift of F moves
    # delta by 0.5·Γ: those rows get 1e-4 + 0.5·Γ.
    far = d["T"] >= 1 / 365
    assert far.sum() > 250
    assert np.max(np.abs(g.delta - d["delta"])[far]) < 1e-4
    assert np.all(np.abs(g.delta - d["delta"]) < 1e-4 + 0.5 * g.gamma_per_usd)
    assert np.median(np.abs(g.delta - d["delta"])) < 1e-5
    # Gamma: Deribit rounds to 5 decimals (±0.5e-5). Every row: |diff| ≤ 3% + half a rounding unit; rows with
    # gamma ≥ 5e-4 (rounding ≤ 1%): relative error ≤ 3%.
    assert np.all(np.abs(g.gamma_per_usd - d["gamma"]) <= 0.03 * d["gamma"] + 0.5e-5)
    big = d["gamma"] >= 5e-4
    assert big.sum() >= 15
    assert np.max(np.abs(g.gamma_per_usd[big] / d["gamma"][big] - 1)) < 0.03
    # Vega (USD per vol point), rounded to 5 decimals: within 1.5% or 0.002 USD.
    assert np.all(np.abs(g.vega_usd_per_vol_point - d["vega"]) <= 0.015 * d["vega"] + 2e-3)
    # Price in coin = USD / F vs mark_price: median 1e-5 BTC; deep ITM marks move one-for-one with F, which is
    # sampled at a slightly different instant, so only ≥ 90% of rows are held to 5e-5 BTC.
    price_diff = np.abs(g.price_usd / d["F"] - d["mark"])
    assert np.median(price_diff) < 1e-5
    assert np.mean(price_diff < 5e-5) > 0.9


def test_hand_case_atm() -> None:
    # F = K = 100, σ = 0.5, T = 1: d1 = 0.25, N(0.25) = 0.598706, φ(0.25) = 0.386668
    # gamma = 0.386668 / (100·0.5·1) = 0.00773336; vega = 100·0.386668·1·0.01 = 0.386668
    # call = 100·(N(0.25) − N(−0.25)) = 100·0.197413 = 19.7413
    g = black76_greeks(np.array([100.0]), np.array([100.0]), np.array([1.0]), np.array([0.5]), np.array([True]))
    assert g.delta[0] == pytest.approx(0.598706, abs=1e-6)
    assert g.gamma_per_usd[0] == pytest.approx(0.00773336, rel=1e-5)
    assert g.vega_usd_per_vol_point[0] == pytest.approx(0.386668, rel=1e-5)
    assert g.price_usd[0] == pytest.approx(19.7413, abs=1e-4)
    put = black76_greeks(np.array([100.0]), np.array([100.0]), np.array([1.0]), np.array([0.5]), np.array([False]))
    assert put.delta[0] == pytest.approx(0.598706 - 1, abs=1e-6)


def test_years_to_expiry_floor_and_units() -> None:
    exp = np.array(["2026-04-30T08:00", "2026-04-30T07:30", "2026-05-30T08:00"], dtype="datetime64[ms]")
    t = years_to_expiry(exp, datetime(2026, 4, 30, 7, 45, tzinfo=UTC))
    assert t[0] == MIN_T_YEARS  # 15 minutes → floored to one hour
    assert t[1] == MIN_T_YEARS  # already expired → floor (callers drop expired rows)
    assert t[2] == pytest.approx((30 * 24 + 0.25) / 8760)


_inputs = st.tuples(
    st.floats(1_000, 150_000),  # F
    st.floats(0.3, 3.0),  # K / F
    st.floats(2 / 365, 2.0),  # T
    st.floats(0.1, 2.0),  # σ
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(_inputs)
def test_greeks_match_vollib(x) -> None:
    vollib = pytest.importorskip("vollib.black.greeks.analytical")
    f, m, t, s, call = x
    k = f * m
    flag = "c" if call else "p"
    g = black76_greeks(np.array([f]), np.array([k]), np.array([t]), np.array([s]), np.array([call]))
    assert g.delta[0] == pytest.approx(vollib.delta(flag, f, k, t, 0.0, s), abs=1e-10)
    assert g.gamma_per_usd[0] == pytest.approx(vollib.gamma(flag, f, k, t, 0.0, s), rel=1e-8, abs=1e-18)
    assert g.vega_usd_per_vol_point[0] == pytest.approx(vollib.vega(flag, f, k, t, 0.0, s), rel=1e-8, abs=1e-12)


def _black76_speed(fwd: float, k: float, t: float, vol: float) -> float:
    """Third derivative of the Black-76 price in F (1/USD²); the same for calls and puts."""
    sd = vol * math.sqrt(t)
    d1 = (math.log(fwd / k) + 0.5 * sd * sd) / sd
    gamma = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) / (fwd * sd)
    return -gamma / fwd * (1.0 + d1 / sd)


@settings(max_examples=200, deadline=None)
@given(_inputs)
def test_greeks_match_finite_differences_of_price(x) -> None:
    # Independent scalar price with math.erf; central differences in F (delta, gamma) and σ (vega).
    # Tolerances are the finite-difference error bounds, not guesses: a central first difference with step h is off
    # by at most h²/6·max|P'''| (truncation) plus about ε·|P|/h (rounding); the second difference by
    # h²/12·max|P''''| plus 4ε·|P|/h². P''' is Black-76 "speed", evaluated analytically at F and F ± h (its maximum on
    # that interval is within a factor 2 of the largest of the three, since h/F = 1e-4 ≪ σ√T); P'''' is the
    # difference quotient of the analytic speed over the same interval.
    f, m, t, s, call = x
    k = f * m

    def price(fwd: float, vol: float) -> float:
        d1 = (math.log(fwd / k) + 0.5 * vol * vol * t) / (vol * math.sqrt(t))
        d2 = d1 - vol * math.sqrt(t)
        n = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
        return fwd * n(d1) - k * n(d2) if call else k * n(-d2) - fwd * n(-d1)

    h = f * 1e-4
    eps = 2.0**-52
    p0 = price(f, s)
    fd_delta = (price(f + h, s) - price(f - h, s)) / (2 * h)
    fd_gamma = (price(f + h, s) - 2 * p0 + price(f - h, s)) / (h * h)
    fd_vega = (price(f, s + 1e-5) - price(f, s - 1e-5)) / 2e-5 * 0.01
    speeds = [abs(_black76_speed(x_, k, t, s)) for x_ in (f - h, f, f + h)]
    p_max = f + k  # |P| ≤ F + K for either type
    delta_tol = 2 * h * h / 6 * max(speeds) + 4 * eps * p_max / h
    fourth = abs(_black76_speed(f + h, k, t, s) - _black76_speed(f - h, k, t, s)) / (2 * h)
    gamma_tol = 2 * h * h / 12 * fourth + 16 * eps * p_max / (h * h)
    g = black76_greeks(np.array([f]), np.array([k]), np.array([t]), np.array([s]), np.array([call]))
    assert g.price_usd[0] == pytest.approx(p0, rel=1e-9, abs=1e-9 * f)
    assert g.delta[0] == pytest.approx(fd_delta, abs=delta_tol)
    assert g.gamma_per_usd[0] == pytest.approx(fd_gamma, abs=gamma_tol)
    assert g.vega_usd_per_vol_point[0] == pytest.approx(fd_vega, rel=1e-5, abs=1e-7 * f)


@settings(max_examples=100, deadline=None)
@given(_inputs)
def test_implied_vol_inverts_price(x) -> None:
    f, m, t, s, call = x
    p = black76_price(f, f * m, t, s, call)
    vega = black76_greeks(f, f * m, t, s, call).vega_usd_per_vol_point * 100
    if p < 1e-8 * f or vega < 1e-6 * f:  # price too small to carry σ information in double precision
        return
    assert implied_vol(p, f, f * m, t, call) == pytest.approx(s, rel=1e-6)


def test_implied_vol_nan_below_intrinsic() -> None:
    # call K=90, F=100: intrinsic 10; a price of 9 has no implied vol
    assert np.isnan(implied_vol(np.array([9.0]), 100.0, 90.0, 0.1, True))[0]


def test_norm_cdf_agrees_with_scipy_ndtr_to_an_ulp():
    special = pytest.importorskip("scipy.special")
    from derivintel.core.black76 import norm_cdf

    x = np.concatenate(
        [np.random.default_rng(0).standard_normal(200_000) * 5, np.linspace(-40, 40, 8001), [0.0, -0.0, 38.5, -38.5]]
    )
    # both are ½·erfc(−x/√2) from correctly-rounded-to-an-ulp erfc implementations: |Δ| ≤ ulp(1) = 2.2e-16
    np.testing.assert_allclose(norm_cdf(x), special.ndtr(x), rtol=0, atol=np.finfo(float).eps)


def test_norm_cdf_shapes_and_special_values():
    from derivintel.core.black76 import norm_cdf

    assert norm_cdf(0.0) == 0.5
    assert np.ndim(norm_cdf(1.0)) == 0
    assert norm_cdf(np.zeros((2, 3))).shape == (2, 3)
    out = norm_cdf(np.array([np.inf, -np.inf, np.nan]))
    assert out[0] == 1.0
    assert out[1] == 0.0
    assert np.isnan(out[2])
