"""Strict readers for venue payloads, shared by every ``parse`` module.

Every failure (truncated JSON, renamed or missing field, ``null`` / ``""`` / ``"NaN"`` where a number is due,
unsorted or duplicated timestamps) raises ``BadPayloadError`` naming the provider, dataset and field, never a
``KeyError`` or ``ValueError`` traceback.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from derivintel.core.errors import BadPayloadError
from derivintel.core.provenance import Source
from derivintel.core.timeutil import from_ms
from derivintel.core.timeutil import to_ms as datetime_to_ms
from derivintel.domain.series import CandleSeries
from derivintel.domain.venue import Market, VenueId

# No venue this package reads existed before 2017: an earlier timestamp is a misread unit or a broken row.
VENUE_LIFE_START = datetime(2017, 1, 1, tzinfo=UTC)
VENUE_LIFE_START_MS = datetime_to_ms(VENUE_LIFE_START)
# A timestamp more than this far after the fetch time is not an observation (funding times run ≤ 8h ahead).
MAX_AHEAD_OF_FETCH_MS = 86_400_000
# Magnitude bounds deciding the unit of an epoch number: below 1e11 seconds (until year 5138), below 1e14
# milliseconds, below 1e17 microseconds (Tardis); anything larger is not a timestamp this package accepts.
_SECONDS_BELOW = 1e11
_MILLIS_BELOW = 1e14
_MICROS_BELOW = 1e17


@dataclass(frozen=True, slots=True)
class Where:
    """Names the payload being read (``provider/dataset``) for error messages; ``fetched_at`` (when the body was
    received) bounds its timestamps: none may be more than a day after it."""

    provider: str
    dataset: str
    fetched_at: datetime | None = None

    def fail(self, message: str) -> BadPayloadError:
        return BadPayloadError(f"{self.provider}/{self.dataset}", message)


def load_json(body: bytes | str, where: Where) -> Any:
    """Decode a JSON body; truncated or malformed JSON raises ``BadPayloadError``."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise where.fail(f"malformed or truncated JSON ({exc.msg} at char {exc.pos})") from exc
    except UnicodeDecodeError as exc:
        raise where.fail(f"body is not decodable JSON text ({exc.encoding}: {exc.reason})") from exc


def field(obj: Any, key: str, where: Where) -> Any:
    """``obj[key]`` for a JSON object; a missing key (schema drift) raises ``BadPayloadError``."""
    if not isinstance(obj, dict):
        raise where.fail(f"expected an object holding {key!r}, got {type(obj).__name__}")
    if key not in obj:
        shown = ", ".join(sorted(map(str, obj))[:12])
        raise where.fail(f"field {key!r} missing (schema drift?); fields present: {shown}")
    return obj[key]


def as_list(value: Any, where: Where, what: str) -> list[Any]:
    """A JSON array, else ``BadPayloadError``."""
    if not isinstance(value, list):
        raise where.fail(f"{what}: expected an array, got {type(value).__name__}")
    return value


def non_empty(value: Any, where: Where, what: str) -> list[Any]:
    """A non-empty JSON array, else ``BadPayloadError``."""
    items = as_list(value, where, what)
    if not items:
        raise where.fail(f"{what}: empty array")
    return items


def to_float(value: Any, where: Where, what: str) -> float:
    """A finite float from a JSON number or numeric string; ``null``, ``""``, ``"NaN"``, ``inf`` and booleans fail."""
    if value is None or isinstance(value, bool):
        raise where.fail(f"{what}: expected a number, got {value!r}")
    if isinstance(value, int | float):
        out = float(value)
    elif isinstance(value, str):
        try:
            out = float(value.strip())
        except ValueError as exc:
            raise where.fail(f"{what}: expected a number, got {value!r}") from exc
    else:
        raise where.fail(f"{what}: expected a number, got {type(value).__name__}")
    if not math.isfinite(out):
        raise where.fail(f"{what}: non-finite number {value!r}")
    return out


def to_float_or_none(value: Any, where: Where, what: str) -> float | None:
    """Like ``to_float`` but ``null`` and ``""`` mean "not published" (for genuinely optional fields)."""
    if value is None or value == "":
        return None
    return to_float(value, where, what)


def epoch_ms(number: float) -> int:
    """Epoch milliseconds from an epoch number in seconds, milliseconds or microseconds, decided by magnitude.

    Raises ``ValueError`` for a number too large to be any of them.
    """
    if number < _SECONDS_BELOW:
        return round(number * 1000)
    if number < _MILLIS_BELOW:
        return round(number)
    if number < _MICROS_BELOW:
        return round(number / 1000)
    raise ValueError(f"{number!r} is too large for an epoch timestamp in s, ms or µs")


def check_ms(ms: int, where: Where, what: str, raw: Any = None, *, not_before_ms: int = VENUE_LIFE_START_MS) -> int:
    """``ms`` if inside the venues' life (from 2017, or ``not_before_ms`` for long macro series, to one day after
    ``where.fetched_at``), else ``BadPayloadError`` naming the field and the raw value."""
    shown = ms if raw is None else raw
    if ms < not_before_ms:
        raise where.fail(
            f"{what}: timestamp {shown!r} reads as {from_ms(ms):%Y-%m-%d}, before {from_ms(not_before_ms):%Y} "
            "(outside the source's life)"
        )
    if where.fetched_at is not None and ms > datetime_to_ms(where.fetched_at) + MAX_AHEAD_OF_FETCH_MS:
        raise where.fail(
            f"{what}: timestamp {shown!r} reads as {from_ms(ms):%Y-%m-%d %H:%M}, more than a day after the fetch "
            f"({where.fetched_at:%Y-%m-%d %H:%M})"
        )
    return ms


def to_ms(value: Any, where: Where, what: str) -> int:
    """Epoch milliseconds from a JSON number or numeric string in seconds, milliseconds or microseconds (unit
    decided by magnitude, so one row in seconds among rows in ms reads right). Non-positive values, values before
    2017 and values more than a day after ``where.fetched_at`` raise ``BadPayloadError`` naming ``what``."""
    out = to_float(value, where, what)
    if out <= 0:
        raise where.fail(f"{what}: not an epoch timestamp: {value!r}")
    try:
        ms = epoch_ms(out)
    except ValueError as exc:
        raise where.fail(f"{what}: {exc}") from exc
    return check_ms(ms, where, what, value)


def to_dt(value: Any, where: Where, what: str) -> datetime:
    """Aware UTC datetime from an epoch timestamp (s, ms or µs; see ``to_ms``)."""
    return from_ms(to_ms(value, where, what))


def to_scheduled_dt(value: Any, where: Where, what: str) -> datetime:
    """Aware UTC datetime of a SCHEDULED time (a future's delivery): epoch s/ms/µs as ``to_ms``, but it may lie
    any distance after the fetch; before 2017 or non-positive is a bad payload."""
    out = to_float(value, where, what)
    if out <= 0:
        raise where.fail(f"{what}: not an epoch timestamp: {value!r}")
    try:
        ms = epoch_ms(out)
    except ValueError as exc:
        raise where.fail(f"{what}: {exc}") from exc
    if ms < VENUE_LIFE_START_MS:
        raise where.fail(f"{what}: timestamp {value!r} reads as {from_ms(ms):%Y-%m-%d}, before 2017")
    return from_ms(ms)


def positive(value: float, where: Where, what: str) -> float:
    """``value`` if > 0, else ``BadPayloadError`` (prices, sizes)."""
    if value <= 0:
        raise where.fail(f"{what}: expected a positive number, got {value!r}")
    return value


def columns(rows: Sequence[Sequence[float]], ts_ms: Sequence[int], where: Where) -> tuple[np.ndarray, np.ndarray]:
    """Sort rows by timestamp ascending (venues send newest-first too); duplicate timestamps raise.

    Returns ``(ts as datetime64[ms], values as float64 (n, k))``.
    """
    ts = np.asarray(ts_ms, dtype=np.int64)
    values = np.asarray(rows, dtype=np.float64)
    if values.ndim == 1:
        values = values.reshape(len(ts), -1)
    order = np.argsort(ts, kind="stable")
    ts, values = ts[order], values[order]
    if len(ts) > 1 and np.any(np.diff(ts) == 0):
        raise where.fail("duplicate timestamps in series")
    return ts.astype("datetime64[ms]"), values


def book_side(levels: Any, where: Where, what: str, *, descending: bool) -> np.ndarray:
    """``[[price, size, ...], ...]`` to a sorted ``(n, 2)`` array of ``[price, size]``."""
    rows = as_list(levels, where, what)
    out = np.empty((len(rows), 2), dtype=np.float64)
    for i, level in enumerate(rows):
        if not isinstance(level, list | tuple) or len(level) < 2:
            raise where.fail(f"{what}[{i}]: expected [price, size, ...], got {level!r}")
        out[i, 0] = positive(to_float(level[0], where, f"{what}[{i}].price"), where, f"{what}[{i}].price")
        out[i, 1] = to_float(level[1], where, f"{what}[{i}].size")
    order = np.argsort(-out[:, 0] if descending else out[:, 0], kind="stable")
    out = out[order]
    if len(out) > 1 and np.any(np.diff(out[:, 0]) == 0):
        raise where.fail(f"{what}: duplicate price levels")
    return out


def make_source(where: Where, as_of: datetime, ts_recv: datetime) -> Source:
    """``Source`` for an observation read from ``where`` (event time ``as_of``, received ``ts_recv``)."""
    return Source(name=where.provider, dataset=where.dataset, as_of=as_of, fetched_at=ts_recv)


def last_ts(ts: np.ndarray, where: Where) -> datetime:
    """Event time of a series' newest row; an empty series is a bad payload."""
    if len(ts) == 0:
        raise where.fail("empty series")
    return from_ms(int(ts[-1].astype(np.int64)))


def spacing_intervals_hours(ts_ms: Sequence[int], allowed: Sequence[float], default: float) -> np.ndarray:
    """Per-row funding interval (hours) read from the spacing of sorted settlement times.

    Row ``i`` gets ``ts[i] − ts[i−1]`` rounded to whole hours when that is one of the venue's ``allowed``
    intervals; other spacings (a missed settlement) take the previous valid value, row 0 the next one; ``default``
    when no spacing is valid. Handles venues that changed their interval (Hyperliquid: 8h until June 2023, then 1h).
    """
    ts = np.sort(np.asarray(ts_ms, dtype=np.int64))
    n = len(ts)
    out = np.full(n, np.nan)
    if n > 1:
        hours = np.round(np.diff(ts) / 3_600_000)
        out[1:] = np.where(np.isin(hours, np.asarray(allowed, dtype=float)), hours, np.nan)
    valid = np.flatnonzero(np.isfinite(out))
    if len(valid) == 0:
        return np.full(n, float(default))
    idx = np.maximum.accumulate(np.where(np.isfinite(out), np.arange(n), -1))
    idx[idx < 0] = valid[0]
    return out[idx]


def ohlcv_candles(
    values: np.ndarray,
    ts64: np.ndarray,
    where: Where,
    *,
    venue: VenueId,
    asset: str,
    market: Market,
    interval_s: int,
    ts_recv: datetime,
    volume_col: int = 4,
    taker_buy_col: int | None = None,
) -> CandleSeries:
    """A ``CandleSeries`` from a parsed value matrix whose columns 0–3 are open, high, low, close (USD);
    ``volume_col`` holds the base-coin volume and ``taker_buy_col`` the taker-buy base volume (None: unknown)."""
    return CandleSeries(
        venue=venue,
        asset=asset,
        market=market,
        interval_s=interval_s,
        ts=ts64,
        open=values[:, 0],
        high=values[:, 1],
        low=values[:, 2],
        close=values[:, 3],
        volume_base=values[:, volume_col],
        taker_buy_base=None if taker_buy_col is None else values[:, taker_buy_col],
        source=make_source(where, last_ts(ts64, where), ts_recv),
    )
