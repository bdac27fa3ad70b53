"""Alert state: per (rule, asset) the last firing time and last observed value, plus recent problems.

Kept on disk as JSON and written atomically (temp file in the same folder + ``os.replace``), so a restart neither
resends alerts still in cooldown nor loses the baselines that ``crosses_*`` and ``change`` rules compare against.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from derivintel.core.errors import UserInputError
from derivintel.core.timeutil import iso, parse_utc

STATE_VERSION = 1
MAX_PROBLEMS = 100

Scalar = float | int | str | bool | None


@dataclass(frozen=True, slots=True)
class RuleState:
    """What we remember about one rule on one asset."""

    last_fired: datetime | None = None
    last_value: Scalar = None  # the metric value seen at the last evaluation where it was present
    fire_count: int = 0


@dataclass(frozen=True, slots=True)
class Problem:
    """A failure worth keeping: a notification that could not be delivered, or a report that could not be built."""

    at: datetime
    kind: str  # "delivery" | "report" | "report_file" | "state_file"
    target: str  # redacted receiver URL, the asset symbol for report failures, or the path that was not writable
    error: str
    rule: str | None = None
    asset: str | None = None
    attempts: int = 1


def _key(rule: str, asset: str) -> str:
    return f"{rule}|{asset}"


@dataclass(frozen=True, slots=True)
class AlertState:
    """Immutable state; ``with_*`` methods return a new state."""

    entries: Mapping[str, RuleState] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[Problem, ...] = ()

    def get(self, rule: str, asset: str) -> RuleState:
        return self.entries.get(_key(rule, asset), RuleState())

    def with_entry(self, rule: str, asset: str, entry: RuleState) -> AlertState:
        entries = dict(self.entries)
        entries[_key(rule, asset)] = entry
        return replace(self, entries=MappingProxyType(entries))

    def with_problems(self, problems: tuple[Problem, ...]) -> AlertState:
        if not problems:
            return self
        return replace(self, problems=(self.problems + problems)[-MAX_PROBLEMS:])


def state_to_json(state: AlertState) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "entries": {
            k: {
                "last_fired": iso(v.last_fired) if v.last_fired else None,
                "last_value": v.last_value,
                "fire_count": v.fire_count,
            }
            for k, v in sorted(state.entries.items())
        },
        "problems": [
            {
                "at": iso(p.at),
                "kind": p.kind,
                "target": p.target,
                "error": p.error,
                "rule": p.rule,
                "asset": p.asset,
                "attempts": p.attempts,
            }
            for p in state.problems
        ],
    }


def state_from_json(data: Any) -> AlertState:
    """Inverse of ``state_to_json``; ``ValueError`` on a malformed document."""
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ValueError(f"not a version-{STATE_VERSION} alert state document")
    entries: dict[str, RuleState] = {}
    for k, v in dict(data.get("entries", {})).items():
        last = v.get("last_fired")
        value = v.get("last_value")
        if value is not None and not isinstance(value, (int, float, str, bool)):
            raise ValueError(f"entry {k}: last_value must be a scalar")
        entries[str(k)] = RuleState(
            last_fired=parse_utc(last) if last else None, last_value=value, fire_count=int(v.get("fire_count", 0))
        )
    problems = tuple(
        Problem(
            at=parse_utc(p["at"]),
            kind=str(p["kind"]),
            target=str(p["target"]),
            error=str(p["error"]),
            rule=p.get("rule"),
            asset=p.get("asset"),
            attempts=int(p.get("attempts", 1)),
        )
        for p in data.get("problems", [])
    )
    return AlertState(entries=MappingProxyType(entries), problems=problems)


def load_state(path: Path) -> AlertState:
    """State from ``path``; an empty state when the file does not exist. ``UserInputError`` if it is corrupt."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # no state saved there (yet)
        return AlertState()
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read alert state: {exc.strerror or exc}") from exc
    try:
        return state_from_json(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError, UserInputError) as exc:
        raise UserInputError(
            f"{path}: alert state file is corrupt ({exc}); delete it or pass another --state path"
        ) from exc


def save_state(state: AlertState, path: Path) -> None:
    """Write atomically: a temp file in the same folder, fsync, then ``os.replace`` over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(state_to_json(state), indent=2, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
