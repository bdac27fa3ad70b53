"""OI and funding levels from stored series when no perp snapshot is at hand (issue 14 §2, `report --asof`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.positioning.positioning_analysis import analyze_positioning
from derivintel.analytics.positioning.stored_levels import (
    latest_oi_samples,
    oi_total_from_samples,
    settled_funding_aggregate,
)
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.series import FundingSeries, OpenInterestSeries
from derivintel.domain.snapshot import AssetData

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SRC = Source("v", "hist", T0, T0)


def _ts(n: int, step_s: int) -> np.ndarray:
    return np.datetime64("2024-01-01T00:00", "ms") + np.arange(n) * np.timedelta64(step_s, "s")


def _oi(venue: str, step_s: int, base: float) -> OpenInterestSeries:
    n = 24 * 3600 // step_s
    b = base + np.arange(n, dtype=float)
    return OpenInterestSeries(venue, "BTC", step_s, _ts(n, step_s), b, b * 40_000.0, SRC)


def _funding(venue: str, rates: list[float], hours: float = 8.0) -> FundingSeries:
    n = len(rates)
    return FundingSeries(venue, "BTC", _ts(n, int(hours * 3600)), np.array(rates), np.full(n, hours), SRC)


def test_latest_sample_at_or_before_as_of_per_venue_finest_series() -> None:
    at = T0 + timedelta(hours=10, minutes=2)
    hist = [_oi("a", 300, 100.0), _oi("a", 3600, 5.0), _oi("b", 3600, 50.0)]
    s = latest_oi_samples(hist, as_of=at, max_sample_lag=timedelta(hours=2))
    assert s["a"][0] == 100.0 + 120  # the 5-min series, sample of 10:00 (index 120), not the hourly one
    assert s["a"][2].as_of == T0 + timedelta(hours=10)
    assert s["b"][0] == 60.0
    total = oi_total_from_samples(hist, as_of=at, max_sample_lag=timedelta(hours=2))
    assert total.value.total_oi_base == pytest.approx(220.0 + 60.0)
    assert total.value.total_oi_usd == pytest.approx((220.0 + 60.0) * 40_000.0)
    assert total.status is Status.PARTIAL
    assert "no perp snapshot" in total.reasons[0]


def test_samples_older_than_the_lag_or_after_as_of_are_not_used() -> None:
    hist = [_oi("a", 3600, 1.0)]  # last sample 23:00
    late = T0 + timedelta(days=1, hours=2)
    assert latest_oi_samples(hist, as_of=late, max_sample_lag=timedelta(hours=2)) == {}
    before = T0 - timedelta(minutes=1)
    assert oi_total_from_samples(hist, as_of=before, max_sample_lag=timedelta(hours=2)).value is None


def test_settled_funding_is_per_hour_and_oi_weighted() -> None:
    funding = [_funding("a", [8e-4, 1.6e-4, 8e-5]), _funding("b", [4e-5, 4e-5], hours=4.0)]
    at = T0 + timedelta(hours=17)  # a: settlement of 16:00 (8e-5 / 8 h); b: of 04:00 is 13 h old (> 4 h + lag)
    agg = settled_funding_aggregate(funding, {"a": 3.0, "b": 1.0}, as_of=at, max_sample_lag=timedelta(hours=2))
    assert agg.value.rate_venues == ("a",)
    assert agg.value.weighted_1h == pytest.approx(1e-5)
    assert agg.value.weighted_apr == pytest.approx(1e-5 * 8760)
    at_b = T0 + timedelta(hours=5)
    agg = settled_funding_aggregate(funding, {"a": 3.0, "b": 1.0}, as_of=at_b, max_sample_lag=timedelta(hours=2))
    assert agg.value.weighted_1h == pytest.approx((3.0 * 8e-4 / 8 + 1.0 * 4e-5 / 4) / 4.0)
    assert agg.status is Status.PARTIAL
    assert "settled" in agg.reasons[0]


def test_positioning_without_perps_uses_the_stored_levels() -> None:
    data = AssetData("BTC", open_interest=(_oi("a", 300, 100.0),), funding=(_funding("a", [8e-5, 8e-5, 8e-5]),))
    res = analyze_positioning(data, as_of=T0 + timedelta(hours=17))
    assert res.value.total_oi_base == 100.0 + 17 * 12
    assert res.value.funding_oi_weighted_1h == pytest.approx(1e-5)
    assert any("no perp snapshot" in r for r in res.reasons)
