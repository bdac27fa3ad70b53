"""Max pain by sorted cumulative sums and the grouped OTM smile give the old quadratic algorithms' answers.

The references below are the previous implementations (strikes × options matrix; a loop comparing every strike with
the whole chain), kept here only to check the replacements on real Deribit chains and on random ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from derivintel.analytics.options.gex import DealerScenario, sweep_total_gex
from derivintel.analytics.options.maxpain import max_pain, pain_curve
from derivintel.analytics.options.skew import otm_smile
from derivintel.core.black76 import norm_pdf
from derivintel.sources.deribit.chain_file import read_chain_file
from tests.realdata import real_path

EPS = np.finfo(float).eps
SNAPSHOTS = ("deribit_options_snapshot_20251231T091828Z.csv", "deribit_options_snapshot_20260325T094504Z.csv")


def quadratic_pain(strike_usd, is_call, oi_base):
    strikes = np.unique(np.asarray(strike_usd, dtype=float))
    k = np.asarray(strike_usd, dtype=float)[None, :]
    x = strikes[:, None]
    oi = np.asarray(oi_base, dtype=float)[None, :]
    call = np.asarray(is_call, dtype=bool)[None, :]
    intrinsic = np.where(call, np.maximum(x - k, 0.0), np.maximum(k - x, 0.0))
    return strikes, (intrinsic * oi).sum(axis=1)


def looped_smile(strike_usd, is_call, iv, forward_usd):
    k, c, v = np.asarray(strike_usd, float), np.asarray(is_call, bool), np.asarray(iv, float)
    good = np.isfinite(v) & (v > 0)
    strikes = np.unique(k[good])
    out = np.full(strikes.shape, np.nan)
    for i, strike in enumerate(strikes):
        at = good & (k == strike)
        preferred = at & (c == (strike >= forward_usd))
        out[i] = float(v[preferred if preferred.any() else at].mean())
    return strikes, out


def quadratic_max_pain_strike(strikes, pain):
    return float(strikes[np.flatnonzero(pain <= pain.min() + 1e-12 * pain.max())[0]])


def pain_error_bound(strikes, strike_usd, oi_base):
    """Both sums run over at most n non-negative terms, each computed with one product: the standard bound
    ``|error| ≤ γ_{n+2} · Σ |terms|``, where ``Σ |terms| = Σ_i OI_i · |X − K_i|`` ≤ ``Σ_i OI_i · (X + K_i)``, for
    each of the two algorithms (n = number of options), doubled for their difference."""
    n = len(strike_usd) + 2
    gamma = n * EPS / (1 - n * EPS)
    mass = (np.abs(oi_base)[None, :] * (strikes[:, None] + strike_usd[None, :])).sum(axis=1)
    return 2 * gamma * mass


def check_expiry(k, c, oi, iv, forward, *, exact_smile=True):
    s_ref, p_ref = quadratic_pain(k, c, oi)
    s_new, p_new = pain_curve(k, c, oi)
    assert np.array_equal(s_ref, s_new)
    assert np.all(np.abs(p_new - p_ref) <= pain_error_bound(s_ref, k, oi))
    if oi.sum() > 0:
        assert max_pain(k, c, oi).value.max_pain_usd == quadratic_max_pain_strike(s_ref, p_ref)
    ref_strikes, ref_iv = looped_smile(k, c, iv, forward)
    smile = otm_smile(k, c, iv, forward)
    assert np.array_equal(smile.strikes_usd, ref_strikes)
    if exact_smile:  # real chains: < 8 rows per strike, where numpy's mean sums in row order as bincount does
        assert np.array_equal(smile.iv, ref_iv)
    else:  # larger groups: numpy sums pairwise; both sums of ≤ n positive terms are within γ_n (relative)
        n = len(k)
        np.testing.assert_allclose(smile.iv, ref_iv, rtol=2 * n * EPS / (1 - n * EPS), atol=0)


@pytest.mark.real_data
@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_every_expiry_of_real_chains_matches_the_quadratic_algorithms(snapshot):
    chain = read_chain_file(real_path("deribit_options", "svcj_snapshots", snapshot), currency="BTC")
    checked = 0
    for expiry in np.unique(chain.expiry):
        m = chain.expiry == expiry
        k, c, oi, iv = chain.strike[m], chain.is_call[m], chain.oi_base[m], chain.mark_iv[m]
        fin = np.isfinite(oi) & np.isfinite(k)
        if not fin.any():
            continue
        check_expiry(k[fin], c[fin], oi[fin], iv[fin], float(np.nanmedian(chain.underlying_price_usd[m])))
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("seed", range(20))
def test_random_chains_with_duplicate_rows_and_one_sided_books(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    k = rng.choice(np.arange(1, 60) * 1000.0, n)
    kind = seed % 3  # mixed, calls only, puts only
    c = rng.random(n) < 0.5 if kind == 0 else np.full(n, kind == 1)
    oi = np.where(rng.random(n) < 0.2, 0.0, rng.exponential(25.0, n))
    iv = np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0.2, 1.5, n))
    check_expiry(k, c, oi, iv, float(rng.uniform(5_000, 55_000)), exact_smile=False)


def test_pain_by_hand():
    # calls 10 @ 100, puts 5 @ 120; strikes 100, 120: pain(100) = 5·20 = 100, pain(120) = 10·20 = 200
    strikes, pain = pain_curve(np.array([100.0, 120.0]), np.array([True, False]), np.array([10.0, 5.0]))
    assert strikes.tolist() == [100.0, 120.0]
    assert pain.tolist() == [100.0, 200.0]


def test_single_strike_has_zero_pain():
    strikes, pain = pain_curve(np.array([50.0, 50.0]), np.array([True, False]), np.array([1.0, 2.0]))
    assert strikes.tolist() == [50.0]
    assert pain.tolist() == [0.0]


def matrix_sweep(forward_usd, strike_usd, t_years, iv, oi_base, is_call, spot_usd, scenario, spots_usd):
    """The previous (levels × options) form of ``sweep_total_gex``."""
    f, sigma, t = (np.asarray(a, dtype=float) for a in (forward_usd, iv, t_years))
    keep = np.isfinite(sigma) & (sigma > 0) & (t > 0) & np.isfinite(f)
    f, sigma, t = f[keep], sigma[keep], t[keep]
    k = np.asarray(strike_usd, dtype=float)[keep]
    w = scenario.signs(np.asarray(is_call)[keep]) * np.asarray(oi_base, dtype=float)[keep] * 0.01
    v = sigma * np.sqrt(t)
    scale = np.asarray(spots_usd, dtype=float) / spot_usd
    d1 = (np.log(f / k)[None, :] + np.log(scale)[:, None] + 0.5 * (v * v)[None, :]) / v[None, :]
    return (norm_pdf(d1) * (f * w / v)[None, :]).sum(axis=1) * scale


@pytest.mark.parametrize("n", [1, 9, 300, 20_000, 70_000])
def test_gex_sweep_in_blocks_of_levels_is_bit_identical_to_the_matrix(n):
    rng = np.random.default_rng(n)
    f = rng.uniform(60_000, 70_000, n)
    k = rng.uniform(20_000, 150_000, n)
    t = rng.uniform(0.001, 1.0, n)
    iv = np.where(rng.random(n) < 0.05, np.nan, rng.uniform(0.2, 1.2, n))
    oi = rng.exponential(10.0, n)
    call = rng.random(n) < 0.5
    spots = np.linspace(0.8 * 65_000, 1.2 * 65_000, 60)
    scenario = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS
    args = (f, k, t, iv, oi, call, 65_000.0, scenario, spots)
    assert np.array_equal(sweep_total_gex(*args), matrix_sweep(*args))
