"""The watch loop: every cycle, for each asset build a report, evaluate the rules, write the Markdown report when a
rule fires, notify, and persist the state. Failures (a report that cannot be built, a receiver that is down, a report
or state directory that cannot be written) are logged and kept in the state; the loop goes on. An alert is delivered
even when its report file cannot be saved (the failure is logged and kept as a problem), and a state that cannot be
saved stays in memory, so cooldowns still hold within the run.

The report provider, the clock and ``sleep`` are injected, so tests drive the loop without network or waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from derivintel.alerts.evaluate import Alert, evaluate
from derivintel.alerts.notify import Delivery, Target, deliver
from derivintel.alerts.rules import RuleSet
from derivintel.alerts.state import AlertState, Problem, load_state, save_state
from derivintel.core.errors import DerivintelError
from derivintel.report.model import Report

ReportProvider = Callable[[str, datetime], Report]


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """What to watch and where to keep things. ``every_s`` seconds between cycle starts."""

    symbols: tuple[str, ...]
    rules: RuleSet
    every_s: int
    state_path: Path
    report_dir: Path
    targets: tuple[Target, ...]
    max_cycles: int | None = None  # None: run until interrupted
    retries: int = 3
    backoff_s: float = 1.0


@dataclass(frozen=True, slots=True)
class CycleOutcome:
    """One cycle: alerts fired, deliveries attempted, and problems met (reports not built, receivers down)."""

    cycle: int
    at: datetime
    reports_built: tuple[str, ...]  # symbols with a report this cycle
    fired: tuple[Alert, ...]
    deliveries: tuple[Delivery, ...]
    problems: tuple[Problem, ...]


def write_report_markdown(report: Report, report_dir: Path) -> Path:
    """``<dir>/<SYMBOL>-<as_of>.md`` (UTC, minute precision); overwritten when the same snapshot is seen again."""
    from derivintel.report.markdown import render_markdown

    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / f"{report.symbol}-{report.as_of:%Y%m%dT%H%MZ}.md"
    path.write_text(render_markdown(report), encoding="utf-8")
    return path


def run_cycle(
    config: WatchConfig,
    state: AlertState,
    provider: ReportProvider,
    now: datetime,
    *,
    cycle: int = 1,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = lambda _m: None,
) -> tuple[CycleOutcome, AlertState]:
    """One pass over ``config.symbols``; the state is saved to disk after each symbol."""
    fired_all: list[Alert] = []
    deliveries_all: list[Delivery] = []
    problems_all: list[Problem] = []
    built: list[str] = []
    for symbol in config.symbols:
        try:
            report = provider(symbol, now)
        except Exception as exc:  # a failing source or connector must not stop the watch
            error = str(exc) if isinstance(exc, DerivintelError) else f"{type(exc).__name__}: {exc}"
            problem = Problem(at=now, kind="report", target=symbol, error=error, asset=symbol)
            log(f"{symbol}: no report this cycle: {error}")
            problems_all.append(problem)
            state = state.with_problems((problem,))
            problems_all.extend(_save(state, config.state_path, now, log))
            continue
        built.append(symbol)
        fired, state = evaluate(config.rules, report, state, now)
        problems: list[Problem] = []
        report_path = None
        if fired:
            try:
                report_path = write_report_markdown(report, config.report_dir)
            except OSError as exc:
                error = f"cannot save the report in {config.report_dir}: {exc.strerror or exc}"
                log(f"{symbol}: {error}; delivering the alert without it")
                problems.append(Problem(at=now, kind="report_file", target=str(config.report_dir), error=error))
        for alert in fired:
            results = deliver(
                alert,
                config.targets,
                report_path=report_path,
                retries=config.retries,
                backoff_s=config.backoff_s,
                sleep=sleep,
            )
            deliveries_all.extend(results)
            for d in results:
                if not d.ok:
                    log(f"{alert.asset} {alert.rule}: delivery to {d.target} failed ({d.attempts} attempts): {d.error}")
                    problems.append(
                        Problem(
                            at=now,
                            kind="delivery",
                            target=d.target,
                            error=d.error or "delivery failed",
                            rule=alert.rule,
                            asset=alert.asset,
                            attempts=d.attempts,
                        )
                    )
        state = state.with_problems(tuple(problems))
        problems_all.extend(problems)
        fired_all.extend(fired)
        problems_all.extend(_save(state, config.state_path, now, log))
    outcome = CycleOutcome(cycle, now, tuple(built), tuple(fired_all), tuple(deliveries_all), tuple(problems_all))
    return outcome, state


def _save(state: AlertState, path: Path, now: datetime, log: Callable[[str], None]) -> list[Problem]:
    """Save the state; on failure log it and return the problem (the state stays in memory; the loop goes on)."""
    try:
        save_state(state, path)
    except OSError as exc:
        error = f"cannot save the alert state to {path}: {exc.strerror or exc}"
        log(error)
        return [Problem(at=now, kind="state_file", target=str(path), error=error)]
    return []


def run_watch(
    config: WatchConfig,
    provider: ReportProvider,
    *,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = lambda _m: None,
    on_cycle: Callable[[CycleOutcome], None] | None = None,
) -> Sequence[CycleOutcome]:
    """Loop ``run_cycle`` every ``config.every_s`` seconds; the state is loaded from disk first.

    Returns the outcomes when ``max_cycles`` bounds the loop (an unbounded loop returns only when interrupted).
    """
    state = load_state(config.state_path)
    outcomes: list[CycleOutcome] = []
    cycle = 0
    while config.max_cycles is None or cycle < config.max_cycles:
        cycle += 1
        started = clock()
        outcome, state = run_cycle(config, state, provider, started, cycle=cycle, sleep=sleep, log=log)
        if config.max_cycles is not None:  # an unbounded watch keeps no history in memory
            outcomes.append(outcome)
        if on_cycle is not None:
            on_cycle(outcome)
        if config.max_cycles is not None and cycle >= config.max_cycles:
            break
        wait = (started + timedelta(seconds=config.every_s) - clock()).total_seconds()
        if wait > 0:
            sleep(wait)
    return outcomes
