"""``derivintel doctor``: fetch one response per endpoint (or read a saved archive) and check the venue
conventions the parsers rely on (``sources.doctor``). Exit 0 when every convention holds, 1 when one no longer
does, 2 on bad input."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from derivintel.core.errors import UserInputError

if TYPE_CHECKING:  # the checks (and the HTTP stack behind them) load only when the command runs
    from derivintel.sources.doctor import Check

EXIT_CONVENTION_BROKEN = 1


def _recorded_assets(responses) -> list[str]:
    out: list[str] = []
    for r in responses:
        if r.asset and r.asset not in out:
            out.append(r.asset)
    return out


def render(checks: list[Check], *, width: int | None = None) -> str:
    """The checks as a text table (endpoint, check, result, evidence) with a one-line summary."""
    from rich.console import Console
    from rich.table import Table

    from derivintel.sources.doctor import Verdict, failed

    table = Table(pad_edge=False)
    for column in ("endpoint", "check", "result", "evidence"):
        table.add_column(column, overflow="fold")
    for c in checks:
        table.add_row(c.endpoint, c.check, c.verdict.value, c.evidence)
    out = io.StringIO()
    Console(width=width or 160, file=out, color_system=None).print(table)
    bad = failed(checks)
    counts = {v: sum(c.verdict is v for c in checks) for v in Verdict}
    summary = f"{counts[Verdict.OK]} ok, {counts[Verdict.FAIL]} failed, {counts[Verdict.NA]} n/a"
    if bad:
        broken = dict.fromkeys(f"{c.endpoint} {c.check}" for c in bad)  # one mention per (endpoint, check)
        summary += " — conventions no longer holding: " + "; ".join(broken)
    return out.getvalue() + summary + "\n"


def doctor(
    symbol: Annotated[
        str | None, typer.Argument(help="Asset to check (default: BTC live; the archive's assets with --from).")
    ] = None,
    from_dir: Annotated[
        Path | None, typer.Option("--from", help="Check a raw archive saved by `snapshot save` (offline).")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Source config TOML.")] = None,
) -> None:
    """Check the venue conventions we rely on (OI sidedness, funding intervals, timestamp units, contract sizes,
    envelopes) on one response per endpoint; exit 1 when one no longer holds."""
    from derivintel.app.asset_args import resolve_assets
    from derivintel.domain.assets import normalise_asset
    from derivintel.sources.doctor import failed, run_checks

    if from_dir is not None:
        from derivintel.sources.archive import load_raw

        responses = load_raw(from_dir)
        if not responses:
            raise UserInputError(f"{from_dir}: the archive holds no responses")
        recorded = _recorded_assets(responses)
        assets = [normalise_asset(symbol)] if symbol else recorded
        if not assets or assets[0] not in recorded:
            raise UserInputError(f"{from_dir}: no responses for {symbol or 'any asset'} (recorded: {recorded})")
        checks = run_checks(responses, assets)
    else:
        from derivintel.sources.config import SourceConfig
        from derivintel.sources.live import fetch_raw

        assets = resolve_assets([symbol or "BTC"], None, live=True, config_path=config)
        responses, failures, _keys = asyncio.run(fetch_raw(assets, config=SourceConfig.load(config)))
        checks = run_checks(responses, assets, failures)
    sys.stdout.write(render(checks))
    if failed(checks):
        raise typer.Exit(EXIT_CONVENTION_BROKEN)
