"""Command-line interface (typer). ``main`` maps errors to one line and an exit code from the one table of
``core.errors.EXIT_CODES`` (2 = bad input, 3 = no data, ...), also printed by ``derivintel --help``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from derivintel.app.lazy_group import LazyCommand, LazyTyperGroup, UsageError
from derivintel.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_CODES_HELP,
    EXIT_INTERRUPTED,
    EXIT_NO_DATA,
    NoDataError,
    NoPriceSourceError,
    UserInputError,
)

# Sub-commands imported only when they run, so ``--help`` and ``report`` do not load duckdb, websockets, the store or
# the options stack (issue 18). Listed after the commands defined in this module, in this order.
LAZY_COMMANDS: dict[str, LazyCommand] = {
    "options": LazyCommand(
        "derivintel.app.options_cmd",
        "options",
        "Per-expiry options analysis of Deribit chain files (JSON or UI CSV export).",
        own_help=True,
    ),
    "watch": LazyCommand(
        "derivintel.app.alerts_cmd",
        "watch",
        "Watch SYMBOLS: build a report every --every, evaluate --rules, notify when a rule fires.",
    ),
    "check": LazyCommand(
        "derivintel.app.alerts_cmd",
        "check",
        "Evaluate --rules once for SYMBOLS (for cron). Exit 0: nothing fired; 1: a rule fired; 2: bad rules;\n"
        "3: no report could be built.",
    ),
    "import": LazyCommand(
        "derivintel.app.history_cmd",
        "import_app",
        "Import public data dumps and dated CSVs into the history store.",
    ),
    "backfill": LazyCommand(
        "derivintel.app.history_cmd",
        "backfill",
        "Store what the venues' history endpoints give for SYMBOL over the last N days.",
    ),
    "collect": LazyCommand(
        "derivintel.app.history_cmd",
        "collect",
        "Poll sources into the store, one status line per round; failures are reported and polling goes on.",
    ),
    "collect-liquidations": LazyCommand(
        "derivintel.app.liquidations_cmd",
        "collect_liquidations",
        "Record realised liquidations (Binance, Bybit, OKX websockets) into the history store.",
    ),
    "collect-positions": LazyCommand(
        "derivintel.app.positions_cmd",
        "collect_positions",
        "Discover Hyperliquid addresses from trades and poll their positions into the store, within rate limits.",
    ),
    "positions": LazyCommand(
        "derivintel.app.positions_cmd",
        "positions",
        "The observed Hyperliquid liquidation map of COIN from the history store (aggregates only).",
    ),
    "study": LazyCommand(
        "derivintel.app.history_cmd",
        "study",
        "Event study of the default signals on stored history: table on stdout, JSON on request.",
    ),
    "store": LazyCommand(
        "derivintel.app.history_cmd",
        "store_app",
        "Print the store's location, row counts per table and its content (real, synthetic, mixed or empty).",
    ),
    "scan": LazyCommand(
        "derivintel.app.scan_cmd",
        "scan",
        "Scan every perp of the venues: funding extremes, OI surges, basis outliers, cross-venue funding spread.",
    ),
    "serve": LazyCommand(
        "derivintel.app.serve_cmd",
        "serve",
        "Local web dashboard (FastAPI) over the report model.",
        own_help=True,
    ),
    "doctor": LazyCommand(
        "derivintel.app.doctor_cmd",
        "doctor",
        "Check the venue conventions we rely on (OI sidedness, funding intervals, timestamp units, contract sizes,\n"
        "envelopes) on one response per endpoint; exit 1 when one no longer holds.",
    ),
}


class _Commands(LazyTyperGroup):
    lazy_commands = LAZY_COMMANDS

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _with_exit_codes(command)  # a lazily loaded command's --help ends with the exit-code table too
        return name, command, rest


app = typer.Typer(
    cls=_Commands,
    name="derivintel",
    help="Crypto derivatives intelligence: a ten-phase report where every number is computed, sourced and timestamped.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _flag_type(self, ctx):
    """Boolean flags take no value: show no ``<bool>`` type in the help (typer 0.29 shows one)."""
    return None if self.is_flag else _typer_display_type_rich(self, ctx)


_typer_display_type_rich = typer.core.TyperOption.display_type_rich
typer.core.TyperOption.display_type_rich = _flag_type


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            sys.stdout.write(f"derivintel {version('derivintel')}\n")
        except PackageNotFoundError:
            sys.stdout.write("derivintel (not installed as a package)\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    _version_flag: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Crypto derivatives intelligence: a ten-phase report where every number is computed, sourced and timestamped."""


class ReportFormat(StrEnum):
    md = "md"
    json = "json"
    html = "html"


def _write_output(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserInputError(f"cannot write {out}: {exc.strerror or exc}") from exc


class _FetchProgress:
    """Counts per-source outcomes on a rich status line while the venues are fetched."""

    def __init__(self, status) -> None:
        self.status = status
        self.ok = 0
        self.failed: list[str] = []

    def __call__(self, label: str, outcome: str) -> None:
        if outcome == "ok":
            self.ok += 1
        else:
            self.failed.append(label)
        self.status.update(f"fetching: {self.ok} ok, {len(self.failed)} failed (last: {label})")


def _run_with_progress(quiet: bool, work):
    """Run ``work(say, progress)`` with a status line on stderr unless ``quiet``."""
    if quiet:
        return work(lambda _m: None, None)
    with err_console.status("starting") as status:
        tracker = _FetchProgress(status)
        result = work(lambda msg: status.update(msg), tracker)
    if tracker.ok or tracker.failed:
        err_console.print(f"[dim]sources: {tracker.ok} ok, {len(tracker.failed)} failed[/dim]")
    return result


SecondaryOpt = Annotated[
    list[str] | None, typer.Option("--secondary", "-s", help="Secondary asset(s) for the tactical phase.")
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Source config TOML (base URLs, timeouts, disabled sources).")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output on stderr.")]


@app.command()
def report(
    symbol: Annotated[str, typer.Argument(help="Primary asset, e.g. BTC (BTCUSDT and btc are accepted).")],
    secondary: SecondaryOpt = None,
    demo: Annotated[bool, typer.Option("--demo", help="Use the offline SYNTHETIC demo scenario (no network).")] = False,
    from_dir: Annotated[
        Path | None, typer.Option("--from", help="Rebuild offline from a raw snapshot saved by `snapshot save`.")
    ] = None,
    asof: Annotated[
        str | None,
        typer.Option("--asof", help="Point-in-time report from the history store, e.g. 2024-01-01T12:00Z."),
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="History store (DuckDB file); default $DERIVINTEL_HOME.")
    ] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.md,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Demo scenario seed (a non-negative integer).")] = 7,
    risk: Annotated[
        float, typer.Option("--risk", help="Account risk per trade as a fraction of equity (0.01 = 1%).")
    ] = 0.01,
    max_leverage: Annotated[
        float, typer.Option("--max-leverage", help="Trade plan: maximum position notional / equity.")
    ] = 5.0,
    min_rr: Annotated[
        float, typer.Option("--min-rr", help="Trade plan: minimum reward/risk after costs (else 'no trade').")
    ] = 1.5,
    fee: Annotated[float, typer.Option("--fee", help="Trade plan: taker fee per fill, fraction (0.0005 = 5 bp).")] = (
        0.0005
    ),
    slippage: Annotated[
        float, typer.Option("--slippage", help="Trade plan: slippage per fill, fraction (0.0005 = 5 bp).")
    ] = 0.0005,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Build the ten-phase report for SYMBOL from live venues (default), the demo, or a saved snapshot."""
    from derivintel.app.pipeline import SnapshotRequest, build_report_for
    from derivintel.assessment.analyze import AnalysisOptions
    from derivintel.core.timeutil import parse_utc
    from derivintel.report.json_render import render_json
    from derivintel.report.markdown import render_markdown

    if not 0 < risk < 0.2:
        raise UserInputError(f"--risk must be a fraction between 0 and 0.2, got {risk}")
    if out is not None:
        from derivintel.app.destinations import check_writable

        check_writable(out, "--out")  # before fetching, so the report is never lost
    if config is not None:
        from derivintel.sources.config import SourceConfig

        SourceConfig.load(config)  # validated also with --demo/--from/--asof, where it is not otherwise read
    from derivintel.synthesis.trade_plan import PlanParams

    try:
        plan = PlanParams(
            risk_fraction=risk,
            max_leverage=max_leverage,
            min_reward_risk=min_rr,
            taker_fee_frac=fee,
            slippage_frac=slippage,
        )
    except ValueError as exc:
        raise UserInputError(f"trade plan parameters: {exc}") from None
    request = SnapshotRequest(
        demo=demo,
        seed=seed,
        from_dir=from_dir,
        config_path=config,
        asof=parse_utc(asof) if asof is not None else None,
        store=store,
    )
    built = _run_with_progress(
        quiet,
        lambda say, progress: build_report_for(
            symbol,
            secondary=tuple(secondary) if secondary is not None else None,
            request=request,
            options=AnalysisOptions(risk_fraction=risk, plan=plan),
            generated_at=datetime.now(UTC),
            say=say,
            progress=progress,
        ),
    )
    if built.synthetic and not quiet:
        err_console.print("[bold yellow]SYNTHETIC DEMO DATA[/bold yellow]: not market data; for trying the product")
    if fmt is ReportFormat.json:
        text = render_json(built)
    elif fmt is ReportFormat.html:
        from derivintel.report.html import render_html

        text = render_html(built)
    else:
        text = render_markdown(built)
    _write_output(text, out)


snapshot_app = typer.Typer(help="Save raw venue responses for offline, reproducible reports.", no_args_is_help=True)
app.add_typer(snapshot_app, name="snapshot")


@snapshot_app.command("save")
def snapshot_save(
    symbol: Annotated[str, typer.Argument(help="Primary asset, e.g. BTC.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Empty directory to write the raw archive to.")],
    secondary: SecondaryOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Fetch every live source and store each raw response byte for byte with a manifest (request, times, sha256)."""
    from derivintel.app.destinations import check_archive_dir
    from derivintel.app.pipeline import fetch_live, resolve_assets
    from derivintel.sources.archive import save_raw

    primary, others = resolve_assets(symbol, tuple(secondary) if secondary is not None else None)
    check_archive_dir(out, "--out")  # before fetching 81 sources, not after
    snapshot, raw = _run_with_progress(
        quiet, lambda _say, progress: fetch_live(primary, others, config_path=config, progress=progress)
    )
    manifest = save_raw(raw, out)
    if not quiet:
        err_console.print(f"saved {len(raw)} responses, {len(snapshot.gaps)} gaps: {manifest}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the report."""
    from derivintel.report.json_render import report_json_schema

    sys.stdout.write(report_json_schema())


def _aliases(argv: list[str]) -> list[str]:
    """``collect liquidations ...`` is ``collect-liquidations ...`` (with all of its options)."""
    if len(argv) >= 2 and argv[0] == "collect" and argv[1].lower() == "liquidations":
        return ["collect-liquidations", *argv[2:]]
    return argv


def _with_exit_codes(command) -> None:
    """Every command's ``--help`` ends with the one exit-code table."""
    command.epilog = command.epilog or EXIT_CODES_HELP
    for sub in getattr(command, "commands", {}).values():
        _with_exit_codes(sub)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning expected errors into one line on stderr and an exit code."""
    command = typer.main.get_command(app)
    _with_exit_codes(command)
    args = _aliases(list(sys.argv[1:] if argv is None else argv))
    if not args:
        sys.stdout.write(command.get_help(typer.Context(command, info_name="derivintel")) + "\n")
        return 0
    try:
        result = command.main(args=args, prog_name="derivintel", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except UsageError as exc:
        print(f"derivintel: error: {exc.format_message()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (typer.Abort, KeyboardInterrupt):
        print("derivintel: aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UserInputError as exc:
        print(f"derivintel: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NoDataError as exc:
        hint = "; offline? --demo runs on the synthetic scenario" if type(exc) is NoPriceSourceError else ""
        print(f"derivintel: no data: {exc}{hint}", file=sys.stderr)
        return EXIT_NO_DATA
    return result if isinstance(result, int) else 0


def entrypoint() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entrypoint()
