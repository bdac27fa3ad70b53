"""Row checks shared by the dump parsers: each check is a boolean mask (True = row passes) with a reason.

``first_failure`` names the first failing row by its line in the file, so a parser can refuse a file in one line
("BTCUSDT-4h-2024-01.csv: line 187: incomplete last row (file cut?)"). ``within_life`` bounds the time of a row by
the venue's first trading day, which the venue's folder declares: nothing is older than the venue (a 1970 timestamp
is a parse error, not history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.core.errors import UserInputError


@dataclass(frozen=True, slots=True)
class Check:
    """``ok[i]`` is True when row ``i`` passes; ``reason`` says what a failing row is."""

    reason: str
    ok: np.ndarray


def failing(checks: Sequence[Check], n: int) -> np.ndarray:
    """Mask of the rows that fail any check."""
    bad = np.zeros(n, dtype=bool)
    for c in checks:
        bad |= ~np.asarray(c.ok, dtype=bool)
    return bad


def first_failure(checks: Sequence[Check], n: int) -> tuple[int, str] | None:
    """(row index, reason) of the first failing row in file order (first failing check of that row), or None."""
    bad = failing(checks, n)
    if not bad.any():
        return None
    i = int(np.argmax(bad))
    reason = next(c.reason for c in checks if not bool(np.asarray(c.ok)[i]))
    return i, reason


def refuse_bad_rows(name: str, checks: Sequence[Check], lines: np.ndarray, *, last_row: int | None = None) -> None:
    """Raise ``UserInputError`` naming the first bad row's line and the count of bad rows; nothing is imported."""
    n = len(lines)
    found = first_failure(checks, n)
    if found is None:
        return
    i, reason = found
    if last_row is not None and i == last_row and reason.startswith("incomplete"):
        reason = "incomplete last row (file cut?)"
    count = int(failing(checks, n).sum())
    raise UserInputError(
        f"{name}: line {int(lines[i])}: {reason}; {count} invalid row(s) of {n}, nothing imported from this file"
    )


def within_life(ts_ms: np.ndarray, venue: str, *, start: datetime | None, latest: datetime) -> Check:
    """Row time (ms) within [``start``, ``latest``]: ``start`` the venue's first trading day (UTC; None: 1970),
    ``latest`` when the data was received (plus one bar)."""
    lo = int(start.timestamp() * 1000) if start else 0
    hi = int(latest.timestamp() * 1000)
    when = f"since {start:%Y-%m-%d}" if start else "after 1970"
    ok = (ts_ms >= lo) & (ts_ms <= hi)
    return Check(f"time outside the venue's life ({venue} trades {when}, data received {latest:%Y-%m-%d %H:%M})", ok)


def conflicting_duplicates(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by ``keys`` (int64): (mask of rows to keep: first of each key, mask of rows whose key repeats
    with DIFFERENT values). ``values`` is a 2-D float array (NaN equal to NaN)."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    same_key = np.concatenate([[False], np.diff(keys) == 0])
    prev = np.vstack([values[:1], values[:-1]])
    equal = np.all((prev == values) | (np.isnan(prev) & np.isnan(values)), axis=1)
    return ~same_key, same_key & ~equal
