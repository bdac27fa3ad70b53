"""Property tests of the strict payload readers shared by every parser."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.core.errors import BadPayloadError
from derivintel.sources.payload import Where, columns, load_json, spacing_intervals_hours, to_float

W = Where("test", "dataset")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_to_float_accepts_exactly_the_finite_numbers(x: float) -> None:
    for value in (x, repr(x)):
        if math.isfinite(x):
            assert to_float(value, W, "x") == x
        else:
            with pytest.raises(BadPayloadError):
                to_float(value, W, "x")


@pytest.mark.parametrize("value", [None, "", "NaN", "nan", "abc", True, [], {}])
def test_to_float_rejects_non_numbers(value: object) -> None:
    with pytest.raises(BadPayloadError, match="test/dataset"):
        to_float(value, W, "x")


@given(st.text(max_size=40))
def test_load_json_raises_only_bad_payload(text: str) -> None:
    with contextlib.suppress(BadPayloadError):
        load_json(text.encode(), W)


@given(st.lists(st.integers(1, 10**13), min_size=1, max_size=40, unique=True), st.randoms())
def test_columns_sorts_any_order(ts: list[int], rnd) -> None:
    shuffled = ts[:]
    rnd.shuffle(shuffled)
    ts64, values = columns([float(t) for t in shuffled], shuffled, W)
    assert np.all(np.diff(ts64.astype(np.int64)) > 0)
    np.testing.assert_array_equal(values[:, 0], ts64.astype(np.int64).astype(float))  # rows travel with their ts


def test_columns_rejects_duplicates() -> None:
    with pytest.raises(BadPayloadError, match="duplicate"):
        columns([1.0, 2.0], [5, 5], W)


@given(st.lists(st.sampled_from([1, 2, 3, 8, 24]), max_size=30))
def test_spacing_intervals_only_allowed_values(steps: list[int]) -> None:
    ts = np.cumsum([1_700_000_000_000, *[h * 3_600_000 for h in steps]])
    out = spacing_intervals_hours(ts, (1.0, 8.0), 1.0)
    assert len(out) == len(ts)
    assert set(out.tolist()) <= {1.0, 8.0}


def test_spacing_intervals_regime_change() -> None:
    h = 3_600_000
    ts = [0, 8 * h, 16 * h, 17 * h, 18 * h, 20 * h]  # 8h, 8h, then hourly with one missed settlement
    assert spacing_intervals_hours(ts, (1.0, 8.0), 1.0).tolist() == [8, 8, 8, 1, 1, 1]
