"""Scanner analytics against hand-computed numbers: OI-weighted funding, spread, z-scores, OI change, rankings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.scanner import ScanHistory, base_key, scan_market
from derivintel.analytics.scanner.compute import moments, pooled
from derivintel.core.provenance import Gap, GapKind, Source
from derivintel.domain.perp import FundingKind
from derivintel.domain.scan import PerpTicker, ScanUniverse

AS_OF = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _t(
    venue: str,
    asset: str,
    *,
    mark: float,
    index: float | None,
    rate: float | None,
    interval: float,
    oi_base: float | None,
    vol: float | None = 1e6,
    change: float | None = 0.01,
    age_s: int = 0,
) -> PerpTicker:
    when = AS_OF - timedelta(seconds=age_s)
    return PerpTicker(
        venue=venue,
        asset=asset,
        venue_symbol=f"{asset}-{venue}",
        mark_price_usd=mark,
        index_price_usd=index,
        funding_rate_interval=rate,
        funding_interval_hours=interval,
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=None,
        oi_base=oi_base,
        volume_24h_usd=vol,
        source=Source(venue, "bulk", when, when),
        price_change_24h_frac=change,
    )


def _universe() -> ScanUniverse:
    return ScanUniverse(
        tickers=(
            # ABC: OI 100 coins × $10 = $1000 at 8h 0.0008 (1e-4/h); 300 coins × $10 = $3000 at 1h 2e-5 (2e-5/h)
            _t("a", "ABC", mark=10.0, index=9.99, rate=0.0008, interval=8.0, oi_base=100.0, change=0.02),
            _t("b", "ABC", mark=10.0, index=10.02, rate=0.00002, interval=1.0, oi_base=300.0, change=0.04),
            _t("c", "ABC", mark=10.01, index=10.0, rate=0.00024, interval=4.0, oi_base=None, change=0.03, age_s=90),
            # 1000XYZ on venue a and kXYZ on venue b group as XYZ; no OI on a
            _t("a", "1000XYZ", mark=2.0, index=2.0, rate=-0.0004, interval=8.0, oi_base=None),
            _t("b", "kXYZ", mark=2.0, index=None, rate=0.00001, interval=1.0, oi_base=1000.0),
            # LONE: one venue only
            _t("a", "LONE", mark=1.0, index=1.0, rate=None, interval=8.0, oi_base=50.0, vol=None, change=None),
        ),
        venues=("a", "b", "c"),
        gaps=(Gap("d", "bulk", GapKind.UNAVAILABLE, "HTTP 500"),),
    )


def test_base_key_strips_multiplier_prefixes_only():
    assert base_key("1000PEPE") == "PEPE"
    assert base_key("kPEPE") == "PEPE"
    assert base_key("1000000MOG") == "MOG"
    assert base_key("1INCH") == "1INCH"
    assert base_key("KAVA") == "KAVA"
    assert base_key("BTC") == "BTC"


def test_oi_weighted_funding_spread_and_basis_by_hand():
    result = scan_market(_universe(), as_of=AS_OF)
    abc = result.asset("ABC")
    assert abc.oi_usd == pytest.approx(1000.0 + 3000.0)
    assert abc.oi_venues == ("a", "b")
    assert "c" in abc.missing["oi_usd"]
    # (1e-4 × 1000 + 2e-5 × 3000) / 4000 = 4e-5 per hour; venue c (no OI) carries no weight
    assert abc.funding_1h == pytest.approx(4e-5)
    assert abc.funding_apr == pytest.approx(4e-5 * 8760)
    # per hour: a 1e-4, b 2e-5, c 6e-5 → spread 8e-5, a pays most, b least
    assert abc.funding_spread_1h == pytest.approx(8e-5)
    assert (abc.funding_max_venue, abc.funding_min_venue) == ("a", "b")
    # basis: a 10/9.99 − 1, b 10/10.02 − 1, OI-weighted 1000 : 3000
    expected_basis = ((10 / 9.99 - 1) * 1000 + (10 / 10.02 - 1) * 3000) / 4000
    assert abc.basis_frac == pytest.approx(expected_basis)
    assert abc.price_change_24h_frac == pytest.approx(0.03)  # median of 0.02, 0.04, 0.03
    assert abc.volume_24h_usd == pytest.approx(3e6)
    assert abc.staleness_s == 90.0  # the oldest venue row
    assert abc.sources == ("a/bulk", "b/bulk", "c/bulk")


def test_grouping_across_venue_names_and_plain_mean_without_oi_weights():
    result = scan_market(_universe(), as_of=AS_OF)
    xyz = result.asset("XYZ")
    assert xyz.venues == ("a", "b")
    assert {p.symbol for p in result.perps if p.base == "XYZ"} == {"1000XYZ-a", "kXYZ-b"}
    # only b has OI: weighted mean is b's 1e-5/h; the spread is 1e-5 − (−5e-5)
    assert xyz.funding_1h == pytest.approx(1e-5)
    assert xyz.funding_spread_1h == pytest.approx(1e-5 - (-0.0004 / 8))
    assert xyz.basis_frac == pytest.approx(0.0)  # b has no index: a's basis alone
    lone = result.asset("LONE")
    assert lone.funding_1h is None
    assert "funding_1h" in lone.missing
    assert lone.funding_spread_1h is None
    assert "two" in lone.missing["funding_spread_1h"]
    assert lone.volume_24h_usd is None


def test_history_cells_say_why_they_are_empty_without_a_store():
    result = scan_market(_universe(), as_of=AS_OF)
    abc = result.asset("ABC")
    assert abc.funding_z is None
    assert abc.missing["funding_z"] == "no history store given"
    assert abc.oi_change_frac is None
    assert abc.long_share is None
    assert abc.liquidations_long_usd is None
    assert result.gaps[0].source == "d"


def test_z_scores_and_oi_change_from_history_by_hand():
    hist_a = np.array([1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 6e-5, 7e-5, 8e-5, 9e-5, 1e-4])  # mean 5.5e-5
    hist_b = np.full(10, 2e-5) + np.arange(10) * 1e-6
    history = ScanHistory(
        oi_base_before={("a", "ABC"): 80.0, ("b", "ABC"): 320.0},
        funding_1h={("a", "ABC"): hist_a, ("b", "ABC"): hist_b},
        liquidations_usd={"ABC": (1500.0, 250.0)},
        long_share={"ABC": (0.6, "a global_accounts")},
        store="test-store",
    )
    result = scan_market(_universe(), as_of=AS_OF, history=history)
    row_a = next(p for p in result.perps if p.venue == "a" and p.base == "ABC")
    # venue a: current 1e-4/h against its own 10 settlements (sample std)
    assert row_a.funding_z == pytest.approx((1e-4 - hist_a.mean()) / hist_a.std(ddof=1))
    assert row_a.oi_change_frac == pytest.approx(100 / 80 - 1)
    abc = result.asset("ABC")
    both = np.concatenate([hist_a, hist_b])
    assert abc.funding_z == pytest.approx((4e-5 - both.mean()) / both.std(ddof=1))
    # coin OI now 100 + 300 against 80 + 320 before
    assert abc.oi_change_frac == pytest.approx(400 / 400 - 1)
    assert (abc.liquidations_long_usd, abc.liquidations_short_usd, abc.long_share) == (1500.0, 250.0, 0.6)
    short = ScanHistory(funding_1h={("a", "ABC"): hist_a[:5]}, store="s")
    row = next(p for p in scan_market(_universe(), as_of=AS_OF, history=short).perps if p.venue == "a")
    assert row.funding_z is None
    assert row.missing["funding_z"].startswith("5 stored funding settlements")


def test_pooled_moments_equal_the_concatenated_sample():
    rng = np.random.default_rng(3)
    parts = [rng.normal(0, 1, n) for n in (3, 50, 7)]
    n, mean, m2 = pooled([moments(p) for p in parts])
    both = np.concatenate(parts)
    assert n == 60
    assert mean == pytest.approx(both.mean())
    assert m2 / (n - 1) == pytest.approx(both.var(ddof=1))


def test_rankings_and_min_oi_filter():
    result = scan_market(_universe(), as_of=AS_OF, top=2)
    assert result.rankings["funding_high"] == ("ABC", "XYZ")
    assert result.rankings["funding_low"] == ("XYZ", "ABC")
    assert result.rankings["funding_spread"] == ("ABC", "XYZ")
    assert result.rankings["oi_surge"] == ()  # no history: nothing ranked, nothing invented
    filtered = scan_market(_universe(), as_of=AS_OF, min_oi_usd=1000.0)
    assert [a.base for a in filtered.assets] == ["ABC", "XYZ"]  # LONE ($50) left out
    assert {p.base for p in filtered.perps} == {"ABC", "XYZ"}
