"""State persistence (atomic JSON) and message formatting / retry of notifications."""

import io
import json
import os
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.alerts.evaluate import Alert
from derivintel.alerts.notify import ConsoleTarget, DeliveryError, deliver, format_alert, redact_url
from derivintel.alerts.rules import Severity
from derivintel.alerts.state import AlertState, Problem, RuleState, load_state, save_state
from derivintel.core.errors import UserInputError
from tests.alerts.alert_fixtures import T0, minutes

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**9), 10**9), st.floats(allow_nan=False, allow_infinity=False), st.text()
)


@given(
    entries=st.dictionaries(
        st.tuples(st.from_regex(r"[a-z][a-z0-9\-]{0,10}", fullmatch=True), st.sampled_from(["BTC", "ETH"])),
        st.tuples(st.none() | st.integers(0, 10**6), scalars, st.integers(0, 50)),
        max_size=5,
    )
)
def test_state_round_trips_through_disk(tmp_path_factory, entries):
    path = tmp_path_factory.mktemp("s") / "state.json"
    state = AlertState()
    for (rule, asset), (secs, value, count) in entries.items():
        fired = None if secs is None else T0 + timedelta(seconds=secs)
        state = state.with_entry(rule, asset, RuleState(last_fired=fired, last_value=value, fire_count=count))
    state = state.with_problems((Problem(at=T0, kind="delivery", target="json://h", error="down", rule="r"),))
    save_state(state, path)
    loaded = load_state(path)
    assert dict(loaded.entries) == dict(state.entries)
    assert loaded.problems == state.problems


def test_missing_state_is_empty_and_corrupt_state_is_a_user_error(tmp_path):
    assert load_state(tmp_path / "none.json") == AlertState()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(UserInputError, match=r"bad.json: alert state file is corrupt"):
        load_state(bad)


def test_atomic_write_keeps_old_file_when_replace_fails(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    save_state(AlertState().with_entry("a", "BTC", RuleState(fire_count=1)), path)
    before = path.read_text()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save_state(AlertState(), path)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]  # no temp file left behind
    assert json.loads(before)["entries"]["a|BTC"]["fire_count"] == 1


def test_problems_are_bounded():
    state = AlertState()
    for i in range(150):
        state = state.with_problems((Problem(at=T0, kind="report", target="BTC", error=str(i)),))
    assert len(state.problems) == 100
    assert state.problems[-1].error == "149"


def alert(**kw):
    base = {
        "rule": "funding-hot",
        "severity": Severity.WARNING,
        "asset": "ETH",
        "metric": "positioning.funding.oi_weighted_1h",
        "value": 0.00002,
        "threshold": 0.00001,
        "unit": "fraction_per_hour",
        "condition": "positioning.funding.oi_weighted_1h > 1e-05",
        "detail": "positioning.funding.oi_weighted_1h = 2e-05 > 1e-05",
        "report_as_of": T0,
        "fired_at": T0 + minutes(2),
    }
    return Alert(**{**base, **kw})


def test_format_alert_names_everything(tmp_path):
    title, body = format_alert(alert(note="crowded longs"), tmp_path / "ETH.md")
    assert title == "[WARNING] ETH: funding-hot"
    assert body.splitlines() == [
        "rule funding-hot: positioning.funding.oi_weighted_1h > 1e-05",
        "asset ETH | value 2e-05 (fraction_per_hour) | threshold 1e-05",
        "positioning.funding.oi_weighted_1h = 2e-05 > 1e-05",
        "report as of 2026-03-14 05:00 UTC",
        "crowded longs",
        f"report: {tmp_path / 'ETH.md'}",
    ]


def test_redact_url_hides_tokens_and_credentials():
    assert redact_url("json://user:pw@127.0.0.1:8080/hook?x=1") == "json://127.0.0.1:8080"
    assert redact_url("tgram://123456:SECRETTOKEN/987") == "tgram://…"
    assert redact_url("not a url") == "<receiver>"


class FlakyTarget:
    """Refuses the first ``n`` messages (a receiver that comes back)."""

    name = "flaky"

    def __init__(self, n):
        self.n = n
        self.calls = 0

    def send(self, title, body, severity, attachment):
        self.calls += 1
        if self.calls <= self.n:
            raise DeliveryError(f"refused #{self.calls}")


class BrokenTarget:
    name = "broken"

    def send(self, title, body, severity, attachment):
        raise RuntimeError("plugin bug")


def test_deliver_backoff_and_outcomes():
    waits: list[float] = []
    stream = io.StringIO()
    flaky, dead = FlakyTarget(1), FlakyTarget(10)
    out = deliver(
        alert(),
        [ConsoleTarget(stream), flaky, dead, BrokenTarget()],
        report_path=None,
        retries=3,
        backoff_s=2.0,
        sleep=waits.append,
    )
    assert [(d.target, d.ok, d.attempts) for d in out] == [
        ("console", True, 1),
        ("flaky", True, 2),
        ("flaky", False, 3),
        ("broken", False, 3),
    ]
    assert out[2].error == "refused #3"
    assert out[3].error == "RuntimeError: plugin bug"
    # flaky: one wait of 2 s; dead: 2 s, 4 s; broken: 2 s, 4 s
    assert waits == [2.0, 2.0, 4.0, 2.0, 4.0]
    assert stream.getvalue().startswith("ALERT [WARNING] ETH: funding-hot\n  rule funding-hot:")
