"""``derivintel options FILE...``: options analytics (phase 5) on Deribit chain files, as a table or JSON.

Files: Deribit ``get_book_summary_by_currency`` JSON, web-UI option-chain CSV exports (one per expiry; several are
merged) or svcj snapshot CSVs. ``as_of`` is the chain's own time from the file(s), never the clock.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from derivintel.analytics.options.chain_analysis import ChainAnalysis, ExpiryAnalysis, analyze_chain
from derivintel.core.errors import UserInputError
from derivintel.core.result import Result
from derivintel.core.timeutil import format_utc, iso
from derivintel.sources.files.deribit_chain import merge_chains, read_chain_file


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def expiry_json(e: ExpiryAnalysis) -> dict[str, Any]:
    """One expiry as plain JSON (units in the key names; IVs and ratios as fractions)."""
    return {
        "expiry": iso(e.expiry),
        "days_to_expiry": _num(e.days_to_expiry, 4),
        "forward_usd": _num(e.forward_usd, 2),
        "max_pain": _num(e.max_pain_usd, 2),
        "put_call_oi_ratio": _num(e.put_call_oi_ratio),
        "put_call_volume_ratio": _num(e.put_call_volume_ratio),
        "call_oi": _num(e.call_oi_base, 4),
        "put_oi": _num(e.put_oi_base, 4),
        "net_gex_usd_per_1pct": _num(e.net_gex_usd_per_1pct, 2),
        "call_gex_usd_per_1pct": _num(e.call_gex_usd_per_1pct, 2),
        "put_gex_usd_per_1pct": _num(e.put_gex_usd_per_1pct, 2),
        "gamma_flip": _num(e.gamma_flip_usd, 2),
        "call_wall": _num(e.call_wall_usd, 2),
        "put_wall": _num(e.put_wall_usd, 2),
        "atm_iv": _num(e.atm_iv),
        "rr25": _num(e.rr25),
        "bf25": _num(e.bf25),
        "notes": list(e.notes),
    }


def analysis_json(result: Result[ChainAnalysis]) -> dict[str, Any]:
    """``{"expiries": [...], "all_expiries": {...}, "scenario": ...}`` plus time, spot, status and reasons."""
    a = result.value
    assert a is not None
    s = a.all_expiries
    return {
        "currency": a.currency,
        "as_of": iso(a.as_of),
        "spot_usd": _num(a.spot_usd, 2),
        "spot_basis": a.spot_basis,
        "scenario": a.scenario.value,
        "headline_expiry": iso(a.headline_expiry),
        "headline_rule": a.headline_rule,
        "status": result.status.value,
        "reasons": list(result.reasons),
        "sources": [src.label for src in result.sources],
        "expiries": [expiry_json(e) for e in a.expiries],
        "all_expiries": {
            "put_call_oi_ratio": _num(s.put_call_oi_ratio),
            "put_call_volume_ratio": _num(s.put_call_volume_ratio),
            "call_oi": _num(s.call_oi_base, 4),
            "put_oi": _num(s.put_oi_base, 4),
            "total_oi_usd": _num(s.total_oi_usd, 2),
            "net_gex_usd_per_1pct": _num(s.net_gex_usd_per_1pct, 2),
            "gamma_flip": _num(s.gamma_flip_usd, 2),
            "call_wall": _num(s.call_wall_usd, 2),
            "put_wall": _num(s.put_wall_usd, 2),
            "next_expiry": iso(s.next_expiry),
            "next_expiry_gamma_share": _num(s.next_expiry_gamma_share),
            "atm_iv_7d": _num(s.atm_iv_7d),
            "atm_iv_30d": _num(s.atm_iv_30d),
            "rr25_30d": _num(s.rr25_30d),
        },
    }


def _fmt(x: float | None, spec: str) -> str:
    return "—" if x is None or not math.isfinite(x) else format(x, spec)


def _table(result: Result[ChainAnalysis], console: Console) -> None:
    a = result.value
    assert a is not None
    s = a.all_expiries
    title = (
        f"{a.currency} options as of {format_utc(a.as_of)} · spot {a.spot_usd:,.0f} ({a.spot_basis}) · "
        f"GEX scenario: {a.scenario.value} · headline {a.headline_expiry:%d%b%y}"
    )
    table = Table(title=title)
    for col in ("expiry", "days", "max pain", "P/C OI", "call OI", "put OI", "net GEX $/1%", "flip", "call wall",
                "put wall", "ATM IV", "RR25"):  # fmt: skip
        table.add_column(col, justify="right")
    for e in a.expiries:
        table.add_row(
            f"{e.expiry:%d%b%y}" + (" *" if e.expiry == a.headline_expiry else ""),
            _fmt(e.days_to_expiry, ".2f"),
            _fmt(e.max_pain_usd, ",.0f"),
            _fmt(e.put_call_oi_ratio, ".2f"),
            _fmt(e.call_oi_base, ",.1f"),
            _fmt(e.put_oi_base, ",.1f"),
            _fmt(e.net_gex_usd_per_1pct, ",.0f"),
            _fmt(e.gamma_flip_usd, ",.0f"),
            _fmt(e.call_wall_usd, ",.0f"),
            _fmt(e.put_wall_usd, ",.0f"),
            _fmt(e.atm_iv, ".1%"),
            _fmt(e.rr25, "+.1%"),
        )
    table.add_row(
        "all", "", "", _fmt(s.put_call_oi_ratio, ".2f"), _fmt(s.call_oi_base, ",.1f"), _fmt(s.put_oi_base, ",.1f"),
        _fmt(s.net_gex_usd_per_1pct, ",.0f"), _fmt(s.gamma_flip_usd, ",.0f"), _fmt(s.call_wall_usd, ",.0f"),
        _fmt(s.put_wall_usd, ",.0f"), _fmt(s.atm_iv_30d, ".1%") + " 30d", _fmt(s.rr25_30d, "+.1%") + " 30d",
    )  # fmt: skip
    console.print(table)
    console.print(
        f"next-expiry gamma share {_fmt(s.next_expiry_gamma_share, '.1%')} · ATM IV 7d {_fmt(s.atm_iv_7d, '.1%')} · "
        f"total OI {_fmt(s.total_oi_usd, ',.0f')} USD · * = headline expiry ({a.headline_rule})"
    )
    for reason in result.reasons:
        console.print(f"note: {reason}")


def options(
    files: list[Path],
    spot: float | None = typer.Option(None, "--spot", help="spot/index price in USD (default: from the file)"),
    fmt: str = typer.Option("table", "--format", help="table|json"),
) -> None:
    """Options analytics (max pain, put/call, skew, GEX, gamma flip, walls) per expiry from Deribit chain files."""
    if fmt not in ("table", "json"):
        raise UserInputError(f"--format must be table or json, not {fmt!r}")
    if not files:
        raise UserInputError("give at least one option-chain file")
    if spot is not None and not (math.isfinite(spot) and spot > 0):
        raise UserInputError(f"--spot must be a positive price in USD, got {spot}")
    chain = merge_chains([read_chain_file(f, spot_usd=spot) for f in files])
    result = analyze_chain(chain, as_of=chain.source.as_of, spot_usd=spot)
    if not result.ok:
        raise UserInputError(f"cannot analyse {', '.join(map(str, files))}: {'; '.join(result.reasons)}")
    if fmt == "json":
        typer.echo(json.dumps(analysis_json(result), indent=2))
    else:
        # Twelve columns need room: at least 150 characters, wider when the terminal is (pipes default to 80).
        _table(result, Console(width=max(150, shutil.get_terminal_size((150, 40)).columns)))
