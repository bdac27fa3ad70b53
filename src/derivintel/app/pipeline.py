"""Wiring: obtain a snapshot (demo or live), analyse it, build the report model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from derivintel.app.analysis import AnalysisOptions, analyze_snapshot
from derivintel.core.errors import UserInputError
from derivintel.domain.assets import normalise_asset
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.report.builder import build_report
from derivintel.report.model import Report

ReportOptions = AnalysisOptions
DEFAULT_SECONDARY = {"BTC": ("ETH",), "ETH": ("BTC",)}


def resolve_assets(symbol: str, secondary: tuple[str, ...] | None) -> tuple[str, tuple[str, ...]]:
    """Validate and normalise the primary and secondary symbols (``UserInputError`` for unknown ones)."""
    primary = normalise_asset(symbol)
    if secondary is None:
        return primary, DEFAULT_SECONDARY.get(primary, ())
    others = tuple(dict.fromkeys(normalise_asset(s) for s in secondary))
    if primary in others:
        raise UserInputError(f"secondary asset {primary} is the primary asset")
    return primary, others


def load_demo_snapshot(primary: str, secondary: tuple[str, ...], seed: int) -> MarketSnapshot:
    from derivintel.sources.demo import build_demo_snapshot

    return build_demo_snapshot(primary, secondary, seed=seed)


def build_report_for(
    symbol: str,
    *,
    secondary: tuple[str, ...] | None,
    demo: bool,
    seed: int,
    options: AnalysisOptions,
    generated_at: datetime,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Resolve symbols, get the snapshot, analyse and build the report."""
    primary, others = resolve_assets(symbol, secondary)
    say = progress or (lambda _msg: None)
    if demo:
        say("building the synthetic demo snapshot")
        snapshot = load_demo_snapshot(primary, others, seed)
    else:
        snapshot = load_live_snapshot(primary, others, say)
    say("running analytics")
    analyses = analyze_snapshot(snapshot, options)
    return build_report(snapshot, analyses, generated_at=generated_at)


def load_live_snapshot(primary: str, secondary: tuple[str, ...], say: Callable[[str], None]) -> MarketSnapshot:
    """Fetch every keyless source concurrently; gaps for failures; ``NoPriceSourceError`` with no price at all."""
    import asyncio

    from derivintel.sources.config import SourceConfig
    from derivintel.sources.live import fetch_snapshot

    say("fetching live data from all venues")
    snapshot, _raw = asyncio.run(
        fetch_snapshot(primary, secondary, config=SourceConfig.load(), progress=lambda s, m: say(f"{s}: {m}"))
    )
    return snapshot
