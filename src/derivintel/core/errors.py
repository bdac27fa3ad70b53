"""Errors grouped by what the caller should do with them.

- ``UserInputError``: the user gave a bad symbol, date, option or file. CLI prints one line, exits 2.
  ``CorruptStoreError`` (a damaged history store file) is one of them.
- ``NoPriceSourceError``: no source answered with a price; a report cannot be built. CLI exits 3.
- ``SourceError`` and subclasses: a venue failed; the pipeline turns these into ``Gap`` records.
"""

from __future__ import annotations


class DerivintelError(Exception):
    """Base class of every error this package raises on purpose."""


class UserInputError(DerivintelError):
    """Bad input from the user (symbol, date, option, file). Exit code 2."""


class CorruptStoreError(UserInputError):
    """The history store file is damaged or not a database (cut, half-copied, overwritten). Exit code 2."""


class NoPriceSourceError(DerivintelError):
    """No price source answered, so no report can be produced. Exit code 3."""


class SourceError(DerivintelError):
    """A data source failed. ``kind`` tells the caller what to do (see subclasses)."""

    kind: str = "error"

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


class RetryableSourceError(SourceError):
    """Timeout, HTTP 429 or 5xx: retry with backoff."""

    kind = "retryable"


class BlockedSourceError(SourceError):
    """HTTP 451/403: blocked from this location; do not retry."""

    kind = "blocked"


class BadPayloadError(SourceError):
    """The payload did not match the expected schema (drift, truncation, nulls)."""

    kind = "bad_payload"
