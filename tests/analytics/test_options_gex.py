"""GEX: hand case, sign/linearity properties, flip sweep, walls, and two-way check on Deribit UI exports."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.options.gex import (
    DealerScenario,
    gamma_flip,
    gex_by_strike,
    signed_gex,
    sweep_total_gex,
    walls,
)
from derivintel.core.black76 import years_to_expiry
from derivintel.sources.deribit.chain_file import read_chain_file
from tests.realdata import real_path

DEFAULT = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS
ALT = DealerScenario.DEALERS_SHORT_CALLS_LONG_PUTS


def test_single_option_by_hand() -> None:
    # F = K = 100 000, σ = 0.5, T = 0.25 → σ√T = 0.25, d1 = 0.125, φ(0.125) = 0.395838
    # Γ = 0.395838/(100000·0.25) = 1.583352e-5; GEX = Γ·OI·F²·0.01 = 1.583352e-5 · 10 · 1e10 · 0.01 = 15 833.52
    g = signed_gex(1e5, 1e5, 0.25, 0.5, 10.0, True, DEFAULT)
    assert float(g) == pytest.approx(15_833.5, rel=1e-4)
    assert float(signed_gex(1e5, 1e5, 0.25, 0.5, 10.0, False, DEFAULT)) == pytest.approx(-15_833.5, rel=1e-4)


_option = st.tuples(
    st.floats(0.5, 1.5),  # K / F
    st.floats(1 / 365, 1.0),  # T
    st.floats(0.2, 1.5),  # σ
    st.floats(0.0, 1_000.0),  # OI
    st.booleans(),
)
_chain = st.lists(_option, min_size=1, max_size=25)


def _arrays(rows, f=70_000.0):
    k = np.array([r[0] for r in rows]) * f
    return (np.full(len(rows), f), k, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
            np.array([r[3] for r in rows]), np.array([r[4] for r in rows]))  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(_chain, st.floats(0.0, 5.0))
def test_net_gex_linear_in_oi(rows, scale) -> None:
    f, k, t, s, oi, c = _arrays(rows)
    base = signed_gex(f, k, t, s, oi, c).sum()
    assert signed_gex(f, k, t, s, oi * scale, c).sum() == pytest.approx(scale * base, rel=1e-9, abs=1e-9)
    half = signed_gex(f, k, t, s, oi * 0.5, c).sum()
    assert half + half == pytest.approx(base, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(_chain)
def test_swapping_scenario_negates(rows) -> None:
    f, k, t, s, oi, c = _arrays(rows)
    a = signed_gex(f, k, t, s, oi, c, DEFAULT)
    b = signed_gex(f, k, t, s, oi, c, ALT)
    np.testing.assert_array_equal(a, -b)


@settings(max_examples=100, deadline=None)
@given(_chain)
def test_put_only_negative_mirror_call_only_positive(rows) -> None:
    # one near-the-money option so that the total gamma cannot underflow to zero (far wings can: φ(40) = 0.0)
    f, k, t, s, oi, _ = _arrays([*rows, (1.0, 0.1, 0.5, 1.0, True)])
    oi = oi + 1.0  # strictly positive
    puts = signed_gex(f, k, t, s, oi, np.zeros(len(f), dtype=bool)).sum()
    calls = signed_gex(f, k, t, s, oi, np.ones(len(f), dtype=bool)).sum()
    assert puts < 0 < calls
    assert calls == pytest.approx(-puts, rel=1e-12)  # gamma is the same for a call and a put


def test_flip_none_for_call_only_chain() -> None:
    f, k, t, s, oi, c = _arrays([(1.0, 0.1, 0.5, 100.0, True), (1.1, 0.1, 0.5, 50.0, True)])
    r = gamma_flip(f, k, t, s, oi, c, spot_usd=70_000.0)
    assert r.ok
    assert r.value.flip_usd is None
    assert "no flip in range" in r.reasons
    assert len(r.value.spots_usd) == 60
    assert r.value.spots_usd[0] == pytest.approx(56_000.0)
    assert r.value.spots_usd[-1] == pytest.approx(84_000.0)


def test_flip_between_put_and_call_strikes() -> None:
    # Equal OI put at 0.9F and call at 1.1F, same T and σ: by symmetry of dollar gamma in ln(S/K) the sum is zero
    # where the put's and call's dollar gammas match: φ(d1_p)·S = φ(d1_c)·S ⇔ |ln(S/Kp)+v²/2| = |ln(S/Kc)+v²/2|
    # ⇔ ln S = (ln Kp + ln Kc)/2 − v²/2, v = σ√T = 0.5·√0.1.
    f, k, t, s, oi, c = _arrays([(0.9, 0.1, 0.5, 100.0, False), (1.1, 0.1, 0.5, 100.0, True)], f=70_000.0)
    v2 = 0.25 * 0.1
    expected = math.exp(0.5 * (math.log(63_000) + math.log(77_000)) - v2 / 2)
    r = gamma_flip(f, k, t, s, oi, c, spot_usd=70_000.0)
    assert r.value.flip_usd == pytest.approx(expected, rel=2e-3)  # linear interpolation on a 60-level grid
    # below the flip the put dominates (negative), above it the call (positive)
    assert r.value.gex_usd_per_1pct[0] < 0 < r.value.gex_usd_per_1pct[-1]


def test_sweep_at_spot_equals_static_total() -> None:
    f, k, t, s, oi, c = _arrays(
        [(0.9, 0.05, 0.6, 30.0, False), (1.05, 0.2, 0.4, 80.0, True), (1.0, 0.5, 0.5, 5.0, False)]
    )
    total = sweep_total_gex(f, k, t, s, oi, c, 70_000.0, DEFAULT, np.array([70_000.0]))[0]
    assert total == pytest.approx(signed_gex(f, k, t, s, oi, c).sum(), rel=1e-12)


def test_walls_by_hand() -> None:
    k = np.array([60.0, 60.0, 70.0, 80.0, 90.0, 90.0])
    c = np.array([True, False, False, True, True, False])
    g = np.array([5.0, -7.0, -9.0, 4.0, 6.0, -20.0])
    by = gex_by_strike(k, c, g)
    assert list(by.strikes_usd) == [60.0, 70.0, 80.0, 90.0]
    assert list(by.net) == [-2.0, -9.0, 4.0, -14.0]
    # spot 75: call strikes above: 80 (4), 90 (6) → 90; put strikes below: 60 (−7), 70 (−9) → 70
    assert walls(by, 75.0) == (90.0, 70.0)
    assert walls(by, 95.0) == (None, 90.0)


EXPORTS = ["BTC-30APR26", "BTC-1MAY26", "BTC-2MAY26", "BTC-3MAY26", "BTC-8MAY26"]


@pytest.mark.real_data
@pytest.mark.parametrize("name", EXPORTS)
def test_gex_two_ways_on_ui_exports(name: str) -> None:
    """Exchange-published Gamma vs our Black-76 gamma (IV inverted from Mark) on the same OI and forward.

    Tolerances: net GEX within 2.5% of the gross |GEX|, gross |GEX| and call/put sums within 5%. Sources of
    difference: Deribit prints Gamma with 5 decimals (±0.5e-5, i.e. ±0.5% at ATM gamma ~1e-3 and ±25% in the
    wings), Mark with 4 decimals (1e-4 BTC ≈ 7.5 USD, which moves the inverted IV of a 3-hour option by several
    vol points), the forward is inferred by put-call parity (±~5 USD) and the time to expiry from the published
    vega; options whose Mark is at intrinsic have no IV and contribute 0 here (their gamma is ~0 anyway).
    Measured (2026-04-30 exports): net diff ≤ 1.4% of gross, gross ≤ 1.8%, call/put sums ≤ 4.2% (30APR26, 2.8 h).
    """
    chain = read_chain_file(real_path("deribit_options", f"leonegocios_{name}-export.csv"))
    t = years_to_expiry(chain.expiry, chain.source.as_of)
    own = np.nan_to_num(
        signed_gex(chain.underlying_price_usd, chain.strike, t, chain.mark_iv, chain.oi_base, chain.is_call), nan=0.0
    )
    published_gamma = np.nan_to_num(chain.gamma_published, nan=0.0)  # "-" = below 0.5e-5 after rounding
    pub = DEFAULT.signs(chain.is_call) * published_gamma * chain.oi_base * chain.underlying_price_usd**2 * 0.01
    gross = np.abs(pub).sum()
    assert gross > 1e5
    assert abs(own.sum() - pub.sum()) <= 0.025 * gross
    assert np.abs(own).sum() == pytest.approx(gross, rel=0.05)
    assert own[chain.is_call].sum() == pytest.approx(pub[chain.is_call].sum(), rel=0.05)
    assert own[~chain.is_call].sum() == pytest.approx(pub[~chain.is_call].sum(), rel=0.05)
