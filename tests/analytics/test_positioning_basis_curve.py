"""Basis curve: annualised basis per expiry, the 3-month constant-maturity basis and the shape, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from derivintel.analytics.positioning.basis_curve import (
    BasisCurveParams,
    CurveShape,
    SpotKind,
    basis_curve,
)
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.futures import DatedFuture, Margin

AS_OF = datetime(2026, 3, 14, 8, tzinfo=UTC)
SRC = Source("test", "futures", AS_OF, AS_OF)


def fut(venue: str, expiry: datetime, mark: float, index: float | None = 100.0, oi: float | None = None):
    return DatedFuture(venue, "BTC", f"BTC-{expiry:%d%b%y}", expiry, mark, index, oi, Margin.INVERSE, SRC)


MAR20 = datetime(2026, 3, 20, 8, tzinfo=UTC)  # 6 days after AS_OF
JUN26 = datetime(2026, 6, 26, 8, tzinfo=UTC)  # 17 + 30 + 31 + 26 = 104 days
SEP25 = datetime(2026, 9, 25, 8, tzinfo=UTC)  # 104 + 4 + 31 + 31 + 25 = 195 days
MAR15 = datetime(2026, 3, 15, 8, tzinfo=UTC)  # 1 day: under the 3-day cut


def test_annualised_basis_and_3m_interpolation_by_hand() -> None:
    res = basis_curve(
        [fut("deribit", MAR20, 100.2), fut("deribit", JUN26, 101.5), fut("deribit", MAR15, 100.05)],
        reference_spot_usd=None,
    )
    assert res.status is Status.OK
    c = res.value
    assert [p.days for p in c.points] == [6.0, 104.0]
    # 0.2 % over 6 days: 0.002 × 365.25 / 6 = 0.12175 a year; 1.5 % over 104 days: 0.015 × 365.25 / 104
    assert c.points[0].basis_annualised == pytest.approx(0.12175)
    assert c.points[1].basis_annualised == pytest.approx(0.0526803, abs=1e-7)
    assert c.excluded == ("deribit:BTC-15Mar26 expires in 1.0 days (< 3)",)
    # 3m = 91.3125 days: total = 0.002 + (0.015 − 0.002) × (91.3125 − 6) / (104 − 6) = 0.0133170;
    # annualised over a quarter year = × 4 = 0.0532679
    assert c.cm_3m.basis_annualised == pytest.approx(0.0532679, abs=1e-7)
    assert not c.cm_3m.extrapolated
    assert (c.cm_3m.lower, c.cm_3m.upper) == (MAR20, JUN26)
    assert c.shape is CurveShape.CONTANGO
    assert res.params["min_days"] == 3.0
    assert res.params["tenor_days"] == 91.3125


def test_composite_takes_the_median_across_venues_per_expiry() -> None:
    res = basis_curve(
        [fut("deribit", JUN26, 101.5), fut("okx", JUN26, 101.0), fut("bybit", JUN26, 102.0, index=100.5)],
        reference_spot_usd=None,
    )
    c = res.value
    # totals: 0.015, 0.010, 102/100.5 − 1 = 0.0149254 → median 0.0149254
    assert len(c.composite) == 1
    assert c.composite[0].basis_fraction == pytest.approx(0.0149254, abs=1e-7)
    assert c.composite[0].venues == ("bybit", "deribit", "okx")
    # one expiry beyond 91.3 days: extrapolated by holding its annualised basis, partial and said so
    assert c.cm_3m.extrapolated
    assert c.cm_3m.basis_annualised == pytest.approx((102 / 100.5 - 1) * 365.25 / 104)
    assert res.status is Status.PARTIAL
    assert any("extrapolated" in r for r in res.reasons)
    assert set(c.venue_cm_3m) == {"bybit", "deribit", "okx"}
    assert c.venue_cm_3m["okx"].basis_annualised == pytest.approx(0.010 * 365.25 / 104)


def test_reference_price_when_the_venue_publishes_no_index() -> None:
    ref = Source("derived", "reference_price", AS_OF, AS_OF)
    res = basis_curve([fut("okx", JUN26, 101.0, index=None)], reference_spot_usd=100.0 / 1.01,
                      reference_sources=[ref])  # fmt: skip
    p = res.value.points[0]
    assert p.spot_kind is SpotKind.REFERENCE
    assert p.basis_fraction == pytest.approx(0.0201)  # 101 × 1.01 / 100 − 1
    assert ref in res.sources
    assert any("reference spot" in r for r in res.reasons)
    missing = basis_curve([fut("okx", JUN26, 101.0, index=None)], reference_spot_usd=None)
    assert missing.value is None
    assert "no index" in " ".join(missing.reasons)


@pytest.mark.parametrize(
    ("marks", "shape"),
    [
        ((100.2, 101.5, 103.0), CurveShape.CONTANGO),
        ((99.8, 98.9, 97.5), CurveShape.BACKWARDATION),
        ((100.001, 100.02, 100.05), CurveShape.FLAT),  # 0.05 % over 195 days = 0.09 % a year < 1 %
        ((100.5, 101.5, 100.8), CurveShape.HUMPED),  # rises to June, falls to September
        ((99.5, 98.5, 99.9), CurveShape.HUMPED),  # falls to June, recovers: a trough
    ],
)
def test_shape(marks: tuple[float, float, float], shape: CurveShape) -> None:
    futures = [fut("deribit", e, m) for e, m in zip((MAR20, JUN26, SEP25), marks, strict=True)]
    c = basis_curve(futures, reference_spot_usd=None).value
    assert c.shape is shape
    if shape is CurveShape.HUMPED:
        assert "26 Jun 2026" in c.shape_detail


def test_step_tolerance_keeps_small_dips_in_contango() -> None:
    # June to September falls by 0.04 % of spot: within the 5 bp step tolerance
    futures = [fut("deribit", MAR20, 100.5), fut("deribit", JUN26, 101.5), fut("deribit", SEP25, 101.46)]
    assert basis_curve(futures, reference_spot_usd=None).value.shape is CurveShape.CONTANGO
    strict = BasisCurveParams(step_tol=0.0)
    c = basis_curve(futures, reference_spot_usd=None, params=strict).value
    assert c.shape is CurveShape.HUMPED


def test_three_month_below_the_first_expiry_is_flagged() -> None:
    c = basis_curve([fut("deribit", SEP25, 102.0)], reference_spot_usd=None).value
    assert c.cm_3m.extrapolated
    assert c.cm_3m.lower is None
    assert c.cm_3m.upper == SEP25
    c = basis_curve([fut("deribit", MAR20, 100.2)], reference_spot_usd=None).value
    assert c.cm_3m.extrapolated
    assert c.cm_3m.lower == MAR20
    assert c.cm_3m.upper is None
    assert c.cm_3m.basis_annualised == pytest.approx(0.12175)


def test_nothing_to_compute() -> None:
    assert basis_curve([], reference_spot_usd=100.0).value is None
    only_near = basis_curve([fut("deribit", MAR15, 100.1)], reference_spot_usd=100.0)
    assert only_near.value is None
    assert "3 days to expiry" in only_near.reasons[0]


def test_front_below_spot_under_a_rising_curve_stays_contango() -> None:
    # as on real Deribit captures of Feb-Apr 2026: weeklies a few bp under spot, quarterlies rising above it
    futures = [fut("deribit", e, m) for e, m in ((MAR20, 99.93), (JUN26, 101.2), (SEP25, 102.5))]
    c = basis_curve(futures, reference_spot_usd=None).value
    assert c.shape is CurveShape.CONTANGO
    assert "nearest expiry trades below spot" in c.shape_detail
    one = basis_curve([fut("deribit", JUN26, 99.0)], reference_spot_usd=None).value
    assert one.shape is CurveShape.BACKWARDATION


def test_a_venue_with_two_contracts_on_one_date_uses_their_median() -> None:
    # bybit lists a linear and an inverse June contract: 1.0 % and 2.0 % total → median 1.5 % for its own curve
    futures = [fut("bybit", MAR20, 100.2), fut("bybit", JUN26, 101.0), fut("bybit", JUN26, 102.0)]
    c = basis_curve(futures, reference_spot_usd=None).value
    total = 0.002 + (0.015 - 0.002) * (91.3125 - 6) / (104 - 6)  # = 0.0133170, as in the first test
    assert c.venue_cm_3m["bybit"].basis_annualised == pytest.approx(total * 4)
    assert c.cm_3m.basis_annualised == pytest.approx(total * 4)
