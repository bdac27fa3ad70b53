"""Property tests: OI-weighted funding is a convex combination; the quadrant is scale invariant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.positioning import classify_quadrant
from derivintel.analytics.positioning.funding import oi_weighted_rate
from derivintel.analytics.positioning.open_interest import open_interest_change
from derivintel.core.provenance import Source
from derivintel.domain.series import OpenInterestSeries

rates = st.floats(min_value=-0.01, max_value=0.01, allow_nan=False)
weights = st.floats(min_value=1.0, max_value=1e10, allow_nan=False)


@given(st.lists(st.tuples(rates, weights), min_size=1, max_size=8))
def test_oi_weighted_funding_between_min_and_max(pairs):
    r = [p[0] for p in pairs]
    w = [p[1] for p in pairs]
    got = oi_weighted_rate(r, w)
    tol = 1e-12
    assert min(r) - tol <= got <= max(r) + tol


levels = st.floats(min_value=1.0, max_value=1e6, allow_nan=False)
moves = st.floats(min_value=-0.5, max_value=0.5, allow_nan=False)
scales = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False)


@given(levels, moves, levels, moves, scales, scales)
def test_quadrant_invariant_to_scaling_price_and_oi(p0, dp, oi0, doi, kp, koi):
    def label(price0: float, oi_start: float):
        price1, oi1 = price0 * (1 + dp), oi_start * (1 + doi)
        return classify_quadrant(price1 / price0 - 1, oi1 / oi_start - 1, oi_band=0.005, price_band=0.0025)

    # skip pairs sitting on a band edge where float rounding of the scaled levels could flip the side
    if min(abs(abs(dp) - 0.0025), abs(abs(doi) - 0.005)) < 1e-9:
        return
    assert label(p0, oi0) == label(p0 * kp, oi0 * koi)


AS_OF = datetime(2024, 1, 2, tzinfo=UTC)


@settings(max_examples=50)
@given(st.lists(st.floats(min_value=1.0, max_value=1e5), min_size=25, max_size=25), scales)
def test_coin_oi_change_ignores_price_path(oi_path, price_scale):
    """The coin OI change depends on coins only: any price path gives the same change_fraction."""
    oi = np.array(oi_path)
    ts = np.datetime64(int((AS_OF - timedelta(hours=24)).timestamp() * 1000), "ms") + (
        np.arange(25) * 3_600_000
    ).astype("timedelta64[ms]")
    src = Source("t", "t", AS_OF, AS_OF)
    rng = np.random.default_rng(0)
    price_a = np.full(25, 100.0)
    price_b = 100.0 * price_scale * np.exp(rng.normal(0, 0.05, 25))
    a = open_interest_change(
        [OpenInterestSeries("v", "BTC", 3600, ts, oi, oi * price_a, src)], as_of=AS_OF, window=timedelta(hours=24)
    )
    b = open_interest_change(
        [OpenInterestSeries("v", "BTC", 3600, ts, oi, oi * price_b, src)], as_of=AS_OF, window=timedelta(hours=24)
    )
    assert a.value.change_fraction == b.value.change_fraction == oi[-1] / oi[0] - 1
