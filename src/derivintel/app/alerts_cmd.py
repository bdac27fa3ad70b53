"""``derivintel watch`` and ``derivintel check``: alert rules over the report's metrics.

Exit codes of ``check`` (for cron; the one table is ``core.errors.EXIT_CODES``): 0 nothing fired, 1 at least one
rule fired, 2 bad rules or input (raised as ``UserInputError``; ``cli.main`` prints one line and exits 2), 3 no report
could be built for any asset.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from derivintel.alerts.notify import AppriseTarget, ConsoleTarget, Target
from derivintel.alerts.rules import load_rules, parse_duration
from derivintel.alerts.watch import CycleOutcome, ReportProvider, WatchConfig, run_watch
from derivintel.app.asset_args import command_universe
from derivintel.core.errors import EXIT_FIRED, EXIT_NO_DATA, EXIT_OK, UserInputError
from derivintel.domain.assets import normalise_asset
from derivintel.report.model import Report

EXIT_NOTHING_FIRED = EXIT_OK
EXIT_NO_REPORT = EXIT_NO_DATA
__all__ = ["EXIT_FIRED", "EXIT_NOTHING_FIRED", "EXIT_NO_REPORT", "check", "watch"]


def default_state_path() -> Path:
    """``$XDG_STATE_HOME/derivintel/alerts-state.json`` (``~/.local/state`` when unset)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "derivintel" / "alerts-state.json"


def make_report_provider(demo: bool, seed: int = 7, config_path: Path | None = None) -> ReportProvider:
    """Reports through the same pipeline as ``derivintel report`` (no secondary assets). A ``config_path`` is
    validated here, once, also with ``demo`` (a bad config is one line and exit 2 before the first cycle)."""
    from derivintel.app.pipeline import SnapshotRequest, build_report_for
    from derivintel.assessment.analyze import AnalysisOptions
    from derivintel.sources.config import SourceConfig

    if config_path is not None:
        SourceConfig.load(config_path)

    request = SnapshotRequest(demo=demo, seed=seed, config_path=config_path)

    def provide(symbol: str, now: datetime) -> Report:
        return build_report_for(symbol, secondary=(), request=request, options=AnalysisOptions(), generated_at=now)

    return provide


def _targets(notify: list[str] | None, attach: bool) -> tuple[Target, ...]:
    return (ConsoleTarget(), *(AppriseTarget(url, attach_report=attach) for url in notify or ()))


def _config(
    symbols: list[str],
    rules: Path,
    every: str,
    state: Path | None,
    notify: list[str] | None,
    report_dir: Path | None,
    max_cycles: int | None,
    retries: int,
    attach: bool,
    *,
    demo: bool = False,
    config: Path | None = None,
) -> WatchConfig:
    """The watch's settings, checked: every bad option is one line (exit 2) before the first cycle. The symbols are
    checked last, against the instrument universe (``asset_args``), once the cheap checks passed."""
    if not symbols:
        raise UserInputError("give at least one asset, e.g. BTC")
    try:
        every_s = parse_duration(every)
    except ValueError as exc:
        raise UserInputError(f"--every: {exc}") from None
    if every_s < 1:
        raise UserInputError("--every must be at least 1s")
    if max_cycles is not None and max_cycles < 1:
        raise UserInputError(f"--max-cycles must be at least 1, got {max_cycles}")
    if not 1 <= retries <= 10:
        raise UserInputError(f"--retries must be between 1 and 10, got {retries}")
    from derivintel.app.report_providers import demo_known_metrics

    universe = command_universe(None, live=not demo, demo=demo, config_path=config)
    assets = tuple(dict.fromkeys(normalise_asset(s, universe) for s in symbols))
    ruleset = load_rules(rules, known=demo_known_metrics(), universe=universe)
    state_path = state or default_state_path()
    return WatchConfig(
        symbols=assets,
        rules=ruleset,
        every_s=every_s,
        state_path=state_path,
        report_dir=report_dir or state_path.parent / "reports",
        targets=_targets(notify, attach),
        max_cycles=max_cycles,
        retries=retries,
    )


def _log(quiet: bool):
    def say(msg: str) -> None:
        if not quiet:
            print(f"derivintel: {msg}", file=sys.stderr)

    return say


RulesOpt = Annotated[Path, typer.Option("--rules", "-r", help="Rules file (TOML); see examples/rules.toml.")]
DemoOpt = Annotated[bool, typer.Option("--demo", help="Use the offline SYNTHETIC demo scenario (no network).")]
StateOpt = Annotated[
    Path | None, typer.Option("--state", help="Alert state file (JSON). Default: $XDG_STATE_HOME/derivintel/.")
]
NotifyOpt = Annotated[
    list[str] | None,
    typer.Option("--notify", "-n", help="Apprise URL (tgram://, discord://, slack://, mailto://, json://host/path)."),
]
ReportDirOpt = Annotated[
    Path | None, typer.Option("--report-dir", help="Where Markdown reports of firing alerts are written.")
]
RetriesOpt = Annotated[int, typer.Option("--retries", help="Delivery attempts per receiver before giving up.")]
AttachOpt = Annotated[bool, typer.Option("--attach", help="Attach the Markdown report where the receiver supports it.")]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Source config TOML (base URLs, timeouts, disabled sources).")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or problem lines on stderr.")]
SymbolsArg = Annotated[list[str], typer.Argument(help="Assets to watch, e.g. BTC ETH.")]


def watch(
    symbols: SymbolsArg,
    rules: RulesOpt,
    every: Annotated[str, typer.Option("--every", help="Time between cycles: 30s, 5m, 1h.")] = "5m",
    demo: DemoOpt = False,
    state: StateOpt = None,
    notify: NotifyOpt = None,
    report_dir: ReportDirOpt = None,
    max_cycles: Annotated[int | None, typer.Option("--max-cycles", help="Stop after this many cycles.")] = None,
    retries: RetriesOpt = 3,
    attach: AttachOpt = False,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Watch SYMBOLS: build a report every --every, evaluate --rules, notify when a rule fires."""
    watch_config = _config(
        symbols, rules, every, state, notify, report_dir, max_cycles, retries, attach, demo=demo, config=config
    )
    say = _log(quiet)

    def summary(o: CycleOutcome) -> None:
        say(f"cycle {o.cycle}: {len(o.reports_built)} report(s), {len(o.fired)} alert(s), {len(o.problems)} problem(s)")

    say(f"watching {', '.join(watch_config.symbols)} every {every} with {len(watch_config.rules.rules)} rule(s)")
    try:
        run_watch(
            watch_config,
            make_report_provider(demo, config_path=config),
            clock=lambda: datetime.now(UTC),
            log=say,
            on_cycle=summary,
        )
    except KeyboardInterrupt:
        say("stopped")
    raise typer.Exit(EXIT_NOTHING_FIRED)


def check(
    symbols: SymbolsArg,
    rules: RulesOpt,
    demo: DemoOpt = False,
    state: StateOpt = None,
    notify: NotifyOpt = None,
    report_dir: ReportDirOpt = None,
    retries: RetriesOpt = 3,
    attach: AttachOpt = False,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Evaluate --rules once for SYMBOLS (for cron). Exit 0: nothing fired; 1: a rule fired; 2: bad rules;
    3: no report could be built."""
    watch_config = _config(
        symbols, rules, "1s", state, notify, report_dir, 1, retries, attach, demo=demo, config=config
    )
    provider = make_report_provider(demo, config_path=config)
    outcomes = run_watch(watch_config, provider, clock=lambda: datetime.now(UTC), log=_log(quiet))
    outcome = outcomes[0]
    if outcome.fired:
        raise typer.Exit(EXIT_FIRED)
    if not outcome.reports_built:
        raise typer.Exit(EXIT_NO_REPORT)
    raise typer.Exit(EXIT_NOTHING_FIRED)
