"""``kind = "scan"`` rules: parsed and checked like the others, evaluated over a scan's asset rows only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.alerts.evaluate import evaluate, evaluate_scan
from derivintel.alerts.rules import RuleKind, RulesError, parse_rules
from derivintel.alerts.state import AlertState
from derivintel.analytics.scanner import ScanHistory, scan_market
from derivintel.app.cli import main
from derivintel.app.report_providers import demo_known_metrics
from derivintel.core.provenance import Source
from derivintel.domain.perp import FundingKind
from derivintel.domain.scan import PerpTicker, ScanUniverse

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RULE = """
[[rule]]
name = "hot"
kind = "scan"
metric = "funding_z"
op = ">="
threshold = 3
cooldown = "1h"
"""


def _ticker(asset: str, rate_1h: float) -> PerpTicker:
    src = Source("v", "bulk", NOW, NOW)
    return PerpTicker("v", asset, asset, 1.0, 1.0, rate_1h, 1.0, FundingKind.PREDICTED, None, 10.0, 1.0, src)


def _scan():
    universe = ScanUniverse((_ticker("HOT", 5e-5), _ticker("CALM", 1e-5), _ticker("NEW", 9e-5)), ("v",))
    usual = np.array([1e-5, 2e-5] * 10)  # mean 1.5e-5, sample std 5.13e-6
    history = ScanHistory(funding_1h={("v", "HOT"): usual, ("v", "CALM"): usual}, store="s")  # NEW: no history
    return scan_market(universe, as_of=NOW, history=history)


def test_scan_rule_parses_and_is_checked():
    (rule,) = parse_rules(RULE, known=demo_known_metrics()).rules
    assert rule.kind is RuleKind.SCAN
    assert (rule.metric, rule.op, rule.threshold) == ("funding_z", ">=", 3.0)
    with pytest.raises(RulesError, match="did you mean 'funding_z'"):
        parse_rules(RULE.replace('"funding_z"', '"funding_zz"'), known=demo_known_metrics())
    with pytest.raises(RulesError, match="fraction per hour"):
        parse_rules(RULE.replace('"funding_z"', '"funding_1h"'), known=demo_known_metrics())  # 3 = 300 %/h
    with pytest.raises(RulesError, match="bad operator"):
        parse_rules(RULE.replace('">="', '"crosses_above"'), known=demo_known_metrics())


def test_fires_per_coin_meeting_the_condition_with_cooldown():
    rules = parse_rules(RULE, known=demo_known_metrics())
    scan = _scan()
    hot = scan.asset("HOT")
    assert hot.funding_z == pytest.approx((5e-5 - 1.5e-5) / np.std([1e-5, 2e-5] * 10, ddof=1))
    fired, state = evaluate_scan(rules, scan, AlertState(), NOW)
    assert [a.asset for a in fired] == ["HOT"]  # CALM is below 3; NEW has no history: missing never fires
    assert fired[0].metric == "scan.funding_z"
    assert fired[0].unit == "zscore"
    again, _ = evaluate_scan(rules, scan, state, NOW + timedelta(minutes=30))
    assert again == ()  # cooldown 1h
    later, _ = evaluate_scan(rules, scan, state, NOW + timedelta(hours=2))
    assert [a.asset for a in later] == ["HOT"]


def test_report_evaluation_skips_scan_rules():
    from derivintel.app.report_providers import demo_provider

    rules = parse_rules(RULE, known=demo_known_metrics())
    fired, state = evaluate(rules, demo_provider()("BTC"), AlertState(), NOW)
    assert fired == ()
    assert state == AlertState()


def test_scan_cli_exit_1_when_a_scan_rule_fires(tmp_path, capsys):
    path = tmp_path / "rules.toml"
    path.write_text(RULE.replace("threshold = 3", "threshold = 3\nassets = []"))
    assert main(["scan", "--demo", "--rules", str(path)]) == 1  # the demo's WIF funding z is far above 3
    assert "scan-funding" not in capsys.readouterr().err
    path.write_text(RULE.replace("threshold = 3", "threshold = 50"))
    assert main(["scan", "--demo", "--rules", str(path)]) == 0
    report_only = tmp_path / "report.toml"
    report_only.write_text('[[rule]]\nname = "x"\nmetric = "price.last"\nop = ">"\nthreshold = 1\n')
    assert main(["scan", "--demo", "--rules", str(report_only)]) == 2


def test_scan_rules_cooldown_holds_across_runs_with_a_state_file(tmp_path, capsys):
    path = tmp_path / "rules.toml"
    path.write_text(RULE.replace("threshold = 3", "threshold = 3\nassets = []"))
    state = tmp_path / "state" / "scan-alerts.json"
    argv = ["scan", "--demo", "--rules", str(path), "--state", str(state)]
    assert main(argv) == 1  # WIF fires
    assert state.exists()
    assert main(argv) == 0  # within the 1h cooldown: quiet
    capsys.readouterr()
    assert main(["scan", "--demo", "--state", str(state)]) == 2
    assert "go with --rules" in capsys.readouterr().err
