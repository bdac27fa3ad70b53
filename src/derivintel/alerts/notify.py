"""Notifications: short messages to apprise receivers (Telegram, Discord, Slack, email, ``json://`` webhooks…)
and to the console, with retry and exponential backoff. A failed receiver is reported, never raised.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from derivintel.alerts.evaluate import Alert
from derivintel.alerts.rules import Severity
from derivintel.core.errors import UserInputError
from derivintel.core.timeutil import format_utc

# Schemes whose host part is a plain host name (shown); for the others the "host" is often a token (hidden).
_PLAIN_HOST_SCHEMES = {"json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos"}


class DeliveryError(Exception):
    """A receiver did not accept a message."""


def redact_url(url: str) -> str:
    """A receiver URL safe to print and store: no credentials, no tokens, no path."""
    m = re.match(r"^([A-Za-z0-9+.\-]+)://([^/?#]*)", url)
    if not m:
        return "<receiver>"
    scheme, netloc = m.group(1).lower(), m.group(2)
    host = netloc.rsplit("@", 1)[-1]
    return f"{scheme}://{host}" if scheme in _PLAIN_HOST_SCHEMES else f"{scheme}://…"


def format_alert(alert: Alert, report_path: Path | None) -> tuple[str, str]:
    """``(title, body)``: rule, metric, value, threshold, asset, report as_of, and the report file."""
    title = f"[{alert.severity.value.upper()}] {alert.asset}: {alert.rule}"
    unit = f" ({alert.unit})" if alert.unit else ""
    lines = [
        f"rule {alert.rule}: {alert.condition}",
        f"asset {alert.asset} | value {_short(alert.value)}{unit} | threshold {_short(alert.threshold)}",
        alert.detail,
        f"report as of {format_utc(alert.report_as_of)}",
    ]
    if alert.note:
        lines.append(alert.note)
    if report_path is not None:
        lines.append(f"report: {report_path}")
    return title, "\n".join(lines)


def _short(x: object) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


class Target(Protocol):
    """A receiver. ``send`` raises ``DeliveryError`` when the message was not accepted."""

    name: str

    def send(self, title: str, body: str, severity: Severity, attachment: Path | None) -> None: ...


class AppriseTarget:
    """One apprise URL (``tgram://``, ``discord://``, ``slack://``, ``mailto://``, ``json://host:port/path``…)."""

    def __init__(self, url: str, *, attach_report: bool = False) -> None:
        import apprise

        self._apprise = apprise
        self._app = apprise.Apprise()
        if not self._app.add(url):
            raise UserInputError(f"notification URL not understood by apprise: {redact_url(url)}")
        self.name = redact_url(url)
        self.attach_report = attach_report

    def send(self, title: str, body: str, severity: Severity, attachment: Path | None) -> None:
        ap = self._apprise
        kind = {
            Severity.INFO: ap.NotifyType.INFO,
            Severity.WARNING: ap.NotifyType.WARNING,
            Severity.CRITICAL: ap.NotifyType.FAILURE,
        }[severity]
        attach = str(attachment) if (self.attach_report and attachment is not None) else None
        with ap.LogCapture(level=ap.logging.WARNING) as log:
            ok = self._app.notify(body=body, title=title, notify_type=kind, attach=attach)
        if not ok:
            lines = [ln.split(" - ", 2)[-1] for ln in log.getvalue().splitlines() if ln.strip()]
            raise DeliveryError(lines[-1] if lines else "receiver did not accept the message")


class ConsoleTarget:
    """Writes each alert to a text stream (stdout by default)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, title: str, body: str, severity: Severity, attachment: Path | None) -> None:
        import sys

        out = self._stream or sys.stdout
        out.write(f"ALERT {title}\n" + "".join(f"  {ln}\n" for ln in body.splitlines()))
        out.flush()


@dataclass(frozen=True, slots=True)
class Delivery:
    """Outcome of sending one alert to one receiver."""

    target: str
    rule: str
    asset: str
    ok: bool
    attempts: int
    error: str | None = None


def deliver(
    alert: Alert,
    targets: Sequence[Target],
    *,
    report_path: Path | None,
    retries: int = 3,
    backoff_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Delivery, ...]:
    """Send ``alert`` to each target; up to ``retries`` attempts with waits ``backoff_s × 2^k`` between them."""
    title, body = format_alert(alert, report_path)
    out: list[Delivery] = []
    for target in targets:
        error: str | None = None
        attempts = 0
        for attempt in range(max(1, retries)):
            attempts = attempt + 1
            try:
                target.send(title, body, alert.severity, report_path)
                error = None
                break
            except DeliveryError as exc:
                error = str(exc) or "delivery failed"
            except Exception as exc:  # a receiver plugin's own bug must not stop the loop
                error = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < max(1, retries):
                sleep(backoff_s * 2**attempt)
        out.append(Delivery(target.name, alert.rule, alert.asset, error is None, attempts, error))
    return tuple(out)
