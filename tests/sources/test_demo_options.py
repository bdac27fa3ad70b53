"""Demo option chain: expiry calendar, strike grids, smile, Black-76 prices, OI clustering."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.domain.options import OptionChain
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.sources.demo import DEMO_AS_OF, build_demo_snapshot
from derivintel.sources.demo.options_chain import black76_coin_price, demo_expiries


@pytest.fixture(scope="module")
def snap() -> MarketSnapshot:
    return build_demo_snapshot()


def _chain(snap: MarketSnapshot, asset: str) -> OptionChain:
    chain = snap.asset(asset).options
    assert chain is not None
    return chain


def test_expiry_calendar_for_demo_as_of() -> None:
    # as_of = Sat 2026-03-14 05:00. Dailies: 14 and 15 Mar (08:00 today is still ahead). Fridays: 20, 27 Mar,
    # 3, 10 Apr. Last Fridays: 27 Mar (also the March quarterly), 24 Apr, 29 May. Quarterlies after: 26 Jun, 25 Sep.
    expected = {
        (3, 14): "daily",
        (3, 15): "daily",
        (3, 20): "weekly",
        (3, 27): "quarterly",
        (4, 3): "weekly",
        (4, 10): "weekly",
        (4, 24): "monthly",
        (5, 29): "monthly",
        (6, 26): "quarterly",
        (9, 25): "quarterly",
    }
    got = demo_expiries(DEMO_AS_OF)
    assert {(d.month, d.day): k for d, k in got.items()} == expected
    assert all(d.year == 2026 and d.hour == 8 and d.minute == 0 and d.tzinfo is UTC for d in got)


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2031, 12, 31)))
def test_expiries_are_0800_fridays_or_dailies_after_as_of(naive: datetime) -> None:
    as_of = naive.replace(tzinfo=UTC)
    kinds = demo_expiries(as_of)
    expiries = list(kinds)
    assert expiries == sorted(expiries)
    assert 8 <= len(expiries) <= 11
    for d, kind in kinds.items():
        assert d > as_of
        assert (d.hour, d.minute, d.second) == (8, 0, 0)
        assert d.weekday() == 4 or d - as_of <= timedelta(days=2)
        if kind in ("monthly", "quarterly"):
            assert (d + timedelta(days=7)).month != d.month  # the last Friday of its month
        if kind == "quarterly":
            assert d.month in (3, 6, 9, 12)
    assert sum(k == "quarterly" for k in kinds.values()) >= 2


def test_black76_hand_case() -> None:
    # F = K = 100, σ = 0.2, T = 1: d1 = 0.1, d2 = −0.1; N(0.1) = 0.5398278; call = N(d1) − N(d2) = 0.0796557 coin
    price = black76_coin_price(np.array([100.0, 100.0]), np.array([100.0, 100.0]), np.ones(2), np.full(2, 0.2), [1, 0])
    np.testing.assert_allclose(price, [0.0796557, 0.0796557], atol=1e-7)


@given(
    st.floats(0.3, 3.0),  # K / F
    st.floats(1e-3, 2.0),  # T in years
    st.floats(0.05, 2.5),  # σ
)
def test_black76_parity_and_bounds(k_over_f: float, t: float, iv: float) -> None:
    f = np.array([70_000.0, 70_000.0])
    k = f * k_over_f
    call, put = black76_coin_price(f, k, np.full(2, t), np.full(2, iv), np.array([True, False]))
    assert call - put == pytest.approx(1.0 - k_over_f, abs=1e-9)  # r = 0 parity in coin units
    assert max(0.0, 1.0 - k_over_f) - 1e-12 <= call <= 1.0
    assert max(0.0, k_over_f - 1.0) - 1e-12 <= put <= k_over_f


@pytest.mark.parametrize("asset", ["BTC", "ETH"])
def test_chain_rows_units(snap: MarketSnapshot, asset: str) -> None:
    chain = _chain(snap, asset)
    spot = snap.asset(asset).candles_for(market="spot").close[-1]
    assert chain.index_price_usd == spot
    assert np.all((chain.mark_iv > 0.05) & (chain.mark_iv < 3.0))
    assert np.all(chain.oi_base >= 0)
    assert np.all(chain.volume_base >= 0)
    assert np.all(chain.expiry.astype(np.int64) > np.datetime64(DEMO_AS_OF.replace(tzinfo=None), "ms").astype(np.int64))
    expiries = chain.expiries
    forwards = [np.unique(chain.underlying_price_usd[chain.expiry == e]) for e in expiries]
    assert all(len(f) == 1 for f in forwards)  # one forward per expiry
    fwd = np.array([f[0] for f in forwards])
    assert np.all(np.diff(fwd) > 0)
    assert fwd[0] >= spot
    assert fwd[-1] < spot * 1.05
    # mark price in coin is Black-76 on the forward: parity per (expiry, strike)
    calls, puts = chain.select(chain.is_call), chain.select(~chain.is_call)
    np.testing.assert_array_equal(calls.strike, puts.strike)
    np.testing.assert_allclose(
        calls.mark_price_coin - puts.mark_price_coin, 1 - calls.strike / calls.underlying_price_usd, atol=1e-12
    )


@pytest.mark.parametrize(("asset", "near", "mid", "far"), [("BTC", 1000, 2500, 5000), ("ETH", 50, 100, 100)])
def test_strike_grids(snap: MarketSnapshot, asset: str, near: int, mid: int, far: int) -> None:
    chain = _chain(snap, asset)
    spot = chain.index_price_usd
    dist = np.abs(chain.strike / spot - 1)
    assert np.all(chain.strike[dist <= 0.10] % near == 0)
    assert np.all(chain.strike[(dist > 0.10) & (dist <= 0.25)] % mid == 0)
    assert np.all(chain.strike[dist > 0.25] % far == 0)
    # near the money the grid is dense: every multiple of `near` within ±5 % is listed for the front expiry
    front = chain.select(chain.expiry == chain.expiries[0])
    wanted = np.arange(np.ceil(spot * 0.95 / near), np.floor(spot * 1.05 / near) + 1) * near
    assert set(wanted) <= set(front.strike)


@pytest.mark.parametrize("asset", ["BTC", "ETH"])
def test_smile_has_put_skew_and_upward_term_structure(snap: MarketSnapshot, asset: str) -> None:
    chain = _chain(snap, asset)
    atm = []
    for e in chain.expiries:
        ex = chain.select((chain.expiry == e) & chain.is_call)
        f = ex.underlying_price_usd[0]
        i = int(np.argmin(np.abs(np.log(ex.strike / f))))
        atm.append(ex.mark_iv[i])
        lower = ex.mark_iv[ex.strike <= f * 0.93]
        upper = ex.mark_iv[ex.strike >= f / 0.93]
        if len(lower) and len(upper):
            # same |log-moneyness| or more on the put side, still higher IV
            assert lower[-1] > upper[0]
    assert atm[-1] > atm[0] + 0.03
    assert np.all(np.diff(atm) > -0.01)  # non-decreasing up to noise


def test_oi_clusters_at_round_strikes_and_leans_otm(snap: MarketSnapshot) -> None:
    chain = _chain(snap, "BTC")
    spot = chain.index_price_usd
    near = np.abs(np.log(chain.strike / spot)) < 0.15
    ten_k = near & (chain.strike % 10_000 == 0)
    plain = near & (chain.strike % 5_000 != 0)
    assert chain.oi_base[ten_k].mean() > 2 * chain.oi_base[plain].mean()
    below, above = chain.strike < spot, chain.strike > spot
    put, call = ~chain.is_call, chain.is_call
    assert chain.oi_base[below & put].sum() > 2 * chain.oi_base[below & call].sum()
    assert chain.oi_base[above & call].sum() > 2 * chain.oi_base[above & put].sum()
    assert 300_000 < chain.oi_base.sum() < 460_000  # coins
    # 24 h volume favours the nearest expiries
    front = chain.expiry == chain.expiries[0]
    assert (chain.volume_base[front] / np.maximum(chain.oi_base[front], 0.1)).mean() > (
        chain.volume_base[~front] / np.maximum(chain.oi_base[~front], 0.1)
    ).mean()


@pytest.mark.parametrize("asset", ["BTC", "ETH"])
def test_instrument_names_match_rows(snap: MarketSnapshot, asset: str) -> None:
    chain = _chain(snap, asset)
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    pattern = re.compile(rf"^{asset}-(\d{{1,2}})([A-Z]{{3}})(\d\d)-(\d+)-([CP])$")
    assert len(set(chain.instrument)) == len(chain)
    assert "BTC-27MAR26-70000-C" in _chain(snap, "BTC").instrument
    for name, e, k, c in zip(chain.instrument, chain.expiry, chain.strike, chain.is_call, strict=True):
        m = pattern.match(name)
        assert m is not None
        day = e.astype(datetime)
        assert (int(m[1]), months.index(m[2]) + 1, 2000 + int(m[3])) == (day.day, day.month, day.year)
        assert int(m[4]) == k
        assert (m[5] == "C") == c


def test_demo_option_trades_are_synthetic_seeded_and_on_live_chain_instruments() -> None:
    from derivintel.sources.demo import build_demo_snapshot
    from derivintel.sources.demo.option_trades import DEMO_TRADE_DAYS

    a = build_demo_snapshot("BTC", (), seed=7).assets["BTC"]
    b = build_demo_snapshot("BTC", (), seed=7).assets["BTC"]
    t = a.option_trades
    assert t is not None
    assert t.source.synthetic
    assert t.source.name == "demo"
    assert t.trade_id == b.option_trades.trade_id
    assert (t.amount_base == b.option_trades.amount_base).all()
    assert set(t.instrument) <= set(a.options.instrument)
    assert (t.expiry > t.ts).all()
    assert (np.diff(t.ts.astype(np.int64)) >= 0).all()
    assert t.covered_from is not None
    assert (t.source.as_of - t.covered_from).days == DEMO_TRADE_DAYS


def test_demo_trades_of_an_hour_are_the_same_trades_in_every_round() -> None:
    """A collector polling the demo hourly stores each synthetic trade once: overlapping rounds give an hour's
    trades the same ids and times."""
    from derivintel.sources.demo import build_demo_snapshot

    a = build_demo_snapshot("BTC", (), seed=7, as_of=DEMO_AS_OF).assets["BTC"].option_trades
    b = build_demo_snapshot("BTC", (), seed=7, as_of=DEMO_AS_OF + timedelta(hours=1)).assets["BTC"].option_trades
    common = set(a.trade_id) & set(b.trade_id)
    assert len(common) > 0.9 * len(a)
    ts_a = dict(zip(a.trade_id, a.ts, strict=True))
    ts_b = dict(zip(b.trade_id, b.ts, strict=True))
    assert all(ts_a[i] == ts_b[i] for i in common)
