"""Rules file parsing and validation: errors name the file, the line and the problem."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.alerts.rules import (
    RuleKind,
    RulesError,
    Severity,
    load_rules,
    normalise_key,
    parse_duration,
    parse_rules,
)
from derivintel.app.report_providers import demo_known_metrics
from derivintel.core.errors import UserInputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rules.toml"


def parse(text: str):
    return parse_rules(text, path="r.toml", known=demo_known_metrics())


def error_of(text: str) -> str:
    with pytest.raises(RulesError) as exc:
        parse(text)
    return str(exc.value)


def test_example_file_parses_with_header_lines():
    text = EXAMPLE.read_text()
    rules = load_rules(EXAMPLE, known=demo_known_metrics()).rules
    header_lines = [i for i, ln in enumerate(text.splitlines(), start=1) if ln.strip() == "[[rule]]"]
    assert [r.line for r in rules] == header_lines
    kinds = {r.kind for r in rules}
    assert kinds == set(RuleKind)  # the example shows every kind
    by_name = {r.name: r for r in rules}
    # defaults apply unless overridden: cooldown 4h = 14400 s; 30m = 1800 s
    assert by_name["funding-extreme-short"].cooldown_s == 14_400
    assert by_name["bias-flip"].cooldown_s == 1_800
    assert by_name["funding-extreme-long"].severity is Severity.CRITICAL
    assert by_name["btc-crosses-below-60k"].assets == ("BTC",)
    assert by_name["price-near-long-liq-cluster"].metric == "price.last"  # distance default metric


def test_unknown_metric_key_names_line_and_suggests():
    text = '[[rule]]\nname = "a"\nmetric = "price.lst"\nop = ">"\nthreshold = 1.0\n'
    msg = error_of(text)
    assert msg.startswith("r.toml:3: rule 'a': unknown metric key 'price.lst'")
    assert "did you mean 'price.last'" in msg


def test_error_line_is_inside_the_right_rule():
    good = '[[rule]]\nname = "ok"\nmetric = "price.last"\nop = ">"\nthreshold = 1.0\n\n'
    bad = '[[rule]]\nname = "bad"\nmetric = "price.last"\nop = "=>"\nthreshold = 1.0\n'
    msg = error_of(good + bad)
    # lines: 1-5 first rule, 6 blank, 7 header, 8 name, 9 metric, 10 op
    assert msg.startswith("r.toml:10: rule 'bad': bad operator '=>'")
    assert "crosses_above" in msg


def test_bad_duration_in_rule_and_in_defaults():
    msg = error_of('[[rule]]\nname = "a"\nmetric = "price.last"\nop = ">"\nthreshold = 1.0\ncooldown = "4 hours"\n')
    assert msg.startswith("r.toml:6: rule 'a': bad duration '4 hours'")
    msg = error_of('[defaults]\ncooldown = 30\n\n[[rule]]\nname = "a"\nmetric = "price.last"\nop = ">"\nthreshold = 1')
    assert msg.startswith("r.toml:2: rule 'a': bad duration 30")


def test_toml_syntax_error_names_line():
    msg = error_of('[[rule]]\nname = "a"\nmetric = "price.last"\nop = >\n')
    assert msg.startswith("r.toml:4: TOML syntax error:")


def test_bad_threshold_type_says_units():
    msg = error_of('[[rule]]\nname = "a"\nmetric = "positioning.oi.change_24h_pct"\nop = "<"\nthreshold = "-5%"\n')
    assert msg.startswith("r.toml:5: rule 'a': threshold must be a number in the metric's own units (fraction;")
    assert "not percent" in msg


def test_percent_looking_threshold_is_rejected_for_bounded_units():
    msg = error_of('[[rule]]\nname = "a"\nmetric = "macro.btc_dominance"\nop = ">"\nthreshold = 55\n')
    assert msg.startswith("r.toml:5:")
    assert "55 % is 0.55" in msg
    msg = error_of('[[rule]]\nname = "f"\nmetric = "positioning.funding.oi_weighted_1h"\nop = ">"\nthreshold = 0.05\n')
    assert "fraction per hour" in msg


def test_label_metrics_need_equality_and_strings():
    msg = error_of('[[rule]]\nname = "a"\nmetric = "decision.bias"\nop = ">"\nthreshold = "bearish"\n')
    assert "operator '>' needs a numeric metric" in msg
    rules = parse('[[rule]]\nname = "a"\nmetric = "decision.bias"\nop = "=="\nthreshold = "bearish"\n').rules
    assert rules[0].threshold == "bearish"


def test_dynamic_keys_accepted_and_unknown_suffix_rejected():
    text = "".join(
        f'[[rule]]\nname = "r{i}"\nmetric = "{key}"\nop = ">"\nthreshold = 0.0\n'
        for i, key in enumerate(
            [
                "positioning.venue.deribit.funding_1h",
                "options.expiry.20270625.net_gex_usd_per_1pct",
                "tactical.sol.change_24h",
                "liquidity.stops.below_7",
            ]
        )
    )
    assert len(parse(text).rules) == 4
    assert "unknown metric key 'positioning.venue.deribit.funding_8h'" in error_of(
        '[[rule]]\nname = "a"\nmetric = "positioning.venue.deribit.funding_8h"\nop = ">"\nthreshold = 0.0\n'
    )


def test_normalise_key_placeholders():
    assert normalise_key("options.expiry.20260327.rr25") == "options.expiry.<yyyymmdd>.rr25"
    assert normalise_key("liquidity.stops.above_2_usd") == "liquidity.stops.above_<n>_usd"
    assert normalise_key("price.last") == "price.last"


def test_structural_errors():
    assert "r.toml:1: no rules" in error_of("[defaults]\ncooldown = '1h'\n")
    assert "duplicate rule name 'a' (first defined at line 1)" in error_of(
        '[[rule]]\nname = "a"\nmetric = "price.last"\nop = ">"\nthreshold = 1\n'
        '[[rule]]\nname = "a"\nmetric = "price.last"\nop = "<"\nthreshold = 1\n'
    )
    assert error_of('[[rule]]\nname = "a"\nkind = "sometimes"\n').startswith("r.toml:3: rule 'a': bad kind")
    assert "'within' must be a fraction" in error_of(
        '[[rule]]\nname = "a"\nkind = "distance"\nlevel = "options.gamma_flip"\nwithin = 1.5\n'
    )
    assert "distance rules compare USD price levels" in error_of(
        '[[rule]]\nname = "a"\nkind = "distance"\nlevel = "decision.bias"\nwithin = 0.01\n'
    )
    assert "source_down rule needs 'source'" in error_of('[[rule]]\nname = "a"\nkind = "source_down"\n')
    bad_asset = '[[rule]]\nname = "a"\nmetric = "price.last"\nop = ">"\nthreshold = 1\nassets = ["FOO"]\n'
    assert error_of(bad_asset).startswith("r.toml:6: rule 'a': unknown symbol 'FOO'")
    assert error_of('[[rule]]\nname = "a"\nmetric = "price.last"\nop = ">"\nthreshold = 1\ncolor = 1\n').startswith(
        "r.toml:6: rule 'a': unknown field 'color'"
    )


def test_rules_error_is_a_user_input_error(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(UserInputError, match=r"nope.toml: cannot read rules file"):
        load_rules(missing, known=demo_known_metrics())


@given(st.lists(st.tuples(st.integers(0, 500), st.sampled_from("smhdw")), min_size=1, max_size=4))
def test_parse_duration_sums_parts(parts):
    text = "".join(f"{n}{u}" for n, u in parts)
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
    assert parse_duration(text) == sum(n * scale[u] for n, u in parts)


@pytest.mark.parametrize("bad", ["", "4", "h", "4 h", "-1h", "1.5h", "4hours", 30, None])
def test_parse_duration_rejects(bad):
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration(bad)


def test_rule_assets_are_checked_against_the_universe_the_app_loaded():
    """A rule scoped to a listed coin (PEPE, in bundles on Binance) is accepted when the instrument universe lists
    it, and refused with "did you mean" against the same universe otherwise."""
    from derivintel.domain.universe import Listing, Universe

    listed = Universe(
        (Listing("binance-usdm", "PEPE", "1000PEPEUSDT", "USDT", unit_multiplier=1000.0),),
        covered=frozenset({"binance-usdm"}),
    )
    text = '[[rule]]\nname = "a"\nmetric = "price.last"\nop = ">"\nthreshold = 1\nassets = ["1000PEPEUSDT"]\n'
    rules = parse_rules(text, path="r.toml", known=demo_known_metrics(), universe=listed).rules
    assert rules[0].assets == ("PEPE",)
    assert error_of(text).startswith("r.toml:6: rule 'a': unknown symbol")  # the built-in six do not list it
    typo = text.replace("1000PEPEUSDT", "PEEP")
    with pytest.raises(RulesError, match="did you mean PEPE"):
        parse_rules(typo, path="r.toml", known=demo_known_metrics(), universe=listed)


def test_one_model_per_rule_kind_refuses_the_fields_of_the_others():
    """Every kind has its model (``rule_models.MODELS``); a field another kind takes is refused at its own line."""
    from derivintel.alerts.rule_models import MODELS

    assert set(MODELS) == {k.value for k in RuleKind}
    text = '[[rule]]\nname = "a"\nkind = "change"\nmetric = "decision.bias"\nwithin = 0.01\n'
    assert error_of(text) == "r.toml:5: rule 'a': field 'within' does not apply to a change rule"
    # a common field's problem comes before a kind field's, whatever the order in the file
    both = '[[rule]]\nname = "a"\nmetric = "price.lst"\nop = ">"\nthreshold = 1\nseverity = "loud"\n'
    assert error_of(both).startswith("r.toml:6: rule 'a': bad severity 'loud'")
