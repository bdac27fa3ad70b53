"""Formatting of metric values by unit: signs, caps and missing values."""

from __future__ import annotations

import math

import pytest

from derivintel.report.format import MISSING, format_value


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1.2345, "ratio", "1.23"),
        (100.0, "ratio", "100.00"),
        (1812.19, "ratio", ">100"),  # an asymmetry of 1812.19 printed in full reads as noise
        (-0.0123, "fraction", "-1.23%"),
        (0.0123, "fraction", "+1.23%"),
        (None, "ratio", MISSING),
        (math.nan, "usd", MISSING),
    ],
)
def test_format_value(value, unit, text) -> None:
    assert format_value(value, unit) == text
