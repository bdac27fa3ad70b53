"""Skew (ATM, RR25, BF25, constant maturity) and OI flow: hand cases and real consecutive snapshots."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.analytics.options.flow import oi_flow
from derivintel.analytics.options.skew import Smile, constant_maturity_iv, expiry_skew, otm_smile
from derivintel.core.provenance import Source
from derivintel.domain.options import OptionChain
from derivintel.sources.deribit.chain_file import read_chain_file
from tests.realdata import real_path


def test_atm_interpolated_in_log_moneyness_by_hand() -> None:
    # F=100, K=90 (0.6), K=110 (0.4): x = ln(K/F) = −0.105361, +0.095310
    # ATM = 0.6 + (0.4 − 0.6)·0.105361/0.200671 = 0.6 − 0.2·0.525042 = 0.494992
    r = expiry_skew(Smile(np.array([90.0, 110.0]), np.array([0.6, 0.4])), 100.0, 0.1)
    assert r.value.atm_iv == pytest.approx(0.494992, abs=1e-6)


def test_flat_smile_has_zero_rr_and_bf() -> None:
    k = np.linspace(40_000, 120_000, 41)
    r = expiry_skew(Smile(k, np.full(k.size, 0.5)), 70_000.0, 30 / 365)
    assert r.status.value == "ok"
    assert r.value.atm_iv == pytest.approx(0.5)
    assert r.value.rr25 == pytest.approx(0.0, abs=1e-12)
    assert r.value.bf25 == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("slope", "sign"), [(-0.2, -1), (0.2, 1)])
def test_rr25_sign_follows_skew(slope: float, sign: int) -> None:
    # IV falling with strike (puts richer) → RR25 < 0; rising → > 0 (RR25 = IV25c − IV25p)
    k = np.linspace(40_000, 120_000, 81)
    iv = 0.5 + slope * np.log(k / 70_000.0)
    r = expiry_skew(Smile(k, iv), 70_000.0, 30 / 365)
    assert np.sign(r.value.rr25) == sign
    assert r.value.iv_25d_call == pytest.approx(r.value.rr25 + r.value.iv_25d_put)


def test_skew_without_25_delta_points_is_partial() -> None:
    # only two near-ATM strikes: ATM exists, 25-delta points lie outside the listed smile → None, not 0
    r = expiry_skew(Smile(np.array([69_000.0, 71_000.0]), np.array([0.5, 0.5])), 70_000.0, 30 / 365)
    assert r.status.value == "partial"
    assert r.value.atm_iv == pytest.approx(0.5)
    assert r.value.rr25 is None
    assert r.value.bf25 is None


def test_otm_smile_prefers_out_of_the_money_side() -> None:
    k = np.array([90.0, 90.0, 110.0, 110.0, 120.0])
    c = np.array([True, False, True, False, False])
    iv = np.array([0.9, 0.6, 0.4, 0.8, np.nan])  # 90: put (OTM) 0.6; 110: call 0.4; 120: no IV → dropped
    s = otm_smile(k, c, iv, 100.0)
    assert list(s.strikes_usd) == [90.0, 110.0]
    assert list(s.iv) == [0.6, 0.4]


def test_constant_maturity_total_variance_by_hand() -> None:
    # 7d σ=0.6, 30d σ=0.5: w·365 = 2.52 and 7.5; at 14d: 2.52 + 4.98·7/23 = 4.035652; σ = √(4.035652/14) = 0.536900
    t = np.array([7 / 365, 30 / 365])
    assert constant_maturity_iv(t, np.array([0.6, 0.5]), 14 / 365) == pytest.approx(0.536900, abs=1e-6)
    assert constant_maturity_iv(t, np.array([0.6, 0.5]), 7 / 365) == pytest.approx(0.6)
    assert constant_maturity_iv(t, np.array([0.6, 0.5]), 31 / 365) is None  # no extrapolation
    assert constant_maturity_iv(t, np.array([0.6, np.nan]), 14 / 365) is None


def _chain(names, oi) -> OptionChain:
    n = len(names)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    return OptionChain(
        currency="BTC",
        instrument=tuple(names),
        expiry=np.full(n, np.datetime64("2026-01-30T08:00", "ms")),
        strike=np.array([float(x.split("-")[2]) for x in names]),
        is_call=np.array([x.endswith("C") for x in names]),
        mark_iv=np.full(n, 0.5),
        oi_base=np.array(oi, dtype=float),
        volume_base=np.zeros(n),
        underlying_price_usd=np.full(n, 100.0),
        mark_price_coin=np.full(n, 0.01),
        index_price_usd=100.0,
        source=Source("test", "hand", when, when),
    )


def test_oi_flow_by_hand() -> None:
    # before: 100C 10, 110P 5 ; after: 100C 12, 120C 3 (110P expired/closed)
    # change by strike: 100 → +2 (call), 110 → −5 (put), 120 → +3 (call); total = 15 − 15 = 0
    before = _chain(["BTC-30JAN26-100-C", "BTC-30JAN26-110-P"], [10, 5])
    after = _chain(["BTC-30JAN26-100-C", "BTC-30JAN26-120-C"], [12, 3])
    f = oi_flow(before, after).value
    assert list(f.strikes_usd) == [100.0, 110.0, 120.0]
    assert list(f.call_change_base) == [2.0, 0.0, 3.0]
    assert list(f.put_change_base) == [0.0, -5.0, 0.0]
    assert f.total_change_base == 0.0
    assert (f.n_new, f.n_gone) == (1, 1)


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("deribit_options_snapshot_20260325T094504Z.csv", "deribit_options_snapshot_20260327T045944Z.csv"),
        ("deribit_options_snapshot_20260327T045944Z.csv", "deribit_options_snapshot_20260327T094709Z.csv"),
    ],
)
def test_oi_flow_real_sums_to_total_change(a: str, b: str) -> None:
    before = read_chain_file(real_path("deribit_options", "svcj_snapshots", a))
    after = read_chain_file(real_path("deribit_options", "svcj_snapshots", b))
    f = oi_flow(before, after).value
    total = after.oi_base.sum() - before.oi_base.sum()
    assert f.total_change_base == pytest.approx(total, rel=1e-12)
    assert f.change_base.sum() == pytest.approx(total, abs=1e-6 * before.oi_base.sum())
    assert f.call_change_base.sum() == pytest.approx(
        after.oi_base[after.is_call].sum() - before.oi_base[before.is_call].sum(), abs=1e-6
    )
    assert np.isfinite(f.change_base).all()
