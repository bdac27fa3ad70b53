"""Nothing is lost when the watch cannot write: an alert is delivered even when its report cannot be saved, a state
that cannot be saved is reported, and the loop goes on (cooldowns still hold in memory)."""

from dataclasses import replace
from pathlib import Path

from derivintel.alerts.notify import AppriseTarget
from derivintel.alerts.watch import run_watch
from tests.alerts.alert_fixtures import FakeTime, webhook_receiver
from tests.alerts.test_alert_watch import config, provider


def _blocked(tmp_path: Path) -> Path:
    """A path under a regular file: no directory can be created there (holds for root too)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    return blocker / "sub"


def test_unwritable_report_dir_still_delivers_and_goes_on(tmp_path: Path) -> None:
    logs: list[str] = []
    with webhook_receiver() as rec:
        cfg = replace(config(tmp_path, [AppriseTarget(rec.url)], max_cycles=3), report_dir=_blocked(tmp_path))
        ft = FakeTime()
        outcomes = run_watch(cfg, provider, clock=ft.clock, sleep=ft.sleep, log=logs.append)
    assert [len(o.fired) for o in outcomes] == [1, 0, 1]  # loop went on; cooldown 1 h at 30-min cycles
    assert len(rec.posts) == 2  # delivered although no report file could be written
    assert "report: " not in rec.posts[0]["message"]
    kinds = [p.kind for p in outcomes[0].problems]
    assert kinds == ["report_file"]
    assert any("cannot save the report" in line and "delivering the alert without it" in line for line in logs)


def test_unwritable_state_is_reported_and_the_loop_goes_on(tmp_path: Path) -> None:
    logs: list[str] = []
    with webhook_receiver() as rec:
        cfg = replace(config(tmp_path, [AppriseTarget(rec.url)], max_cycles=2), state_path=_blocked(tmp_path) / "s")
        ft = FakeTime()
        outcomes = run_watch(cfg, provider, clock=ft.clock, sleep=ft.sleep, log=logs.append)
    assert len(outcomes) == 2
    assert len(rec.posts) == 1  # the second cycle is inside the cooldown kept in memory
    assert all(any(p.kind == "state_file" for p in o.problems) for o in outcomes)
    assert any("cannot save the alert state" in line for line in logs)
