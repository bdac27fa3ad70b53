"""Wiring: obtain a snapshot (demo, live or a saved raw archive), analyze it, build the report model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from derivintel.assessment.analyze import AnalysisOptions, Calibration, analyze_snapshot
from derivintel.core.errors import UserInputError
from derivintel.core.result import Result
from derivintel.domain.assets import normalise_asset
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.report.builder import build_report
from derivintel.report.model import Report

DEFAULT_SECONDARY = {"BTC": ("ETH",), "ETH": ("BTC",)}
Say = Callable[[str], None]
SourceProgress = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    """Where the snapshot comes from: the synthetic demo, a saved raw archive, or live venues (the default)."""

    demo: bool = False
    seed: int = 7
    from_dir: Path | None = None
    config_path: Path | None = None
    asof: datetime | None = None
    store: Path | None = None

    def __post_init__(self) -> None:
        chosen = [
            name
            for name, on in (
                ("--demo", self.demo),
                ("--from", self.from_dir is not None),
                ("--asof", self.asof is not None),
            )
            if on
        ]
        if len(chosen) > 1:
            raise UserInputError(f"{' and '.join(chosen)} are exclusive: choose one source for the snapshot")


def resolve_assets(symbol: str, secondary: tuple[str, ...] | None) -> tuple[str, tuple[str, ...]]:
    """Validate and normalise the primary and secondary symbols (``UserInputError`` for unknown ones)."""
    primary = normalise_asset(symbol)
    if secondary is None:
        return primary, DEFAULT_SECONDARY.get(primary, ())
    others = tuple(dict.fromkeys(normalise_asset(s) for s in secondary))
    if primary in others:
        raise UserInputError(f"secondary asset {primary} is the primary asset")
    return primary, others


def fetch_live(
    primary: str, secondary: tuple[str, ...], *, config_path: Path | None, progress: SourceProgress | None = None
):
    """Fetch every keyless source concurrently. Returns ``(snapshot, raw_responses)``; failures become gaps;
    ``NoPriceSourceError`` when no price source answered at all."""
    from derivintel.sources.config import SourceConfig
    from derivintel.sources.live import fetch_snapshot

    config = SourceConfig.load(config_path)
    import asyncio  # here, not at module level: the demo, --from and --asof paths never start an event loop

    return asyncio.run(fetch_snapshot(primary, secondary, config=config, progress=progress))


def load_saved(directory: Path, primary: str, secondary: tuple[str, ...]) -> MarketSnapshot:
    """Rebuild a snapshot offline from a raw archive written by ``derivintel snapshot save`` (same parsers)."""
    from derivintel.sources.archive import load_raw
    from derivintel.sources.live import build_snapshot_from_raw

    return build_snapshot_from_raw(load_raw(directory), primary, secondary)


def get_snapshot(
    primary: str,
    secondary: tuple[str, ...],
    request: SnapshotRequest,
    *,
    say: Say,
    progress: SourceProgress | None = None,
) -> MarketSnapshot:
    if request.demo:
        from derivintel.sources.demo import build_demo_snapshot

        say("building the synthetic demo snapshot")
        return build_demo_snapshot(primary, secondary, seed=request.seed)
    if request.asof is not None:
        from derivintel.store import HistoryStore, store_location
        from derivintel.store.snapshot_at import build_snapshot_at

        path = store_location(request.store)
        if not path.exists():
            raise UserInputError(
                f"no history store at {path}: import or collect history first (see `derivintel import`)"
            )
        say(f"building the point-in-time snapshot at {request.asof:%Y-%m-%d %H:%M} UTC from {path}")
        with HistoryStore(path, read_only=True) as store:
            return build_snapshot_at(store, primary, secondary, request.asof, require_price=True)
    if request.from_dir is not None:
        say(f"rebuilding from the saved snapshot in {request.from_dir}")
        snapshot = load_saved(request.from_dir, primary, secondary)
    else:
        say("fetching live data from all venues")
        snapshot, _raw = fetch_live(primary, secondary, config_path=request.config_path, progress=progress)
    return with_stored_liquidations(snapshot, request.store)


def with_stored_liquidations(snapshot: MarketSnapshot, store: Path | None) -> MarketSnapshot:
    """Add the realised liquidations that ``collect liquidations`` stored over the 7 days before ``as_of`` (phase 6
    sums the last 24 h; the liquidation map's accuracy ledger scores the map against up to 7 days).

    Venues publish liquidations only as streams, so a live snapshot has none of its own. No store: unchanged (the
    report then says no feed was collected). A store that cannot be read (e.g. a collector holds its write lock)
    becomes a gap."""
    from derivintel.core.provenance import Gap, GapKind
    from derivintel.store import HistoryStore, store_location

    path = store_location(store)
    if not path.exists():
        return snapshot
    since = snapshot.as_of - timedelta(days=7)
    try:
        with HistoryStore(path, read_only=True) as st:
            assets = {
                name: replace(
                    data, liquidations=data.liquidations + st.liquidations(name, until=snapshot.as_of, since=since)
                )
                for name, data in snapshot.assets.items()
            }
    except UserInputError as exc:
        gap = Gap("store", "liquidations", GapKind.UNAVAILABLE, f"stored liquidations not readable: {exc}")
        return replace(snapshot, gaps=(*snapshot.gaps, gap))
    return replace(snapshot, assets=assets)


def build_report_for(
    symbol: str,
    *,
    secondary: tuple[str, ...] | None,
    request: SnapshotRequest,
    options: AnalysisOptions,
    generated_at: datetime,
    say: Say | None = None,
    progress: SourceProgress | None = None,
) -> Report:
    """Resolve symbols, get the snapshot, analyze and build the report."""
    primary, others = resolve_assets(symbol, secondary)
    say = say or (lambda _msg: None)
    snapshot = get_snapshot(primary, others, request, say=say, progress=progress)
    say("running analytics")
    calibration = load_calibration(snapshot, request.store)
    return build_report(snapshot, analyze_snapshot(snapshot, options, calibration), generated_at=generated_at)


def load_calibration(snapshot: MarketSnapshot, store: Path | None) -> Calibration:
    """Measured squeeze base rates and the bias track record from the history store, known at the snapshot's
    ``as_of`` (no look-ahead); without a store, each is missing with the reason. Synthetic snapshots are never
    calibrated on real history."""
    if snapshot.synthetic:
        missing = Result.missing("uncalibrated: the synthetic demo is not calibrated on history")
        return Calibration(
            missing,
            missing,
            Result.missing("no track record: no stored history (synthetic demo)"),
            Result.missing("no measured record: no stored history (synthetic demo)"),
            Result.missing("no measured record: no stored history (synthetic demo)"),
        )
    from derivintel.research import bias_track_record
    from derivintel.research.calibration import squeeze_calibration
    from derivintel.research.dealer_regime import dealer_regime_record_at
    from derivintel.research.macro_record import macro_regime_record_at
    from derivintel.store import HistoryStore, store_location

    path = store_location(store)
    if not path.exists():
        missing = Result.missing(f"uncalibrated: no history store at {path}")
        return Calibration(
            missing,
            missing,
            Result.missing(f"no track record: no stored history (no store at {path})"),
            Result.missing(f"no measured record: no stored history (no store at {path})"),
            Result.missing(f"no measured record: no stored history (no store at {path})"),
        )
    with HistoryStore(path, read_only=True) as st, st.session():  # one read connection for every record
        return Calibration(
            *squeeze_calibration(st, snapshot.primary, snapshot.as_of),
            bias_track_record(st, snapshot.primary, snapshot.as_of),
            dealer_regime_record_at(st, snapshot.primary, snapshot.as_of),
            macro_regime_record_at(st, snapshot.primary, snapshot.as_of),
        )
