"""``build_snapshot_at``: a ``MarketSnapshot`` from the history store holding only what was known at ``as_of``.

Point-in-time rules: a bar (candles, taker volume) counts once it has closed (``ts + interval ≤ as_of``); point
observations (OI, long/short ratios, funding settlements, liquidations) once ``ts ≤ as_of``; a macro value once its
``available_ts ≤ as_of``; option trades once received (``ts_recv ≤ as_of``), over the unbroken span of stored
batches before ``as_of`` (``OptionTrades.covered_from``); a perp snapshot (mark, current funding, OI) only when
taken within ``perp_max_age`` before ``as_of``; an order book likewise within ``book_max_age``; a dated future
(mark, index, OI) only when observed within ``futures_max_age`` before ``as_of`` and not expired by then; an option
chain (each option venue's: Deribit's in ``options``, the others in ``venue_options``) only when taken within
``chain_max_age``. All-exchange aggregates (Coinglass OI and funding) come from their own tables. Kinds without
data are listed as gaps (``GapKind.INSUFFICIENT_HISTORY``).

With ``require_price`` (the ``report --asof`` path) a primary asset without a stored price at ``as_of`` (no perp
snapshot within ``perp_max_age`` and no candle closed within ``price_max_age``) raises ``NoStoredPriceError`` naming
the stored span, as the live path raises when no price source answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from derivintel.core.errors import NoStoredPriceError
from derivintel.core.provenance import Gap, GapKind
from derivintel.core.timeutil import iso, utc
from derivintel.domain.assets import OPTION_ASSETS
from derivintel.domain.macro import MACRO_UNITS
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.sources.roles import OPTION_VENUE_ORDER, PRIMARY_OPTIONS_VENUE
from derivintel.store.history_store import HistoryStore
from derivintel.store.positions_store import stored_observed_positions


@dataclass(frozen=True, slots=True)
class SnapshotWindows:
    """How far back each kind is read (history windows) and how old a 'current' observation may be."""

    series_lookback: timedelta = timedelta(days=450)
    liquidations_lookback: timedelta = timedelta(days=7)
    perp_max_age: timedelta = timedelta(minutes=15)
    futures_max_age: timedelta = timedelta(minutes=15)
    book_max_age: timedelta = timedelta(minutes=15)
    chain_max_age: timedelta = timedelta(hours=2)
    positions_max_age: timedelta = timedelta(hours=2)
    price_max_age: timedelta = timedelta(days=2)
    # Option trades: the unbroken span of stored batches ending before as_of, at most this far back (the
    # estimated dealer inventory accumulates over it; expired options drop out by themselves).
    option_trades_lookback: timedelta = timedelta(days=90)


def _gap(kind: str, asset: str | None, as_of: datetime, gap_kind: GapKind = GapKind.INSUFFICIENT_HISTORY) -> Gap:
    where = f" for {asset}" if asset else ""
    reason = f"history store has no {kind.replace('_', ' ')}{where} known at {iso(as_of)}"
    if gap_kind is GapKind.NOT_COVERED:
        reason = f"the history store keeps no {kind.replace('_', ' ')}"
    return Gap("store", kind, gap_kind, reason, asset)


def build_snapshot_at(
    store: HistoryStore,
    primary: str,
    secondary: Sequence[str] = (),
    as_of: datetime | None = None,
    *,
    windows: SnapshotWindows = SnapshotWindows(),
    require_price: bool = False,
) -> MarketSnapshot:
    """The snapshot of ``primary`` (and ``secondary``) as known at ``as_of`` (aware UTC; naive = UTC). Its reads
    share one store connection (one shared-lock hold, released when the snapshot is built)."""
    if as_of is None:
        raise ValueError("build_snapshot_at needs an explicit as_of")
    with store.session():
        return _build(store, primary, secondary, utc(as_of), windows, require_price)


def _build(
    store: HistoryStore,
    primary: str,
    secondary: Sequence[str],
    as_of: datetime,
    windows: SnapshotWindows,
    require_price: bool,
) -> MarketSnapshot:
    # the app checked the symbols against the instrument universe (a listed coin need not be a built-in one)
    assets = [a.strip().upper() for a in (primary, *secondary)]
    assets = list(dict.fromkeys(assets))
    if require_price:
        require_stored_price(store, assets[0], as_of, windows)
    since = as_of - windows.series_lookback
    gaps: list[Gap] = []
    data: dict[str, AssetData] = {}
    synthetic = False
    for asset in assets:
        candles = tuple(
            c for c in (s.until(as_of) for s in store.candle_series(asset, until=as_of, since=since)) if len(c)
        )
        oi = tuple(s.until(as_of) for s in store.open_interest_series(asset, until=as_of, since=since))
        funding = tuple(s.until(as_of) for s in store.funding_series(asset, until=as_of, since=since))
        long_short = tuple(s.until(as_of) for s in store.long_short_series(asset, until=as_of, since=since))
        taker = tuple(
            t for t in (s.until(as_of) for s in store.taker_volume_series(asset, until=as_of, since=since)) if len(t)
        )
        perps = tuple(store.latest_perps(asset, as_of=as_of, max_age_s=windows.perp_max_age.total_seconds()))
        futures = tuple(store.latest_futures(asset, as_of=as_of, max_age_s=windows.futures_max_age.total_seconds()))
        chains = store.latest_option_chains(asset, as_of=as_of, max_age_s=windows.chain_max_age.total_seconds())
        chain = chains.pop(PRIMARY_OPTIONS_VENUE, None)
        trades = (
            store.option_trades(asset, until=as_of, lookback_s=windows.option_trades_lookback.total_seconds())
            if asset in OPTION_ASSETS
            else None
        )
        books = tuple(store.latest_books(asset, as_of=as_of, max_age_s=windows.book_max_age.total_seconds()))
        agg_oi = _latest_aggregate(store, "aggregate_open_interest", asset, as_of, since)
        agg_funding = _latest_aggregate(store, "aggregate_funding", asset, as_of, since)
        liqs = store.liquidations(asset, until=as_of, since=as_of - windows.liquidations_lookback)
        found = {
            "candles": candles,
            "open_interest": [s for s in oi if len(s)],
            "funding": [s for s in funding if len(s)],
            "long_short": [s for s in long_short if len(s)],
            "taker_volume": taker,
            "perp_metrics": perps,
            "dated_futures": futures,
            "liquidations": liqs,
            "order_books": books,
        }
        gaps += [_gap(kind, asset, as_of) for kind, items in found.items() if not items]
        if asset in OPTION_ASSETS and chain is None:
            gaps.append(_gap("option_chain", asset, as_of))
        if asset in OPTION_ASSETS and trades is None:
            gaps.append(_gap("option_trades", asset, as_of))
        groups = (candles, oi, funding, long_short, taker)
        synthetic = (
            synthetic
            or any(s.source.synthetic for g in groups for s in g)
            or any(p.source.synthetic for p in perps)
            or any(b.source.synthetic for b in books)
        )
        data[asset] = AssetData(
            asset=asset,
            perps=perps,
            candles=candles,
            open_interest=tuple(s for s in oi if len(s)),
            funding=tuple(s for s in funding if len(s)),
            long_short=tuple(s for s in long_short if len(s)),
            taker_volume=taker,
            books=books,
            options=chain,
            venue_options=dict(sorted(chains.items(), key=lambda kv: _venue_rank(kv[0]))),
            futures=futures,
            option_trades=trades,
            liquidations=liqs,
            aggregate_open_interest=agg_oi,
            aggregate_funding=agg_funding,
            observed_positions=stored_observed_positions(store, asset, as_of=as_of, max_age=windows.positions_max_age),
        )
    macro = {}
    for name in MACRO_UNITS:
        series = store.macro_series(name, available_by=as_of)
        if series is None or len(series) == 0:
            gaps.append(_gap(f"macro_{name}", None, as_of))
        else:
            macro[name] = series
            synthetic = synthetic or series.source.synthetic
    return MarketSnapshot(
        as_of=as_of,
        primary=assets[0],
        assets=data,
        macro=macro,
        gaps=tuple(gaps),
        synthetic=synthetic,
    )


def _venue_rank(venue: str) -> tuple[int, str]:
    """The live assembly's order of the other option venues (``sources.roles.OPTION_VENUE_ORDER``); a venue not
    declared there follows, by name."""
    known = OPTION_VENUE_ORDER.index(venue) if venue in OPTION_VENUE_ORDER else len(OPTION_VENUE_ORDER)
    return known, venue


def _latest_aggregate(store: HistoryStore, kind: str, asset: str, as_of: datetime, since: datetime):
    """The stored all-exchange aggregate series of ``kind`` known at ``as_of`` (the aggregator's longest), or None."""
    found = [s for s in (x.until(as_of) for x in store.read(kind, asset, until=as_of, since=since)) if len(s)]
    return max(found, key=len) if found else None


def require_stored_price(store: HistoryStore, asset: str, as_of: datetime, windows: SnapshotWindows) -> None:
    """Raise ``NoStoredPriceError`` unless ``store`` prices ``asset`` at ``as_of`` (see module doc); the message
    names what the store holds for that asset (its span), or the assets it holds."""
    as_of = utc(as_of)
    if store.latest_perps(asset, as_of=as_of, max_age_s=windows.perp_max_age.total_seconds()):
        return
    last_close = store.last_candle_close(asset, until=as_of)
    if last_close is not None and last_close >= as_of - windows.price_max_age:
        return
    span = store.price_span(asset)
    if span is None:
        held = store.priced_assets()
        holds = f"it holds prices for {', '.join(held)}" if held else "it holds no prices at all"
        raise NoStoredPriceError(f"no stored price for {asset} in {store.location}: {holds}")
    first, last = span
    raise NoStoredPriceError(
        f"no stored price for {asset} at {iso(as_of)} in {store.location}: its {asset} prices span "
        f"{iso(first)}..{iso(last)} (a price counts when at most {windows.price_max_age.days} days old)"
    )
