"""first_order_filter: the recurrence itself, and output bit-identical to scipy.signal.lfilter (where installed)."""

import numpy as np
import pytest

from derivintel.core.recursive_filter import first_order_filter


def test_recurrence_by_hand():
    y = first_order_filter(np.array([1.0, 2.0, -4.0]), gain=0.5, phi=0.25, initial=8.0)
    # y0 = 0.25·8 + 0.5·1 = 2.5; y1 = 0.25·2.5 + 0.5·2 = 1.625; y2 = 0.25·1.625 + 0.5·(−4) = −1.59375 (exact in binary)
    assert y.tolist() == [2.5, 1.625, -1.59375]


def test_empty_input():
    assert first_order_filter(np.zeros(0), 1.0, 0.9).shape == (0,)


@pytest.mark.parametrize("n", [1, 2, 17, 5000])
@pytest.mark.parametrize(("gain", "phi"), [(1.0, 0.99), (0.0123, 0.5 ** (1 / 48)), (2.5, -0.3), (1 / 14, 1 - 1 / 14)])
def test_identical_to_lfilter(n, gain, phi):
    signal = pytest.importorskip("scipy.signal")
    x = np.random.default_rng(n).standard_normal(n) * 100.0
    assert np.array_equal(first_order_filter(x, gain, phi), signal.lfilter([gain], [1.0, -phi], x))


def test_identical_to_lfilter_with_initial_state_as_wilder_atr_uses_it():
    signal = pytest.importorskip("scipy.signal")
    a, seed = 1.0 / 14, 1234.5678
    tr = np.abs(np.random.default_rng(3).standard_normal(1000)) * 50.0
    expected, _ = signal.lfilter([a], [1.0, a - 1.0], tr, zi=[(1.0 - a) * seed])
    assert np.array_equal(first_order_filter(tr, a, 1.0 - a, seed), expected)
