"""Option venues side by side and the combined book: hand-computed small books and a brute-force GEX reference."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.options.chain_analysis import analyze_chain
from derivintel.analytics.options.gex import DealerScenario
from derivintel.analytics.options.venues import combined_book
from derivintel.core.provenance import Source
from derivintel.domain.options import OptionChain

AS_OF = datetime(2026, 3, 1, 12, tzinfo=UTC)
SPOT = 100.0


def chain(venue: str, rows: list[tuple[float, float, bool, float, float, float]], currency: str = "BTC") -> OptionChain:
    """rows: (days to expiry, strike USD, is_call, OI coins (NaN: not published), IV fraction, forward USD)."""
    exp = np.array([np.datetime64(AS_OF.replace(tzinfo=None) + timedelta(days=r[0]), "ms") for r in rows])
    col = lambda i: np.array([r[i] for r in rows], dtype=float)  # noqa: E731
    return OptionChain(
        currency=currency,
        instrument=tuple(f"{venue}-{i}" for i in range(len(rows))),
        expiry=exp.astype("datetime64[ms]"),
        strike=col(1),
        is_call=np.array([r[2] for r in rows], dtype=bool),
        mark_iv=col(4),
        oi_base=col(3),
        volume_base=np.ones(len(rows)),
        underlying_price_usd=col(5),
        mark_price_coin=np.full(len(rows), np.nan),
        index_price_usd=SPOT,
        source=Source(f"{venue}-options", "chain", AS_OF, AS_OF),
    )


def book(
    chains: dict[str, OptionChain], spot: float | None = SPOT, scenario=DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS
):
    analyses = {v: analyze_chain(c, as_of=AS_OF, spot_usd=spot, scenario=scenario) for v, c in chains.items()}
    return combined_book(chains, analyses, as_of=AS_OF, spot_usd=spot, scenario=scenario)


# Two venues, one expiry 10 days out. A: call 2@100, put 3@90. B: call 1@110, put 4@100.
A = chain("a", [(10, 100, True, 2, 0.5, 100.5), (10, 90, False, 3, 0.6, 100.5)])
B = chain("b", [(10, 110, True, 1, 0.55, 100.8), (10, 100, False, 4, 0.52, 100.8)])


def test_put_call_and_oi_by_strike_and_expiry_pool_the_venues() -> None:
    r = book({"a": A, "b": B})
    b = r.value
    assert b.venues_with_oi == ("a", "b")
    assert b.total_oi_base == 10.0
    assert b.total_oi_usd == 1000.0
    assert b.put_call_oi_ratio == pytest.approx(7 / 3)  # puts 3 + 4, calls 2 + 1
    assert b.strikes_usd.tolist() == [90.0, 100.0, 110.0]
    assert b.call_oi_by_strike_base.tolist() == [0.0, 2.0, 1.0]
    assert b.put_oi_by_strike_base.tolist() == [3.0, 4.0, 0.0]
    assert len(b.expiries) == 1
    assert b.call_oi_by_expiry_base.tolist() == [3.0]
    assert b.put_oi_by_expiry_base.tolist() == [7.0]


def test_max_pain_of_the_combined_book_by_hand() -> None:
    # pain(X) = Σ call OI·max(0, X−K) + put OI·max(0, K−X), strikes pooled:
    # pain(90)  = calls 0                        + puts P100: 4·10 = 40  → 40
    # pain(100) = calls C100: 0, C110: 0         + puts P90: 0, P100: 0  → 0   ← max pain
    # pain(110) = calls C100: 2·10 = 20          + puts 0                → 20
    b = book({"a": A, "b": B}).value
    assert b.max_pain_usd == 100.0
    # Venue A alone: pain(90) = 0, pain(100) = 0 (P90 out of the money, C100 at the strike) → tie → lowest, 90.
    assert book({"a": A}).value.max_pain_usd == 90.0
    assert b.headline_expiry == datetime(2026, 3, 11, 12, tzinfo=UTC)


def _gex_by_hand(rows: list[tuple[float, float, bool, float, float, float]], sign_call: float) -> float:
    """s · φ(d1) · F · OI · 0.01 / (σ√T) per option, summed (DOMAIN.md §3), in plain scalar math."""
    total = 0.0
    for days, k, is_call, oi, iv, fwd in rows:
        t = days / 365.0
        sd = iv * math.sqrt(t)
        d1 = (math.log(fwd / k) + 0.5 * sd * sd) / sd
        phi = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
        total += (sign_call if is_call else -sign_call) * phi * fwd * oi * 0.01 / sd
    return total


def test_combined_gex_equals_the_per_option_formula_at_each_venues_forward_and_iv() -> None:
    rows_a = [(10, 100, True, 2, 0.5, 100.5), (10, 90, False, 3, 0.6, 100.5), (40, 120, True, 5, 0.45, 101.0)]
    rows_b = [(10, 110, True, 1, 0.55, 100.8), (10, 100, False, 4, 0.52, 100.8)]
    expiring = [(0.5, 100, True, 50, 0.7, 100.1)]  # 12 h out: left out of the regime, as in analyze_chain
    a, b = chain("a", rows_a + expiring), chain("b", rows_b)
    for scenario, sign in ((DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS, 1.0),
                           (DealerScenario.DEALERS_SHORT_CALLS_LONG_PUTS, -1.0)):  # fmt: skip
        got = book({"a": a, "b": b}, scenario=scenario).value
        assert got.net_gex_usd_per_1pct == pytest.approx(_gex_by_hand(rows_a + rows_b, sign), rel=1e-9)
        assert got.gex_by_venue_usd_per_1pct["b"] == pytest.approx(_gex_by_hand(rows_b, sign), rel=1e-9)
        # per venue, the combined figure is what analyze_chain finds on that venue's chain alone
        alone = analyze_chain(a, as_of=AS_OF, spot_usd=SPOT, scenario=scenario).value.all_expiries
        assert got.gex_by_venue_usd_per_1pct["a"] == pytest.approx(alone.net_gex_usd_per_1pct, rel=1e-12)


def test_venue_rows_oi_share_and_a_venue_without_open_interest() -> None:
    flat = [(10, k, c, np.nan, 0.51, 100.2) for k in (95.0, 105.0) for c in (True, False)]  # flat smile at 0.51
    no_oi = chain("c", flat)
    r = book({"a": A, "b": B, "c": no_oi})
    rows = {v.venue: v for v in r.value.venues}
    assert rows["a"].oi_base == 5.0
    assert rows["a"].oi_usd == 500.0
    assert rows["a"].oi_share == 0.5
    assert rows["b"].oi_share == 0.5
    assert rows["c"].oi_base is None
    assert rows["c"].oi_usd is None
    assert rows["c"].oi_share is None
    assert "no open interest" in rows["c"].notes[0]
    assert rows["c"].atm_iv == pytest.approx(0.51)  # still read for the ATM IV column
    assert r.value.venues_with_oi == ("a", "b")
    assert r.value.total_oi_base == 10.0  # c adds nothing, and is said to be left out
    assert any(x.startswith("c: no open interest") for x in r.reasons)
    assert r.status.value == "partial"


def test_atm_iv_is_30d_constant_maturity_when_bracketed_else_the_nearest_expiry() -> None:
    # Flat smiles (ATM IV 0.40 at 20 days, 0.50 at 40 days); total variance w = σ²T is linear in T between them,
    # so w(30 d) = (w(20 d) + w(40 d)) / 2 and the 30d ATM IV is √(w(30 d) / (30/365)).
    both = chain("a", [(d, k, c, 1, iv, 100) for d, iv in ((20, 0.40), (40, 0.50))
                       for k in (95.0, 105.0) for c in (True, False)])  # fmt: skip
    w20, w40 = 0.40**2 * 20 / 365, 0.50**2 * 40 / 365
    expected = math.sqrt((w20 + w40) / 2 / (30 / 365))
    row = book({"a": both}).value.venues[0]
    assert row.atm_iv_basis == "30d constant maturity"
    assert row.atm_iv == pytest.approx(expected, rel=1e-9)
    short = chain("b", [(10, k, c, 1, 0.45, 100) for k in (95.0, 105.0) for c in (True, False)])
    row = book({"b": short}).value.venues[0]
    assert row.atm_iv == pytest.approx(0.45)
    assert row.atm_iv_basis == "listed expiry nearest 30d, 11MAR26"


def test_missing_inputs_are_missing_not_zero() -> None:
    assert not combined_book({}, {}, as_of=AS_OF, spot_usd=SPOT).ok
    r = book({"a": A}, spot=None)
    assert r.value is None
    assert "reference price" in r.reasons[0]
    expired = chain("a", [(-1, 100, True, 2, 0.5, 100.0)])
    r = book({"a": expired})
    assert r.value.venues_with_oi == ()
    assert r.value.max_pain_usd is None
    assert "no venue published open interest" in r.reasons
