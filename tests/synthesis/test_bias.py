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


# --- issue 11 item 4: each piece of evidence votes once; anchored levels need a minimum of closed bars ---------

LIVE = {
    "macro.regime": "neutral",
    "positioning.quadrant": "new_longs",
    "positioning.funding_zscore": 0.4,
    "positioning.cvd_perp_24h_usd": 2.5e7,
    "structure.price_vs_avwap_quarter": 0.012,
    "options.rr25": -0.01,
}


def test_market_phase_is_not_a_second_vote_on_its_own_evidence():
    # The phase is built from the quarterly AVWAP side, funding and CVD, which vote directly: giving it too must not
    # change the call or add a vote.
    from derivintel.synthesis.bias import DEFAULT_BIAS_RULES

    assert "structure.phase" not in {r.signal for r in DEFAULT_BIAS_RULES}
    base = decide_bias({**LIVE, "structure.avwap_quarter_bars": 40}).value
    with_phase = decide_bias({**LIVE, "structure.avwap_quarter_bars": 40, "structure.phase": "markup"}).value
    assert with_phase.score == base.score
    assert [v.signal for v in with_phase.votes] == [v.signal for v in base.votes]
    signals = [v.signal for v in base.votes]
    assert len(signals) == len(set(signals))  # one row per piece of evidence


def test_quarter_avwap_votes_only_after_the_minimum_of_closed_bars():
    from derivintel.synthesis.bias import QUARTER_AVWAP_MIN_BARS

    # 2026-04-01T04:00Z: one 4h bar has closed since the quarter's anchor; "above its AVWAP" is one bar's typical price
    early = decide_bias({**LIVE, "structure.avwap_quarter_bars": 1})
    assert "structure.price_vs_avwap_quarter" in early.value.missing
    assert "structure.price_vs_avwap_quarter" not in [v.signal for v in early.value.votes]
    assert any("1 structure.avwap_quarter_bars < 6" in r for r in early.reasons)
    ready = decide_bias({**LIVE, "structure.avwap_quarter_bars": QUARTER_AVWAP_MIN_BARS}).value
    vote = next(v for v in ready.votes if v.signal == "structure.price_vs_avwap_quarter")
    assert vote.vote == 1.0
    assert vote.value == 0.012
    # the bar count itself is missing → the AVWAP evidence is missing, never counted
    assert "structure.price_vs_avwap_quarter" in decide_bias(LIVE).value.missing


def test_votes_carry_their_readings_including_abstentions():
    call = decide_bias({**LIVE, "structure.avwap_quarter_bars": 40}).value
    by = {v.signal: v for v in call.votes}
    assert by["positioning.funding_zscore"].value == 0.4
    assert by["positioning.funding_zscore"].vote == 0.0
    assert by["positioning.cvd_perp_24h_usd"].value == 2.5e7
    assert by["positioning.cvd_perp_24h_usd"].vote == 0.5


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["risk_on", "risk_off", "neutral", None]),
            st.one_of(st.none(), st.floats(-4, 4)),
            st.one_of(st.none(), st.floats(-0.2, 0.2)),
            st.one_of(st.none(), st.integers(0, 12)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_vectorised_series_equals_the_live_call_row_by_row(rows):
    import numpy as np

    from derivintel.synthesis.bias import bias_series

    cols = {
        "macro.regime": np.array([r[0] for r in rows], dtype=object),
        "positioning.funding_zscore": np.array([np.nan if r[1] is None else r[1] for r in rows]),
        "structure.price_vs_avwap_quarter": np.array([np.nan if r[2] is None else r[2] for r in rows]),
        "structure.avwap_quarter_bars": np.array([np.nan if r[3] is None else r[3] for r in rows]),
    }
    series = bias_series(cols)
    for i, r in enumerate(rows):
        live = decide_bias(
            {
                "macro.regime": r[0],
                "positioning.funding_zscore": r[1],
                "structure.price_vs_avwap_quarter": r[2],
                "structure.avwap_quarter_bars": r[3],
            }
        )
        if live.value is None:
            assert series.label[i] is None
        else:
            assert series.label[i] == live.value.bias
            assert series.score[i] == pytest.approx(live.value.score)
