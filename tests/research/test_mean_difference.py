"""The two-group bootstrap the regime, macro and phase records share: the point difference, an interval around it
that narrows with the sample, and the draw order fixing only which seeded draws each group gets."""

from __future__ import annotations

import numpy as np
import pytest

from derivintel.research.mean_difference import bootstrap_mean_difference


def test_difference_and_interval():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([0.0, 1.0])
    diff, lo, hi = bootstrap_mean_difference(a, b, n_boot=2000, ci_level=0.9, seed=0)
    assert diff == pytest.approx(2.5 - 0.5)
    assert lo <= diff <= hi
    # resampled means stay within each group's range: a in [1, 4], b in [0, 1]
    assert lo >= 1.0 - 1.0
    assert hi <= 4.0 - 0.0


def test_constant_groups_have_a_point_interval():
    diff, lo, hi = bootstrap_mean_difference(np.full(5, 2.0), np.full(7, 0.5), n_boot=100, ci_level=0.9, seed=1)
    assert (diff, lo, hi) == (1.5, 1.5, 1.5)


def test_draw_order_changes_draws_not_the_point_estimate():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 40), rng.normal(0, 1, 25)
    first = bootstrap_mean_difference(a, b, n_boot=500, ci_level=0.9, seed=4)
    swapped = bootstrap_mean_difference(a, b, n_boot=500, ci_level=0.9, seed=4, draw_b_first=True)
    assert first[0] == swapped[0]
    assert first[1:] != swapped[1:]
    assert bootstrap_mean_difference(a, b, n_boot=500, ci_level=0.9, seed=4) == first  # seeded
