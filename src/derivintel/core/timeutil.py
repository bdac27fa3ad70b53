"""UTC-only time helpers. Every datetime in this package is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from derivintel.core.errors import UserInputError

HOUR_S = 3600
DAY_S = 86_400


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime; naive datetimes are taken to be UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def from_ms(ms: int | float) -> datetime:
    """Epoch milliseconds to an aware UTC datetime."""
    return datetime.fromtimestamp(float(ms) / 1000.0, tz=UTC)


def to_ms(dt: datetime) -> int:
    """Aware datetime to epoch milliseconds."""
    return round(utc(dt).timestamp() * 1000)


def to_datetime64(dt: datetime) -> np.datetime64:
    """Aware datetime to a naive-UTC ``numpy.datetime64[ms]`` (arrays in this package are UTC, tz-less)."""
    return np.datetime64(to_ms(dt), "ms")


def dt64_to_datetime(value: np.datetime64) -> datetime:
    """``numpy.datetime64`` (UTC) to an aware datetime."""
    return from_ms(int(value.astype("datetime64[ms]").astype(np.int64)))


def parse_utc(text: str) -> datetime:
    """Parse an ISO-8601 timestamp (``2024-01-01``, ``2024-01-01T12:00Z``, with offset) into aware UTC.

    Raises ``UserInputError`` with a one-line message when the text is not a timestamp.
    """
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        return utc(datetime.fromisoformat(raw))
    except ValueError as exc:
        raise UserInputError(f"not a timestamp: {text!r} (expected ISO-8601, e.g. 2024-01-01T12:00Z)") from exc


def format_utc(dt: datetime) -> str:
    """Human form used in reports: ``2026-03-14 04:55 UTC``."""
    return utc(dt).strftime("%Y-%m-%d %H:%M UTC")


def iso(dt: datetime) -> str:
    """Machine form used in JSON: ``2026-03-14T04:55:00Z``."""
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def floor_to(dt: datetime, seconds: int) -> datetime:
    """Floor an aware datetime to a multiple of ``seconds`` since the epoch."""
    ts = int(utc(dt).timestamp())
    return datetime.fromtimestamp(ts - ts % seconds, tz=UTC)


__all__ = [
    "DAY_S",
    "HOUR_S",
    "dt64_to_datetime",
    "floor_to",
    "format_utc",
    "from_ms",
    "iso",
    "parse_utc",
    "to_datetime64",
    "to_ms",
    "utc",
]
