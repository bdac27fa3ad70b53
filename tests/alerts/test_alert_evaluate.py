"""Pure evaluation: operators, crosses, distance, change, source down, cooldown and deduplication."""

import itertools
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.alerts.evaluate import evaluate, in_cooldown
from derivintel.alerts.rules import parse_rules
from derivintel.alerts.state import AlertState, RuleState
from derivintel.app.report_providers import demo_known_metrics
from tests.alerts.alert_fixtures import T0, make_report, minutes


def rules(text: str):
    return parse_rules(text, path="r.toml", known=demo_known_metrics())


def threshold_rule(op: str, threshold: str, *, metric="positioning.funding.oi_weighted_1h", cooldown="0s", extra=""):
    return rules(
        f'[[rule]]\nname = "r"\nmetric = "{metric}"\nop = "{op}"\nthreshold = {threshold}\n'
        f'cooldown = "{cooldown}"\n{extra}'
    )


def funding(value):
    return make_report({"positioning.funding.oi_weighted_1h": (value, "fraction_per_hour")})


@pytest.mark.parametrize(
    ("op", "threshold", "fires"),
    [
        (">", "0.00001", True),  # 2e-5 > 1e-5
        (">", "0.00002", False),  # strict
        (">=", "0.00002", True),
        ("<", "0.00002", False),
        ("<=", "0.00002", True),
        ("==", "0.00002", True),
        ("!=", "0.00002", False),
        ("!=", "0.00003", True),
    ],
)
def test_compare_operators(op, threshold, fires):
    fired, _ = evaluate(threshold_rule(op, threshold), funding(0.00002), AlertState(), T0)
    assert bool(fired) is fires


def test_alert_carries_rule_metric_value_threshold_asset_as_of():
    fired, state = evaluate(threshold_rule(">", "0.00001"), funding(0.00002), AlertState(), T0 + minutes(3))
    (a,) = fired
    assert (a.rule, a.asset, a.metric, a.value, a.threshold, a.unit) == (
        "r",
        "BTC",
        "positioning.funding.oi_weighted_1h",
        0.00002,
        0.00001,
        "fraction_per_hour",
    )
    assert a.report_as_of == T0
    assert a.fired_at == T0 + minutes(3)
    assert a.condition == "positioning.funding.oi_weighted_1h > 1e-05"
    assert state.get("r", "BTC") == RuleState(last_fired=T0 + minutes(3), last_value=0.00002, fire_count=1)


def test_missing_metric_never_fires_and_keeps_baseline():
    rs = threshold_rule("<", "0.001")  # a missing value must not count as zero (0 < 0.001 would fire)
    prev = AlertState().with_entry("r", "BTC", RuleState(last_value=0.5))
    for report in (make_report({}), funding(None)):
        fired, state = evaluate(rs, report, prev, T0)
        assert fired == ()
        assert state.get("r", "BTC").last_value == 0.5


def test_crosses_need_previous_value_on_the_other_side():
    up = threshold_rule("crosses_above", "0.00001")
    down = threshold_rule("crosses_below", "0.00001")
    seq = [0.000005, 0.000015, 0.00002, 0.000005, 0.00001]
    state_up = state_down = AlertState()
    fired_up, fired_down = [], []
    for i, v in enumerate(seq):
        f, state_up = evaluate(up, funding(v), state_up, T0 + minutes(i))
        fired_up.append(bool(f))
        f, state_down = evaluate(down, funding(v), state_down, T0 + minutes(i))
        fired_down.append(bool(f))
    # first value has no baseline; 5e-6 → 1.5e-5 crosses above; 2e-5 → 5e-6 crosses below; 5e-6 → 1e-5 reaches it
    assert fired_up == [False, True, False, False, True]
    assert fired_down == [False, False, False, True, False]


def test_distance_rule_by_hand():
    rs = rules('[[rule]]\nname = "d"\nkind = "distance"\nlevel = "options.gamma_flip"\nwithin = 0.01\ncooldown="0s"\n')

    def report(price, flip):
        return make_report({"price.last": (price, "usd"), "options.gamma_flip": (flip, "usd")})

    # |100 / 99 − 1| = 1/99 = 0.010101… > 0.01: quiet
    assert evaluate(rs, report(100.0, 99.0), AlertState(), T0)[0] == ()
    # |100 / 99.5 − 1| = 0.5/99.5 = 0.0050251… ≤ 0.01: fires; below the level too: |99.25 / 100 − 1| = 0.0075
    (a,) = evaluate(rs, report(100.0, 99.5), AlertState(), T0)[0]
    assert a.value == pytest.approx(0.5 / 99.5)
    assert a.threshold == 0.01
    assert a.unit == "fraction"
    (b,) = evaluate(rs, report(99.25, 100.0), AlertState(), T0)[0]
    assert b.value == pytest.approx(0.0075)
    assert evaluate(rs, report(100.0, None), AlertState(), T0)[0] == ()  # no level: never fires


def test_change_rule_fires_on_flips_only():
    rs = rules('[[rule]]\nname = "b"\nkind = "change"\nmetric = "decision.bias"\ncooldown = "0s"\n')
    into_bull = rules(
        '[[rule]]\nname = "b"\nkind = "change"\nmetric = "decision.bias"\nto = "bullish"\ncooldown = "0s"\n'
    )
    seq = ["neutral", "neutral", "bearish", None, "bearish", "bullish"]
    s1 = s2 = AlertState()
    any_change, bull = [], []
    for i, v in enumerate(seq):
        report = make_report({"decision.bias": (v, "label")})
        f, s1 = evaluate(rs, report, s1, T0 + minutes(i))
        any_change.append(bool(f))
        f, s2 = evaluate(into_bull, report, s2, T0 + minutes(i))
        bull.append(bool(f))
    # first sighting sets the baseline; a missing value (None) neither fires nor resets it
    assert any_change == [False, False, True, False, False, True]
    assert bull == [False, False, False, False, False, True]


def test_source_down_by_gap_kind_and_missing_metric():
    rs = rules(
        '[[rule]]\nname = "s"\nkind = "source_down"\nsource = "binance"\ncooldown = "0s"\n'
        '[[rule]]\nname = "m"\nkind = "source_down"\nmetric = "options.gamma_flip"\ncooldown = "0s"\n'
    )
    quiet = make_report({"options.gamma_flip": (1.0, "usd")}, gaps=(("binance-usdm/depth", "not_configured"),))
    assert evaluate(rs, quiet, AlertState(), T0)[0] == ()
    down = make_report({}, gaps=(("binance-usdm/premiumIndex", "blocked"), ("okx/books", "unavailable")))
    fired = {a.rule: a for a in evaluate(rs, down, AlertState(), T0)[0]}
    assert set(fired) == {"s", "m"}
    assert "binance-usdm/premiumIndex blocked" in fired["s"].detail
    assert "okx" not in fired["s"].detail
    assert "options.gamma_flip missing" in fired["m"].detail


def test_assets_filter_and_state_per_asset():
    rs = threshold_rule(">", "0.0", extra='assets = ["ETH"]\n')
    assert evaluate(rs, funding(1e-5), AlertState(), T0)[0] == ()  # BTC report
    eth = make_report({"positioning.funding.oi_weighted_1h": (1e-5, "fraction_per_hour")}, symbol="ETH")
    fired, state = evaluate(rs, eth, AlertState(), T0)
    assert [a.asset for a in fired] == ["ETH"]
    assert state.get("r", "BTC") == RuleState()


def test_cooldown_quiet_then_fires_again_and_previous_state_untouched():
    rs = threshold_rule(">", "0.0", cooldown="1h")
    s0 = AlertState()
    f1, s1 = evaluate(rs, funding(1e-5), s0, T0)
    f2, s2 = evaluate(rs, funding(1e-5), s1, T0 + minutes(59))
    f3, s3 = evaluate(rs, funding(1e-5), s2, T0 + minutes(60))  # exactly the cooldown: fires
    assert (len(f1), len(f2), len(f3)) == (1, 0, 1)
    assert s3.get("r", "BTC").fire_count == 2
    assert s0 == AlertState()  # evaluation is pure
    assert s1.get("r", "BTC").last_fired == T0


def test_duplicate_rules_fire_once_per_evaluation():
    (rule,) = threshold_rule(">", "0.0").rules
    fired, _ = evaluate([rule, rule], funding(1e-5), AlertState(), T0)
    assert len(fired) == 1


def test_clock_going_back_counts_as_cooldown():
    entry = RuleState(last_fired=T0)
    assert in_cooldown(entry, 60, T0 - minutes(5))
    assert not in_cooldown(RuleState(), 60, T0)


@given(
    gaps_min=st.lists(st.integers(0, 300), min_size=1, max_size=25),
    cooldown_min=st.integers(0, 240),
)
def test_cooldown_invariants(gaps_min, cooldown_min):
    """Condition always true: fires are ≥ cooldown apart, and every quiet evaluation has a fire within the
    cooldown before it (so nothing is suppressed without reason)."""
    rs = threshold_rule(">", "0.0", cooldown=f"{cooldown_min}m")
    report = funding(1e-5)
    state = AlertState()
    t = T0
    times, fire_times = [], []
    for g in gaps_min:
        t = t + minutes(g)
        fired, state = evaluate(rs, report, state, t)
        times.append(t)
        if fired:
            fire_times.append(t)
    cd = timedelta(minutes=cooldown_min)
    assert fire_times[0] == times[0]
    assert all(b - a >= cd for a, b in itertools.pairwise(fire_times))
    for t in times:
        if t not in fire_times:
            assert any(f <= t < f + cd for f in fire_times)
    assert state.get("r", "BTC").fire_count == len(fire_times)
