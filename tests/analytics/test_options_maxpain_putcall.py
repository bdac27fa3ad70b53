"""Max pain and put/call: hand cases, properties, and brute-force references on real svcj snapshots."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.options.chain_analysis import analyze_chain
from derivintel.analytics.options.maxpain import max_pain
from derivintel.analytics.options.putcall import put_call
from derivintel.sources.deribit.chain_file import read_chain_file
from tests.realdata import real_path


def test_max_pain_three_strikes_by_hand() -> None:
    # strikes 90/100/110; call OI 10@90, 5@110; put OI 20@110, 5@90.
    # pain(90)  = calls: 0           + puts: 20·(110−90)=400           → 400
    # pain(100) = calls: 10·10=100   + puts: 20·10=200                 → 300
    # pain(110) = calls: 10·20=200   + puts: 0 (+5·0)                  → 200  ← max pain
    r = max_pain(np.array([90.0, 110.0, 110.0, 90.0, 100.0]), np.array([True, True, False, False, True]),
                 np.array([10.0, 5.0, 20.0, 5.0, 0.0]))  # fmt: skip
    assert r.ok
    assert r.value.max_pain_usd == 110.0
    assert list(r.value.strikes_usd) == [90.0, 100.0, 110.0]
    assert list(r.value.pain_usd) == [400.0, 300.0, 200.0]


def test_max_pain_tie_takes_lowest_strike() -> None:
    # call 1@100, put 1@110: pain(100)=0+10=10, pain(110)=10+0=10 → tie → 100
    r = max_pain(np.array([100.0, 110.0]), np.array([True, False]), np.array([1.0, 1.0]))
    assert r.value.max_pain_usd == 100.0
    assert r.params["tie_rule"] == "lowest strike among ties"


def test_max_pain_missing_without_oi() -> None:
    r = max_pain(np.array([100.0, 110.0]), np.array([True, False]), np.array([0.0, 0.0]))
    assert not r.ok
    assert "no open interest" in r.reasons[0]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 40).map(lambda k: 1000.0 * k), st.booleans(), st.floats(0, 500)),
        min_size=1,
        max_size=40,
    )
)
def test_max_pain_is_listed_strike_and_minimal(rows) -> None:
    k = np.array([r[0] for r in rows])
    c = np.array([r[1] for r in rows])
    oi = np.array([r[2] for r in rows])
    r = max_pain(k, c, oi)
    if oi.sum() <= 0:
        assert not r.ok
        return
    assert r.value.max_pain_usd in set(k.tolist())
    pain_at = r.value.pain_usd[r.value.strikes_usd == r.value.max_pain_usd][0]
    # minimal up to the documented tie tolerance, and no lower strike is within it
    tol = 1e-12 * r.value.pain_usd.max()
    assert pain_at <= r.value.pain_usd.min() + tol
    assert np.all(r.value.pain_usd[r.value.strikes_usd < r.value.max_pain_usd] > r.value.pain_usd.min() + tol)


def test_put_call_by_hand_and_missing_ratio() -> None:
    # call OI 10, put OI 5 → 0.5; call volume 0 → volume ratio undefined (None), never 0
    r = put_call(np.array([True, False]), np.array([10.0, 5.0]), np.array([0.0, 3.0]))
    assert r.value.put_call_oi_ratio == 0.5
    assert r.value.put_call_volume_ratio is None
    assert r.status.value == "partial"


SNAPSHOTS = [
    "deribit_options_snapshot_20260304T093315Z.csv",
    "deribit_options_snapshot_20260325T094504Z.csv",
    "deribit_options_snapshot_20260327T094709Z.csv",  # just after the quarterly expiry
    "deribit_options_snapshot_20260617T083438Z.csv",
]


def _brute_force(path) -> tuple[datetime, dict[str, dict]]:
    """Plain-python reference from the raw CSV rows (BTC only): per expiry OI, volume and max pain."""
    with path.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["currency"] == "BTC"]
    as_of = datetime.fromisoformat(rows[0]["timestamp"])
    by_exp: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if datetime.fromisoformat(r["expiry_datetime"]) > as_of:
            by_exp[r["expiry_datetime"]].append(r)
    out = {}
    for exp, rs in by_exp.items():
        call_oi = sum(float(r["open_interest"]) for r in rs if r["option_type"] == "call")
        put_oi = sum(float(r["open_interest"]) for r in rs if r["option_type"] == "put")
        call_vol = sum(float(r["volume"]) for r in rs if r["option_type"] == "call")
        put_vol = sum(float(r["volume"]) for r in rs if r["option_type"] == "put")
        best_x, best_pain = None, None
        for x in sorted({float(r["strike"]) for r in rs}):
            pain = 0.0
            for r in rs:
                k, oi = float(r["strike"]), float(r["open_interest"])
                pain += oi * (max(0.0, x - k) if r["option_type"] == "call" else max(0.0, k - x))
            if best_pain is None or pain < best_pain - 1e-9 * max(1.0, best_pain):
                best_x, best_pain = x, pain
        out[exp] = {"call_oi": call_oi, "put_oi": put_oi, "call_vol": call_vol, "put_vol": put_vol,
                    "max_pain": best_x, "pain": best_pain}  # fmt: skip
    return as_of, out


@pytest.mark.real_data
@pytest.mark.parametrize("name", SNAPSHOTS)
def test_real_snapshot_matches_brute_force(name: str) -> None:
    path = real_path("deribit_options", "svcj_snapshots", name)
    _, ref = _brute_force(path)
    chain = read_chain_file(path, currency="BTC")
    result = analyze_chain(chain, as_of=chain.source.as_of)
    assert result.ok
    got = {e.expiry.isoformat(): e for e in result.value.expiries}
    assert set(got) == set(ref)
    for exp, r in ref.items():
        e = got[exp]
        assert e.max_pain_usd == r["max_pain"], exp
        assert e.pain_usd.min() == pytest.approx(r["pain"], rel=1e-9)
        assert e.call_oi_base == pytest.approx(r["call_oi"], rel=1e-12)
        assert e.put_oi_base == pytest.approx(r["put_oi"], rel=1e-12)
        assert e.put_call_oi_ratio == pytest.approx(r["put_oi"] / r["call_oi"], rel=1e-12)
        if r["call_vol"] > 0:
            assert e.put_call_volume_ratio == pytest.approx(r["put_vol"] / r["call_vol"], rel=1e-12)
        else:
            assert e.put_call_volume_ratio is None
    s = result.value.all_expiries
    assert s.call_oi_base == pytest.approx(sum(r["call_oi"] for r in ref.values()), rel=1e-12)
    assert s.put_call_oi_ratio == pytest.approx(
        sum(r["put_oi"] for r in ref.values()) / sum(r["call_oi"] for r in ref.values()), rel=1e-12
    )
