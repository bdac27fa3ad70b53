"""The watch loop against a real local webhook receiver (apprise ``json://``), with an injected clock."""

import json
import subprocess
import sys
from pathlib import Path

from derivintel.alerts.notify import AppriseTarget
from derivintel.alerts.rules import parse_rules
from derivintel.alerts.state import load_state
from derivintel.alerts.watch import WatchConfig, run_watch
from derivintel.app.report_providers import demo_known_metrics
from derivintel.core.errors import NoPriceSourceError
from tests.alerts.alert_fixtures import T0, FakeTime, closed_port_url, make_report, minutes, webhook_receiver

ROOT = Path(__file__).resolve().parents[2]
RULES = (
    '[[rule]]\nname = "funding-hot"\nmetric = "positioning.funding.oi_weighted_1h"\nop = ">"\n'
    'threshold = 0.00001\ncooldown = "1h"\nseverity = "critical"\n'
)


def provider(symbol, now):
    # funding 2e-5 per hour > 1e-5: the rule's condition holds on every cycle
    return make_report(
        {"positioning.funding.oi_weighted_1h": (0.00002, "fraction_per_hour")}, symbol=symbol, as_of=now - minutes(1)
    )


def config(tmp_path, targets, *, every_s=1800, max_cycles=4, retries=3):
    return WatchConfig(
        symbols=("BTC",),
        rules=parse_rules(RULES, path="r.toml", known=demo_known_metrics()),
        every_s=every_s,
        state_path=tmp_path / "state.json",
        report_dir=tmp_path / "reports",
        targets=tuple(targets),
        max_cycles=max_cycles,
        retries=retries,
        backoff_s=0.5,
    )


def test_fires_once_quiet_during_cooldown_fires_again_after(tmp_path):
    with webhook_receiver() as rec:
        ft = FakeTime()
        cfg = config(tmp_path, [AppriseTarget(rec.url)], every_s=1800, max_cycles=4)
        outcomes = run_watch(cfg, provider, clock=ft.clock, sleep=ft.sleep)
    # cycles at +0, +30, +60, +90 min; cooldown 1 h → fires at +0 and +60
    assert [o.at for o in outcomes] == [T0 + minutes(m) for m in (0, 30, 60, 90)]
    assert [len(o.fired) for o in outcomes] == [1, 0, 1, 0]
    assert ft.sleeps == [1800.0, 1800.0, 1800.0]
    assert len(rec.posts) == 2
    post = rec.posts[0]
    assert post["title"] == "[CRITICAL] BTC: funding-hot"
    body = post["message"]
    assert "positioning.funding.oi_weighted_1h > 1e-05" in body
    assert "value 2e-05 (fraction_per_hour) | threshold 1e-05" in body
    assert "report as of 2026-03-14 04:59 UTC" in body
    report_line = next(ln for ln in body.splitlines() if ln.startswith("report: "))
    report_file = Path(report_line.removeprefix("report: "))
    assert report_file.parent == tmp_path / "reports"
    assert report_file.name == "BTC-20260314T0459Z.md"
    assert "BTC" in report_file.read_text()
    state = load_state(tmp_path / "state.json")
    assert state.get("funding-hot", "BTC").fire_count == 2
    assert state.get("funding-hot", "BTC").last_fired == T0 + minutes(60)


def test_restart_loads_state_and_does_not_resend(tmp_path):
    with webhook_receiver() as rec:
        first = run_watch(config(tmp_path, [AppriseTarget(rec.url)], max_cycles=1), provider, clock=FakeTime().clock)
        assert len(first[0].fired) == 1
        # a new loop (fresh objects, state only from disk) 20 minutes later: still in cooldown
        later = FakeTime(T0 + minutes(20))
        second = run_watch(config(tmp_path, [AppriseTarget(rec.url)], max_cycles=1), provider, clock=later.clock)
        assert second[0].fired == ()
        assert len(rec.posts) == 1


CHECK_SCRIPT = """
import sys, typer
from derivintel.app.alerts_cmd import check
app = typer.Typer()
app.command()(check)
app.command("noop")(lambda: None)
rc = typer.main.get_command(app).main(args=["check", *sys.argv[1:]], standalone_mode=False)
sys.exit(rc if isinstance(rc, int) else 0)
"""


def test_restart_in_a_new_process_does_not_resend(tmp_path):
    """Two separate processes running ``check --demo``: the second finds the alert in cooldown in the state file."""
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "price-up"\nmetric = "price.last"\nop = ">"\nthreshold = 1e3\ncooldown = "1h"')
    with webhook_receiver() as rec:
        args = ["BTC", "--rules", str(rules), "--demo", "--state", str(tmp_path / "s.json"), "--notify", rec.url, "-q"]
        runs = [
            subprocess.run([sys.executable, "-c", CHECK_SCRIPT, *args], cwd=ROOT, capture_output=True, text=True)
            for _ in range(2)
        ]
    assert [r.returncode for r in runs] == [1, 0], [r.stderr for r in runs]
    assert len(rec.posts) == 1
    assert "ALERT [WARNING] BTC: price-up" in runs[0].stdout
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["entries"]["price-up|BTC"]["fire_count"] == 1


def test_receiver_down_is_retried_reported_and_loop_continues(tmp_path):
    down = closed_port_url()
    with webhook_receiver() as rec:
        ft = FakeTime()
        logs: list[str] = []
        cfg = config(tmp_path, [AppriseTarget(down), AppriseTarget(rec.url)], every_s=3600, max_cycles=2)
        outcomes = run_watch(cfg, provider, clock=ft.clock, sleep=ft.sleep, log=logs.append)
    assert len(outcomes) == 2  # the second cycle ran
    assert [len(o.fired) for o in outcomes] == [1, 1]  # cooldown 1 h, cycles 1 h (+ backoff) apart
    # 3 attempts per failing delivery: waits 0.5 s and 1 s between them (backoff 0.5 × 2^k)
    assert ft.sleeps[:2] == [0.5, 1.0]
    first = outcomes[0]
    failed = [d for d in first.deliveries if not d.ok]
    assert [(d.target, d.attempts) for d in failed] == [(down.split("/hook")[0], 3)]
    assert "Connection error" in (failed[0].error or "")
    assert len(rec.posts) == 2  # the healthy receiver got both alerts
    problems = load_state(tmp_path / "state.json").problems
    assert [(p.kind, p.rule, p.attempts) for p in problems] == [("delivery", "funding-hot", 3)] * 2
    assert any("delivery to json://127.0.0.1" in m and "failed (3 attempts)" in m for m in logs)


def test_receiver_recovering_within_retries_delivers(tmp_path):
    with webhook_receiver(fail_first=2) as rec:
        ft = FakeTime()
        cfg = config(tmp_path, [AppriseTarget(rec.url)], max_cycles=1)
        outcomes = run_watch(cfg, provider, clock=ft.clock, sleep=ft.sleep)
    (d,) = outcomes[0].deliveries
    assert (d.ok, d.attempts) == (True, 3)
    assert rec.attempts == 3
    assert len(rec.posts) == 1
    assert load_state(tmp_path / "state.json").problems == ()


def test_report_failure_is_recorded_and_next_symbol_and_cycle_run(tmp_path):
    def flaky(symbol, now):
        if symbol == "ETH":
            raise NoPriceSourceError("no price source answered")
        return provider(symbol, now)

    cfg = WatchConfig(
        symbols=("ETH", "BTC"),
        rules=parse_rules(RULES, path="r.toml", known=demo_known_metrics()),
        every_s=60,
        state_path=tmp_path / "state.json",
        report_dir=tmp_path / "reports",
        targets=(),
        max_cycles=2,
    )
    ft = FakeTime()
    outcomes = run_watch(cfg, flaky, clock=ft.clock, sleep=ft.sleep)
    assert [o.reports_built for o in outcomes] == [("BTC",), ("BTC",)]
    assert [p.kind for o in outcomes for p in o.problems] == ["report", "report"]
    assert "no price source answered" in outcomes[0].problems[0].error
