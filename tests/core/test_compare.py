import numpy as np
import pytest

from derivintel.core.compare import COMPARISONS, INEQUALITIES, comparison


def test_operators_on_scalars_and_arrays():
    assert comparison(">=")(2, 2)
    assert not comparison("<")(2, 2)
    assert comparison("!=")("a", "b")
    assert list(comparison(">")(np.array([1.0, 3.0]), 2.0)) == [False, True]


def test_unknown_or_disallowed_operator_names_the_allowed_ones():
    with pytest.raises(ValueError, match="expected one of"):
        comparison("=>")
    with pytest.raises(ValueError, match=r"unknown operator '=='"):
        comparison("==", INEQUALITIES)
    assert set(INEQUALITIES) < set(COMPARISONS)
