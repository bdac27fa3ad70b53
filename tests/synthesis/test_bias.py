import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.core.result import Status
from derivintel.synthesis.bias import decide_bias
from derivintel.synthesis.rules import CategoryRule, ThresholdRule

RULES = (
    CategoryRule("regime", {"risk_on": 1.0, "risk_off": -1.0}, weight=1.0),
    ThresholdRule("z", ">=", 2.0, -1.0, weight=2.0),
    ThresholdRule("z", "<=", -2.0, 1.0, weight=2.0),
)


def test_hand_computed_score():
    # regime risk_off votes -1 (w=1); z=2.5 fires the >=2 rule: -1 (w=2). score = (-1*1 + -1*2)/3 = -1.
    call = decide_bias({"regime": "risk_off", "z": 2.5}, RULES).value
    assert call.score == pytest.approx(-1.0)
    assert call.bias == "bearish"
    # z=0 fires nothing: score = (-1*1 + 0*2)/3 = -1/3 -> bearish at threshold 0.2
    call = decide_bias({"regime": "risk_off", "z": 0.0}, RULES).value
    assert call.score == pytest.approx(-1 / 3)
    # risk_on with z=-3: (1 + 2)/3 = 1
    assert decide_bias({"regime": "risk_on", "z": -3.0}, RULES).value.bias == "bullish"


def test_missing_signal_is_excluded_not_neutral():
    # Only z present (weight 2 of 3 → coverage 2/3): score = -1, not diluted by the missing regime.
    result = decide_bias({"regime": None, "z": 2.5}, RULES)
    assert result.status is Status.PARTIAL
    assert result.value.score == pytest.approx(-1.0)
    assert result.value.missing == ("regime",)


def test_too_little_coverage_gives_no_call():
    result = decide_bias({"regime": "risk_on"}, RULES, min_coverage=0.5)
    assert result.status is Status.INSUFFICIENT_DATA
    assert "z" in result.reasons[0]


@given(st.sampled_from(["risk_on", "risk_off", "neutral"]), st.floats(-10, 10))
def test_score_bounded(regime, z):
    assert -1.0 <= decide_bias({"regime": regime, "z": z}, RULES).value.score <= 1.0


def test_unknown_operator_rejected():
    with pytest.raises(ValueError, match="operator"):
        ThresholdRule("z", "=>", 1.0, 1.0)
