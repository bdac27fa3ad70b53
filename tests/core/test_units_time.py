from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.core.errors import UserInputError
from derivintel.core.result import Result, Status
from derivintel.core.timeutil import parse_utc
from derivintel.core.units import funding_apr, funding_per_hour, long_share_from_ratio


@pytest.mark.parametrize(
    ("rate", "hours", "expected"),
    [(0.0001, 8, 0.0000125), (0.0001, 4, 0.000025), (0.0000125, 1, 0.0000125), (-0.0008, 8, -0.0001)],
)
def test_funding_normalisation_across_intervals(rate, hours, expected):
    assert funding_per_hour(rate, hours) == pytest.approx(expected, rel=1e-12)


def test_same_daily_cost_gives_same_hourly_rate():
    # 0.01%/8h, 0.005%/4h and 0.00125%/1h all cost 0.03% per day.
    assert funding_per_hour(0.0001, 8) == pytest.approx(funding_per_hour(0.00005, 4))
    assert funding_per_hour(0.0001, 8) == pytest.approx(funding_per_hour(0.0000125, 1))
    assert funding_apr(0.0000125) == pytest.approx(0.1095)


def test_funding_interval_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        funding_per_hour(0.0001, 0)


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_long_share_in_unit_interval(ratio):
    assert 0.0 <= long_share_from_ratio(ratio) < 1.0 or ratio > 1e15


def test_parse_utc_forms():
    assert parse_utc("2024-01-01T12:00Z") == datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert parse_utc("2024-01-01") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_utc("2024-01-01T14:00+02:00") == datetime(2024, 1, 1, 12, tzinfo=UTC)
    with pytest.raises(UserInputError, match="not a timestamp"):
        parse_utc("yesterday")


def test_result_value_status_consistency():
    assert Result.of(1.0).status is Status.OK
    assert Result.missing("no data").value is None
    with pytest.raises(ValueError, match="mismatch"):
        Result(value=None, status=Status.OK)
