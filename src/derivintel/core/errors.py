"""Errors grouped by what the caller should do with them.

- ``UserInputError``: the user gave a bad symbol, date, option or file. CLI prints one line, exits 2.
  ``CorruptStoreError`` (a damaged history store file) is one of them.
- ``NoPriceSourceError``: no source answered with a price; a report cannot be built. CLI exits 3.
- ``SourceError`` and subclasses: a venue failed; the pipeline turns these into ``Gap`` records.
"""

from __future__ import annotations

# One table of exit codes for every command (README "Exit codes" and ``derivintel --help`` print EXIT_CODES_HELP).
EXIT_OK = 0
EXIT_FIRED = 1  # `check`: at least one alert rule fired
EXIT_BAD_INPUT = 2  # bad symbol/option/date/file/config, damaged store, unwritable destination: one line on stderr
EXIT_NO_DATA = 3  # nothing to work on: no price source answered, no stored price at --asof, no report built,
#                   no liquidation stream ever connected
EXIT_INTERRUPTED = 130  # Ctrl-C

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success (`check`: no rule fired)"),
    (EXIT_FIRED, "`check`: at least one alert rule fired"),
    (EXIT_BAD_INPUT, "bad input: symbol, option, date, file, config, damaged store, unwritable destination"),
    (
        EXIT_NO_DATA,
        "no data: no price source answered, no stored price at --asof, no report built, no stream connected",
    ),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)
EXIT_CODES_HELP = "Exit codes: " + "; ".join(f"{code} {text}" for code, text in EXIT_CODES) + "."


class DerivintelError(Exception):
    """Base class of every error this package raises on purpose."""


class UserInputError(DerivintelError):
    """Bad input from the user (symbol, date, option, file). Exit code 2."""


class CorruptStoreError(UserInputError):
    """The history store file is damaged or not a database (cut, half-copied, overwritten). Exit code 2."""


class MixedStoreError(UserInputError):
    """A write would mix synthetic (demo) rows and real market data in one history store. Exit code 2."""


class NoDataError(DerivintelError):
    """Nothing to work on (no price, no stream, no stored data at that time). Exit code 3."""


class NoPriceSourceError(NoDataError):
    """No price source answered, so no report can be produced. Exit code 3."""


class NoStoredPriceError(NoPriceSourceError):
    """``--asof``: the history store holds no price at that time (the message names the stored span). Exit 3."""


class NoStreamError(NoDataError):
    """``collect-liquidations``: no venue's stream ever connected. Exit code 3."""


class SourceError(DerivintelError):
    """A data source failed. Typed fields say what failed and how: ``provider``, ``dataset``, the HTTP ``status``
    (None when no answer came) and the server's ``retry_after_s``. ``gap_kind`` is the kind of gap the failure
    becomes (one per class; a value of ``core.provenance.GapKind``); ``kind`` is the legacy short name."""

    kind: str = "error"
    gap_kind: str = "unavailable"

    def __init__(
        self,
        source: str,
        message: str,
        *,
        provider: str | None = None,
        dataset: str | None = None,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
        self.provider = provider
        self.dataset = dataset
        self.status = status
        self.retry_after_s = retry_after_s


class RetryableSourceError(SourceError):
    """Timeout, HTTP 429 or 5xx, or a venue's rate-limit error code: retry with backoff."""

    kind = "retryable"


class BlockedSourceError(SourceError):
    """HTTP 451/403/418: blocked from this location; do not retry."""

    kind = "blocked"
    gap_kind = "blocked"


class RejectedKeyError(SourceError):
    """A keyed provider refused its API key (HTTP 401/403: invalid key or endpoint not in the plan); not retried.
    The gap is "not configured": the fix is the key, not the network."""

    kind = "rejected_key"
    gap_kind = "not_configured"


class BadPayloadError(SourceError):
    """The payload did not match the expected schema (drift, truncation, nulls)."""

    kind = "bad_payload"
    gap_kind = "bad_payload"
