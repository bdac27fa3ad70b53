"""``derivintel scan``: every listed USDT perp of the scanned venues from one bulk request per dataset, ranked.

Live: ``sources/scan_fetch.py`` asks each venue's bulk endpoints (``registry.SCAN_SOURCES``); ``--demo``: the
offline SYNTHETIC universe (``sources/demo/scan.py``). With ``--store`` (or the default store when it exists) the
OI change, funding z-score, long share and realised liquidations come from stored history.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from derivintel.app.scan_run import ScanRequest, run_scan
from derivintel.core.errors import UserInputError

FORMATS = ("table", "json", "html")


def check_request(fmt: str, min_oi: float, top: int, venues: tuple[str, ...], *, demo: bool, oi_top: int = 0) -> None:
    """Refuse bad flags in one line (``UserInputError``: exit 2). The demo's venues are the registry's (tested), so
    ``--demo`` checks ``--venue`` without importing every venue package."""
    if fmt not in FORMATS:
        raise UserInputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not math.isfinite(min_oi) or min_oi < 0:
        raise UserInputError(f"--min-oi must be a non-negative USD amount, got {min_oi}")
    if not 1 <= top <= 1000:
        raise UserInputError(f"--top must be between 1 and 1000, got {top}")
    if not 0 <= oi_top <= 1000:
        raise UserInputError(f"--oi-top must be between 0 and 1000, got {oi_top}")
    if demo and oi_top:
        raise UserInputError("--oi-top asks the venues for per-symbol OI: it does not apply to --demo")
    if demo:
        from derivintel.sources.demo.scan import SCAN_VENUES

        known = SCAN_VENUES
    else:
        from derivintel.sources.scan_fetch import scan_venue_names

        known = scan_venue_names()
    for v in venues:
        if v not in known:
            raise UserInputError(f"--venue {v!r} is not a scanned venue (one of {', '.join(known)})")


def scan(
    demo: Annotated[bool, typer.Option("--demo", help="Scan the offline SYNTHETIC demo universe.")] = False,
    min_oi: Annotated[
        float, typer.Option("--min-oi", help="Leave out assets whose OI (USD, summed over venues) is below this.")
    ] = 0.0,
    venue: Annotated[
        list[str] | None,
        typer.Option("--venue", help="Scan only this venue (repeatable): binance, bybit, okx, hyperliquid."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json|html")] = "table",
    top: Annotated[int, typer.Option("--top", help="Entries per ranked view (the table shows 3× as many).")] = 10,
    store: Annotated[
        Path | None, typer.Option("--store", help="History store for OI change, funding z and liquidations.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Source config TOML (base URLs, timeouts, rate-limit scale).")
    ] = None,
    oi_top: Annotated[
        int,
        typer.Option(
            "--oi-top",
            help="Also ask per-symbol OI for the N largest-volume perps of venues without bulk OI (Binance), "
            "within their rate limit (Binance: 10 requests/s after a burst of 24).",
        ),
    ] = 0,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Alert rules file: its 'scan' rules are evaluated; exit 1 when one fires."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="With --rules: alert state file, so cooldowns hold across runs (cron)."),
    ] = None,
    notify: Annotated[
        list[str] | None,
        typer.Option("--notify", help="With --rules: apprise URL to send each fired alert to (repeatable)."),
    ] = None,
) -> None:
    """Scan every perp of the venues: funding extremes, OI surges, basis outliers, cross-venue funding spread.

    With --rules, the file's `kind = "scan"` rules run over every scanned coin (e.g. funding_z >= 3); the alerts
    are listed (JSON: "alerts"), sent to each --notify URL, cooldowns kept in --state across runs, and the exit
    code is 1 when one fired, 0 otherwise."""
    venues = tuple(dict.fromkeys(venue or ()))
    check_request(fmt, min_oi, top, venues, demo=demo, oi_top=oi_top)
    if demo and store is not None:
        raise UserInputError("--store reads stored real history; --demo uses its own synthetic history")
    if rules is None and (state is not None or notify):
        raise UserInputError("--state and --notify go with --rules (the scan rules they keep and send)")
    rule_set = _load_scan_rules(rules) if rules is not None else None
    result, history_source = run_scan(
        ScanRequest(
            demo=demo, venues=venues, min_oi_usd=min_oi, top=top, store=store, config_path=config, oi_top=oi_top
        )
    )
    from derivintel.report.scan_render import scan_html, scan_json, scan_text

    alerts = ()
    if rule_set is not None:
        alerts = _alert(rule_set, result, state, notify or [])
    if fmt == "json":
        data = scan_json(result, history_source=history_source)
        if rule_set is not None:
            data["alerts"] = [
                {
                    "rule": a.rule,
                    "severity": a.severity.value,
                    "asset": a.asset,
                    "metric": a.metric,
                    "value": a.value,
                    "threshold": a.threshold,
                    "unit": a.unit,
                    "detail": a.detail,
                }
                for a in alerts
            ]
        sys.stdout.write(json.dumps(data, indent=1) + "\n")
    elif fmt == "html":
        sys.stdout.write(scan_html(result, history_source=history_source))
    else:
        sys.stdout.write(scan_text(result, history_source=history_source))
        if rule_set is not None:
            sys.stdout.write(f"Alerts ({len(alerts)} fired):\n")
            sys.stdout.write("".join(f"  [{a.severity.value}] {a.rule}: {a.detail}\n" for a in alerts))
    if alerts:
        raise typer.Exit(1)


def _alert(rule_set, result, state_path: Path | None, notify: list[str]):  # -> tuple[Alert, ...]
    """Evaluate the scan rules against the stored state (cooldowns), send the alerts, save the state."""
    from derivintel.alerts.evaluate import evaluate_scan
    from derivintel.alerts.notify import AppriseTarget, deliver
    from derivintel.alerts.state import AlertState, load_state, save_state

    previous = load_state(state_path) if state_path is not None else AlertState()
    alerts, new_state = evaluate_scan(rule_set, result, previous, datetime.now(UTC))
    targets = tuple(AppriseTarget(url) for url in notify)
    failed = [d for a in alerts for d in deliver(a, targets, report_path=None) if not d.ok] if targets else []
    for d in failed:
        sys.stderr.write(f"derivintel: alert {d.rule} [{d.asset}] not delivered to {d.target}: {d.error}\n")
    if state_path is not None:
        save_state(new_state, state_path)
    return alerts


def _load_scan_rules(path: Path):  # -> RuleSet
    """The rules file, validated like ``check``'s; it must hold at least one ``scan`` rule."""
    from derivintel.alerts.rules import RuleKind, load_rules
    from derivintel.app.report_providers import demo_known_metrics

    rule_set = load_rules(path, known=demo_known_metrics())
    if not any(r.kind is RuleKind.SCAN for r in rule_set.rules):
        raise UserInputError(f'{path}: no rule with kind = "scan" (the scan evaluates only those)')
    return rule_set
