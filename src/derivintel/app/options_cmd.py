"""``derivintel options FILE...``: options analytics (phase 5) on Deribit chain files, as a table or JSON.

Files: Deribit ``get_book_summary_by_currency`` JSON, web-UI option-chain CSV exports (one per expiry; several are
merged) or svcj snapshot CSVs. ``as_of`` is the chain's own time from the file(s), never the clock.

Damaged input is refused in one line (exit 2) rather than analyzed: a CSV cut short (no final newline, or a last
row with fewer fields than the header), an instrument listed twice in one file (rows would be summed), negative open
interest. A file holding several currencies (svcj snapshots hold BTC and ETH) is analyzed per currency unless
``--currency`` picks one; ``--spot`` more than 5% from the chain's index is warned about on stderr. A chain too large
for memory is one line, exit 2, never a crash.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from derivintel.analytics.options.chain_analysis import ChainAnalysis, ExpiryAnalysis, analyze_chain
from derivintel.core.errors import UserInputError
from derivintel.core.result import Result
from derivintel.core.timeutil import format_utc, iso
from derivintel.domain.options import OptionChain
from derivintel.sources.deribit.chain_file import merge_chains, read_chain_file

SPOT_WARN_FRAC = 0.05  # warn when --spot differs from the chain's index by more than this fraction


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


def check_complete_csv(path: Path) -> None:
    """Refuse a CSV chain file cut short: it must end with a newline and its last row must have the header's field
    count (real Deribit exports and svcj snapshots do). JSON files are left to the JSON parser."""
    try:
        raw = path.read_bytes()
    except OSError:
        return  # the reader reports unreadable files
    body = raw.lstrip(b"\xef\xbb\xbf").lstrip()
    if not body or body[:1] in (b"{", b"["):
        return
    lines = body.rstrip(b"\r\n").split(b"\n")
    n_header, n_last = lines[0].count(b",") + 1, lines[-1].count(b",") + 1
    if len(lines) > 1 and n_last != n_header:
        raise UserInputError(
            f"{path}: truncated: the last row (line {len(lines)}) has {n_last} of {n_header} fields; file cut?"
        )
    if not raw.endswith(b"\n"):
        raise UserInputError(f"{path}: truncated: no newline after the last row (line {len(lines)}); file cut?")


def file_currencies(path: Path) -> list[str] | None:
    """The currencies of a multi-currency svcj snapshot CSV (its ``currency`` column), else None (one-currency
    formats: the reader tells the currency)."""
    try:
        with path.open("rb") as fh:
            first = fh.readline().decode("utf-8-sig", "replace")
    except OSError:
        return None
    if "instrument_name" not in first or "currency" not in first.split(","):
        return None
    import pandas as pd

    try:
        column = pd.read_csv(path, usecols=["currency"], dtype=str)["currency"].dropna().str.strip()
    except (ValueError, pd.errors.ParserError):
        return None
    return sorted(set(column)) or None


def check_chain(chain: OptionChain, file: Path) -> None:
    """Refuse a chain whose rows would be summed wrongly: an instrument listed twice, negative open interest."""
    counts = Counter(chain.instrument)
    repeated = [name for name, n in counts.items() if n > 1]
    if repeated:
        raise UserInputError(
            f"{file}: {len(repeated)} instrument(s) listed more than once (e.g. {repeated[0]} ×{counts[repeated[0]]});"
            " duplicated rows would be summed: file concatenated or holding several snapshots?"
        )
    negative = np.flatnonzero(np.asarray(chain.oi_base, dtype=float) < 0)
    if len(negative):
        i = int(negative[0])
        raise UserInputError(
            f"{file}: negative open interest {chain.oi_base[i]:g} for {chain.instrument[i]}"
            f" ({len(negative)} row(s)); open interest is a count of open contracts, never below 0"
        )


def chain_index_usd(chain: OptionChain) -> float | None:
    """The chain's own index price (USD), else the median underlying/forward price; None when neither is known."""
    if chain.index_price_usd is not None and math.isfinite(chain.index_price_usd) and chain.index_price_usd > 0:
        return float(chain.index_price_usd)
    under = np.asarray(chain.underlying_price_usd, dtype=float)
    under = under[np.isfinite(under) & (under > 0)]
    return float(np.median(under)) if len(under) else None


def spot_warning(chain: OptionChain, spot: float | None) -> str | None:
    """A warning when ``spot`` is more than ``SPOT_WARN_FRAC`` from the chain's index, else None."""
    index = chain_index_usd(chain)
    if spot is None or index is None:
        return None
    off = spot / index - 1.0
    if abs(off) <= SPOT_WARN_FRAC:
        return None
    return (
        f"warning: --spot {spot:,.2f} is {off:+.1%} from the {chain.currency} chain's index {index:,.2f} "
        f"(more than {SPOT_WARN_FRAC:.0%}); the analysis uses --spot"
    )


def read_chains(files: list[Path], *, spot: float | None, currency: str | None) -> dict[str, OptionChain]:
    """One merged, checked chain per currency found in ``files`` (only ``currency`` when given)."""
    by_currency: dict[str, list[OptionChain]] = {}
    held: set[str] = set()
    for f in files:
        check_complete_csv(f)
        wanted = file_currencies(f)
        if wanted is None:
            chains = [read_chain_file(f, spot_usd=spot)]
        else:
            held.update(wanted)
            chosen = [c for c in wanted if currency is None or c == currency]
            chains = [read_chain_file(f, currency=c, spot_usd=spot) for c in chosen]
        for chain in chains:
            held.add(chain.currency)
            check_chain(chain, f)
            by_currency.setdefault(chain.currency, []).append(chain)
    if currency is not None:
        if currency not in by_currency:
            holds = ", ".join(sorted(held)) or "no options"
            raise UserInputError(f"no {currency} options in {', '.join(map(str, files))} (they hold {holds})")
        by_currency = {currency: by_currency[currency]}
    if not by_currency:
        raise UserInputError(f"no option rows in {', '.join(map(str, files))}")
    return {cur: merge_chains(chains) for cur, chains in sorted(by_currency.items())}


def _analyze(chain: OptionChain, spot: float | None, files: list[Path]) -> Result[ChainAnalysis]:
    try:
        result = analyze_chain(chain, as_of=chain.source.as_of, spot_usd=spot)
    except MemoryError as exc:
        raise UserInputError(
            f"{chain.currency} chain of {len(chain):,} options is too large to analyze in this machine's memory"
        ) from exc
    if not result.ok:
        raise UserInputError(f"cannot analyze {', '.join(map(str, files))}: {'; '.join(result.reasons)}")
    return result


def options(
    files: list[Path],
    spot: float | None = typer.Option(None, "--spot", help="spot/index price in USD (default: from the file)"),
    fmt: str = typer.Option("table", "--format", help="table|json"),
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="BTC, ETH, ... (default: every currency in the files, each on its own)"),
    ] = None,
) -> None:
    """Options analytics (max pain, put/call, skew, GEX, gamma flip, walls) per expiry from Deribit chain files."""
    if fmt not in ("table", "json"):
        raise UserInputError(f"--format must be table or json, not {fmt!r}")
    if not files:
        raise UserInputError("give at least one option-chain file")
    if spot is not None and not (math.isfinite(spot) and spot > 0):
        raise UserInputError(f"--spot must be a positive price in USD, got {spot}")
    currency = currency.strip().upper() if currency else None
    chains = read_chains(files, spot=spot, currency=currency)
    if spot is not None and len(chains) > 1:
        raise UserInputError(f"--spot is one price but the files hold {', '.join(chains)}: add --currency")
    results = {}
    for cur, chain in chains.items():
        warning = spot_warning(chain, spot)
        if warning:
            print(f"derivintel: {warning}", file=sys.stderr)
        results[cur] = _analyze(chain, spot, files)
    if len(chains) > 1:
        print(f"derivintel: note: {' and '.join(chains)} analyzed separately (--currency picks one)", file=sys.stderr)
    if fmt == "json":
        payloads = [analysis_json(r) for r in results.values()]
        typer.echo(json.dumps(payloads[0] if len(payloads) == 1 else {"chains": payloads}, indent=2))
    else:
        # Twelve columns need room: at least 150 characters, wider when the terminal is (pipes default to 80).
        console = Console(width=max(150, shutil.get_terminal_size((150, 40)).columns))
        for result in results.values():
            _table(result, console)
