"""Wiring: obtain a snapshot (demo, live or a saved raw archive), analyze it, build the report model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from derivintel.assessment.analyze import AnalysisOptions, Calibration, analyze_snapshot
from derivintel.core.errors import UserInputError
from derivintel.core.result import Result
from derivintel.domain.assets import default_secondary, normalise_asset
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.domain.universe import Universe
from derivintel.report.builder import build_report
from derivintel.report.model import Report
from derivintel.synthesis.trade_plan import PlanParams

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


def resolve_assets(
    symbol: str, secondary: tuple[str, ...] | None, universe: Universe | None = None
) -> tuple[str, tuple[str, ...]]:
    """Validate and normalise the primary and secondary symbols against ``universe`` (None: the built-in assets);
    ``UserInputError`` with "did you mean" for unknown ones. No secondary given: ETH for BTC, BTC for the rest."""
    primary = normalise_asset(symbol, universe)
    if secondary is None:
        return primary, default_secondary(primary)
    others = tuple(dict.fromkeys(normalise_asset(s, universe) for s in secondary))
    if primary in others:
        raise UserInputError(f"secondary asset {primary} is the primary asset")
    return primary, others


def fetch_live(
    primary: str,
    secondary: tuple[str, ...],
    *,
    config_path: Path | None,
    progress: SourceProgress | None = None,
    universe: Universe | None = None,
):
    """Fetch every keyless source concurrently. Returns ``(snapshot, raw_responses)``; failures become gaps;
    ``NoPriceSourceError`` when no price source answered at all."""
    from derivintel.sources.config import SourceConfig
    from derivintel.sources.live import fetch_snapshot

    config = SourceConfig.load(config_path)
    import asyncio  # here, not at module level: the demo, --from and --asof paths never start an event loop

    return asyncio.run(fetch_snapshot(primary, secondary, config=config, progress=progress, universe=universe))


def load_saved(
    directory: Path, primary: str, secondary: tuple[str, ...], universe: Universe | None = None
) -> MarketSnapshot:
    """Rebuild a snapshot offline from a raw archive written by ``derivintel snapshot save`` (same parsers)."""
    from derivintel.sources.archive import load_raw
    from derivintel.sources.live import build_snapshot_from_raw

    return build_snapshot_from_raw(load_raw(directory), primary, secondary, universe=universe)


def load_universe_for(request: SnapshotRequest, *, now: datetime, say: Say) -> Universe | None:
    """The instrument universe the symbols are checked against: the demo's assets for ``--demo``; for a live
    report the venues' instrument lists (cached beside the history store, refetched after 24 h, the built-in
    assets when neither cache nor network is there); for ``--from``/``--asof`` the cache only (no network)."""
    from derivintel.app.asset_args import command_universe

    live = request.from_dir is None and request.asof is None
    return command_universe(
        request.store, live=live, demo=request.demo, config_path=request.config_path, say=say, now=now
    )


def get_snapshot(
    primary: str,
    secondary: tuple[str, ...],
    request: SnapshotRequest,
    *,
    say: Say,
    progress: SourceProgress | None = None,
    universe: Universe | None = None,
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
        snapshot = load_saved(request.from_dir, primary, secondary, universe)
    else:
        say("fetching live data from all venues")
        snapshot, _raw = fetch_live(
            primary, secondary, config_path=request.config_path, progress=progress, universe=universe
        )
    return with_stored_option_trades(with_stored_observations(snapshot, request.store), request.store)


def with_stored_observations(snapshot: MarketSnapshot, store: Path | None) -> MarketSnapshot:
    """Add what collectors stored that venues serve only as streams or per account: the realised liquidations that
    ``collect liquidations`` stored over the 7 days before ``as_of`` (phase 6 sums the last 24 h; the liquidation
    map's accuracy ledger scores the map against up to 7 days), and the Hyperliquid positions that
    ``collect positions`` read within ``SnapshotWindows.positions_max_age`` (2 h) before ``as_of`` (phases 4 and
    6), for assets whose snapshot has none of its own.

    No store: unchanged (the report then says nothing was collected). A store that cannot be read (e.g. a collector
    holds its write lock) becomes a gap."""
    from derivintel.core.provenance import Gap, GapKind
    from derivintel.store import HistoryStore, store_location
    from derivintel.store.positions_store import stored_observed_positions
    from derivintel.store.snapshot_at import SnapshotWindows

    path = store_location(store)
    if not path.exists():
        return snapshot
    since = snapshot.as_of - timedelta(days=7)
    max_age = SnapshotWindows().positions_max_age
    try:
        with HistoryStore(path, read_only=True) as st:
            assets = {
                name: replace(
                    data,
                    liquidations=data.liquidations + st.liquidations(name, until=snapshot.as_of, since=since),
                    observed_positions=data.observed_positions
                    if data.observed_positions is not None
                    else stored_observed_positions(st, name, as_of=snapshot.as_of, max_age=max_age),
                )
                for name, data in snapshot.assets.items()
            }
    except UserInputError as exc:
        gap = Gap(
            "store", "liquidations", GapKind.UNAVAILABLE, f"stored liquidations and positions not readable: {exc}"
        )
        return replace(snapshot, gaps=(*snapshot.gaps, gap))
    return replace(snapshot, assets=assets)


def with_stored_option_trades(snapshot: MarketSnapshot, store: Path | None) -> MarketSnapshot:
    """Join the option trades stored by earlier runs (``collect``) to the live 24 h window, so the estimated dealer
    inventory accumulates since the stored start (``domain.option_trades.join_stored``: only an unbroken record
    counts). No store: unchanged. A store that cannot be read becomes a gap."""
    from derivintel.core.provenance import Gap, GapKind
    from derivintel.domain.option_trades import join_stored
    from derivintel.store import HistoryStore, resolve_store_path
    from derivintel.store.snapshot_at import SnapshotWindows

    path = resolve_store_path(store)
    if not path.exists() or snapshot.synthetic:
        return snapshot
    lookback = SnapshotWindows().option_trades_lookback.total_seconds()
    try:
        with HistoryStore(path, read_only=True) as st, st.session():
            assets = {
                name: replace(
                    data,
                    option_trades=join_stored(
                        st.option_trades(name, until=snapshot.as_of, lookback_s=lookback), data.option_trades
                    ),
                )
                for name, data in snapshot.assets.items()
            }
    except UserInputError as exc:
        gap = Gap("store", "option_trades", GapKind.UNAVAILABLE, f"stored option trades not readable: {exc}")
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
    say = say or (lambda _msg: None)
    universe = load_universe_for(request, now=generated_at, say=say)
    primary, others = resolve_assets(symbol, secondary, universe)
    snapshot = get_snapshot(primary, others, request, say=say, progress=progress, universe=universe)
    say("running analytics")
    calibration = load_calibration(snapshot, request.store, plan=options.plan)
    return build_report(snapshot, analyze_snapshot(snapshot, options, calibration), generated_at=generated_at)


def load_calibration(snapshot: MarketSnapshot, store: Path | None, *, plan: PlanParams | None = None) -> Calibration:
    """Measured squeeze base rates, the bias track record, the regime records and the trade plan's record (with the
    report's ``plan`` parameters) from the history store, known at the snapshot's ``as_of`` (no look-ahead); without
    a store, each is missing with the reason. Synthetic snapshots are never calibrated on real history."""
    if snapshot.synthetic:
        missing = Result.missing("uncalibrated: the synthetic demo is not calibrated on history")
        return Calibration(
            missing,
            missing,
            Result.missing("no track record: no stored history (synthetic demo)"),
            Result.missing("no measured record: no stored history (synthetic demo)"),
            Result.missing("no measured record: no stored history (synthetic demo)"),
            plan_record=Result.missing("no measured record: no stored history (synthetic demo)"),
            phase_record=Result.missing("no measured record: no stored history (synthetic demo)"),
        )
    from derivintel.research import bias_track_record
    from derivintel.research.calibration import squeeze_calibration
    from derivintel.research.dealer_regime import dealer_regime_record_at
    from derivintel.research.macro_record import macro_regime_record_at
    from derivintel.research.plan_track import structure_records
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
            plan_record=Result.missing(f"no measured record: no stored history (no store at {path})"),
            phase_record=Result.missing(f"no measured record: no stored history (no store at {path})"),
        )
    with HistoryStore(path, read_only=True) as st, st.session():  # one read connection for every record
        plan_record, phase_record = structure_records(st, snapshot.primary, snapshot.as_of, params=plan or PlanParams())
        return Calibration(
            *squeeze_calibration(st, snapshot.primary, snapshot.as_of),
            bias_track_record(st, snapshot.primary, snapshot.as_of),
            dealer_regime_record_at(st, snapshot.primary, snapshot.as_of),
            macro_regime_record_at(st, snapshot.primary, snapshot.as_of),
            stored_surface_history(st, snapshot.primary, snapshot.as_of),
            plan_record=plan_record,
            phase_record=phase_record,
        )


HISTORY_POINTS = ("rr25_30d", "vrp_30d")


def stored_surface_history(store, asset: str, as_of: datetime):
    """The stored surface key points the report reads (``HISTORY_POINTS``) up to ``as_of``; None when the store
    holds none of them."""
    from derivintel.analytics.options.surface_history import PointHistory, SurfaceHistory
    from derivintel.core.provenance import Source
    from derivintel.core.timeutil import utc

    points = {}
    for name in HISTORY_POINTS:
        ts, values = store.surface_point_history(asset, name, until=as_of)
        points[name] = PointHistory(name, ts, values)
    stamps = [p.ts.max() for p in points.values() if len(p.ts)]
    if not stamps:
        return None
    last = utc(max(stamps).astype("datetime64[ms]").astype(datetime))
    return SurfaceHistory(points, Source("store", "option_surface_points", last, last))
