"""The phase call's record: group means, the difference and its interval on hand calls; too few calls in a group
gives no difference, and no call gives no record."""

from __future__ import annotations

import pytest

from derivintel.research.phase_record import MIN_PER_GROUP, PhaseCall, phase_record


def calls(pairs: list[tuple[str, float]]) -> list[PhaseCall]:
    return [PhaseCall(1_767_571_200_000 + i * 7 * 86_400_000, p, r) for i, (p, r) in enumerate(pairs)]


def test_group_means_difference_and_interval():
    data = [("markup", 0.02), ("accumulation", 0.01)] * 5 + [("markdown", -0.01), ("distribution", 0.0)] * 5
    rec = phase_record(calls(data), n_boot=500).value
    assert (rec.n_up, rec.n_down) == (10, 10)
    assert rec.mean_return_up == pytest.approx(0.015)
    assert rec.mean_return_down == pytest.approx(-0.005)
    assert rec.difference == pytest.approx(0.02)
    assert rec.ci_low <= rec.difference <= rec.ci_high
    assert rec.ci_low > 0  # every up week beat every down week
    assert rec.n_by_phase == {"accumulation": 5, "markup": 5, "distribution": 5, "markdown": 5}
    assert rec.hit_rate == pytest.approx((10 + 5) / 20)  # up weeks > 0: 10; down weeks < 0: 5 (0.0 is not down)
    assert rec.base_mean_return == pytest.approx(0.005)
    assert rec.first_call == "2026-01-05"


def test_too_few_in_a_group_gives_no_difference():
    data = [("markup", 0.01)] * 10 + [("markdown", -0.01)] * (MIN_PER_GROUP - 1)
    res = phase_record(calls(data))
    assert res.value.difference is None
    assert res.value.ci_low is None
    assert any("fewer than" in r for r in res.reasons)


def test_no_call_no_record():
    res = phase_record([])
    assert res.value is None
    assert res.reasons[0].startswith("no measured record")
