"""CLI commands of the history store (typer functions; registered in ``app/cli.py`` by the lead):

- ``import_app`` (``derivintel import FORMAT|series|oi ...``): importers of public dumps (each format a
  ``DumpFormat`` of ``sources.registry.DUMP_FORMATS``) and dated CSVs.
- ``backfill`` (``derivintel backfill SYMBOL --days N``), ``collect`` (``derivintel collect [SYMBOLS] --every 5m``),
  ``study`` (``derivintel study SYMBOL``: event-study table and JSON), ``store_app`` (``derivintel store``: its
  contents; ``store compact``, ``store prune --before DATE``).

Every command takes ``--store PATH`` (default: ``$DERIVINTEL_HOME`` / ``$XDG_DATA_HOME/derivintel`` /
``~/.local/share/derivintel``), or ``--store chdb:PATH`` / ``--store clickhouse://HOST:PORT/DB`` (docs/history.md).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from derivintel.app.asset_args import resolve_assets
from derivintel.app.cli_args import parse_every
from derivintel.app.destinations import check_writable
from derivintel.core.errors import UserInputError
from derivintel.core.timeutil import iso, parse_utc
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.store.collect import HistoryFetch, SnapshotFetch

StoreOpt = Annotated[Path | None, typer.Option("--store", help="History store file or directory.")]
err = Console(stderr=True, soft_wrap=True)  # counts never wrap mid-line when piped
import_app = typer.Typer(help="Import public data dumps and dated CSVs into the history store.", no_args_is_help=True)


DEMO_STORE_FILENAME = "demo-history.duckdb"


def _open(store: Path | None):  # -> HistoryStore
    """The store an import writes: prepared on its first use, so the files are parsed before a connection (and the
    store's write lock) is taken, and the checks, schema and writes share one connection."""
    from derivintel.store import HistoryStore

    return HistoryStore(store, prepare_on_first_use=True)


def _open_read(store: Path | None):  # -> HistoryStore
    """Open for reading only (read-only connections share DuckDB's lock with other readers); a store that does not
    exist yet is created empty, as before."""
    from derivintel.store import HistoryStore, store_location

    location = store_location(store)
    return HistoryStore(location, read_only=location.exists())


def _open_for(store: Path | None, *, synthetic: bool):  # -> HistoryStore
    """Open the store a collector writes to. Synthetic (``--demo``) rows go to their own store
    (``demo-history.duckdb`` beside the default one) unless ``--store`` is given; a store holding the other kind of
    data is refused before anything is fetched (real and synthetic rows never share a store)."""
    from derivintel.core.errors import MixedStoreError
    from derivintel.store import HistoryStore, default_store_dir

    path = default_store_dir() / DEMO_STORE_FILENAME if synthetic and store is None else store
    st = HistoryStore(path)
    kind = st.content_kind()
    wanted = "synthetic" if synthetic else "real"
    if kind not in (("empty", "synthetic") if synthetic else ("empty", "real", "mixed")):
        st.close()
        hint = "synthetic demo data goes to its own store" if synthetic else "the demo store is for --demo only"
        raise MixedStoreError(f"history store {st.location} holds {kind} data; refusing to add {wanted} rows ({hint})")
    if synthetic:
        err.print(f"[yellow]SYNTHETIC demo rows go to {st.location}[/yellow]")
    return st


def _print_import(report) -> None:
    err.print(report.summary())
    for note in report.notes:
        err.print(f"[dim]{note}[/dim]")


def _import_dumps(format_name: str, files: list[Path], store: Path | None, **options: Any) -> None:
    """Parse every file with the registry's dump format ``format_name``, then write them all (nothing is stored when
    one file is refused)."""
    from derivintel.store.importers import import_dumps

    with _open(store) as st:
        _print_import(import_dumps(format_name, files, st, **options))


@import_app.command("binance-vision")
def import_binance(
    files: Annotated[list[Path], typer.Argument(help="data.binance.vision klines/fundingRate/metrics CSV or zip.")],
    asset: Annotated[str | None, typer.Option("--asset", help="Override the asset (e.g. BTC).")] = None,
    market: Annotated[str | None, typer.Option("--market", help="perp or spot (default: from the name).")] = None,
    store: StoreOpt = None,
) -> None:
    """Import Binance public data dumps (idempotent)."""
    _import_dumps("binance-vision", files, store, asset=asset, market=market)


@import_app.command("deribit-chain")
def import_deribit(
    files: Annotated[list[Path], typer.Argument(help="Deribit chain files (JSON, UI export CSV, svcj CSV).")],
    currency: Annotated[str, typer.Option("--currency")] = "BTC",
    spot: Annotated[float | None, typer.Option("--spot", help="Spot USD for UI exports.")] = None,
    store: StoreOpt = None,
) -> None:
    """Import Deribit option-chain snapshots (idempotent). Cut files, instruments listed twice and negative open
    interest are refused before anything is stored (the checks of ``derivintel options``)."""
    from derivintel.app.options_cmd import check_chain, check_complete_csv
    from derivintel.sources.registry import dump_format
    from derivintel.store.importers import write_dumps

    recv = datetime.now(UTC)
    parsed = []
    for f in files:  # every file read and checked before the first is written
        (dump,) = dump_format("deribit-chain").parse_files(
            [f], received_at=recv, currency=currency.upper(), spot_usd=spot
        )
        check_complete_csv(f)
        for chain in dump.chains:
            check_chain(chain, f)
        parsed.append(dump)
    with _open(store) as st:
        _print_import(write_dumps(parsed, st, received_at=recv))


@import_app.command("tardis")
def import_tardis_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Tardis.dev CSVs (.csv or .csv.gz): derivative_ticker, liquidations, book_snapshot_25, "
            "options_chain; the format is read from the header."
        ),
    ],
    every: Annotated[
        str, typer.Option("--every", help="Sampling period of tickers, books and chains: 1m, 5m, 1h.")
    ] = "5m",
    store: StoreOpt = None,
) -> None:
    """Import Tardis.dev downloadable CSVs (perp tickers, liquidations, 25-level books, option chains)."""
    _import_dumps("tardis", files, store, every_s=int(parse_every(every)))


@import_app.command("tardis-options-chain")
def import_tardis_options_chain_cmd(
    files: Annotated[list[Path], typer.Argument(help="Tardis.dev options_chain CSV files (.csv or .csv.gz).")],
    every: Annotated[str, typer.Option("--every", help="Snapshot period: 1m, 5m, 1h.")] = "1h",
    store: StoreOpt = None,
) -> None:
    """Import Tardis.dev options_chain CSVs as chain snapshots, one per period (idempotent, no look-ahead)."""
    _import_dumps("tardis-options-chain", files, store, every_s=int(parse_every(every)))


@import_app.command("series")
def import_series_cmd(
    name: Annotated[str, typer.Argument(help="vix, nasdaq, wti, dxy, stablecoin_supply, btc_dominance, eth_btc")],
    file: Annotated[Path, typer.Argument(help="date,value CSV (also as_of,value,status and FRED downloads).")],
    unit: Annotated[str, typer.Option("--unit", help="auto, percent, fraction or native.")] = "auto",
    release: Annotated[str | None, typer.Option("--release", help="fred or crypto_daily.")] = None,
    store: StoreOpt = None,
) -> None:
    """Import a dated macro series with availability times (idempotent)."""
    from derivintel.store.importers import import_series

    if unit not in ("auto", "percent", "fraction", "native"):
        raise UserInputError(f"--unit must be auto, percent, fraction or native, got {unit!r}")
    if release not in (None, "fred", "crypto_daily"):
        raise UserInputError(f"--release must be fred or crypto_daily, got {release!r}")
    with _open(store) as st:
        _print_import(import_series(name, file, st, input_unit=unit, release=release))  # type: ignore[arg-type]


@import_app.command("oi")
def import_oi(
    file: Annotated[Path, typer.Argument(help="CSV with a time column, coin OI and a USD price.")],
    venue: Annotated[
        str | None, typer.Option("--venue", help="Venue id of the series (default: the registry's OI CSV venue).")
    ] = None,
    asset: Annotated[str, typer.Option("--asset")] = "BTC",
    interval_s: Annotated[int, typer.Option("--interval-s", help="Sampling interval in seconds.")] = 3600,
    ts_column: Annotated[str, typer.Option("--ts-column")] = "timestamp",
    oi_column: Annotated[str, typer.Option("--oi-column")] = "open_interest",
    price_column: Annotated[str, typer.Option("--price-column")] = "mark_price",
    store: StoreOpt = None,
) -> None:
    """Import an open-interest history CSV (idempotent)."""
    from derivintel.sources.registry import OI_CSV_DEFAULT_VENUE
    from derivintel.store.importers import import_oi_csv

    (coin,) = resolve_assets([asset], store, live=False)  # any coin the cached instrument lists know
    with _open(store) as st:
        report = import_oi_csv(
            file,
            st,
            venue=venue or OI_CSV_DEFAULT_VENUE,
            asset=coin,
            interval_s=interval_s,
            ts_column=ts_column,
            oi_base_column=oi_column,
            price_column=price_column,
        )
        _print_import(report)


# --- fetch wiring: demo offline, live via the pipeline's snapshot fetch ----------------------------------------------
def demo_fetch(now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> SnapshotFetch:
    """Fetch = the SYNTHETIC demo scenario at the current hour (stored with synthetic=True)."""
    from derivintel.core.timeutil import floor_to
    from derivintel.sources.demo import build_demo_snapshot

    def fetch(asset: str) -> MarketSnapshot:
        return build_demo_snapshot(asset, (), seed=7, as_of=floor_to(now(), 3600))

    return fetch


def live_fetch() -> SnapshotFetch:
    """Fetch = the live keyless snapshot of the report pipeline (``app.pipeline.fetch_live``)."""

    def fetch(asset: str) -> MarketSnapshot:
        from derivintel.app.pipeline import fetch_live

        snapshot, _raw = fetch_live(asset, (), config_path=None)
        return snapshot

    return fetch


def live_history_fetch() -> HistoryFetch:
    """Fetch = the venues' paged history endpoints (Binance, Bybit, OKX klines/funding; Binance OI, last 30 days)."""
    from derivintel.sources.config import SourceConfig
    from derivintel.sources.history_fetch import live_history_fetch as paged

    return paged(SourceConfig.load(None), on_gap=lambda g: err.print(f"[yellow]{g.label}: {g.reason}[/yellow]"))


def backfill(
    symbol: Annotated[str, typer.Argument(help="Asset, e.g. BTC.")],
    days: Annotated[int, typer.Option("--days", help="How many days back.")] = 30,
    demo: Annotated[bool, typer.Option("--demo", help="Backfill from the SYNTHETIC demo scenario.")] = False,
    store: StoreOpt = None,
) -> None:
    """Store what the venues' history endpoints give for SYMBOL over the last N days."""
    from derivintel.store.collect import backfill as run_backfill
    from derivintel.store.collect import history_from_snapshot

    (asset,) = resolve_assets([symbol], store, live=not demo, demo=demo)
    if days <= 0:
        raise UserInputError("--days must be positive")
    fetch_history = history_from_snapshot(demo_fetch()) if demo else live_history_fetch()
    with _open_for(store, synthetic=demo) as st:
        rep = run_backfill(fetch_history, asset, days, st, now=datetime.now(UTC))
    for table, n in sorted(rep.read.items()):
        err.print(f"{table}: {rep.inserted.get(table, 0)} new of {n} read")


def collect(
    symbols: Annotated[list[str] | None, typer.Argument(help="Assets to poll (default BTC ETH).")] = None,
    every: Annotated[str, typer.Option("--every", help="Polling period: 30s, 5m, 1h.")] = "5m",
    rounds: Annotated[int | None, typer.Option("--rounds", help="Stop after this many rounds.")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Poll the SYNTHETIC demo scenario.")] = False,
    store: StoreOpt = None,
) -> None:
    """Poll sources into the store, one status line per round; failures are reported and polling goes on.

    ``derivintel collect liquidations [SYMBOLS]`` instead streams realised liquidations over websockets (see
    ``derivintel collect-liquidations --help`` for its own options); ``derivintel collect positions [COINS]`` polls
    Hyperliquid accounts' positions (``derivintel collect-positions --help``)."""
    from derivintel.store.collect import run_collector

    if symbols and symbols[0].lower() == "liquidations":
        from derivintel.app.liquidations_cmd import collect_liquidations

        collect_liquidations(symbols[1:] or None, store=store)
        return
    if symbols and symbols[0].lower() == "positions":
        from derivintel.app.positions_cmd import collect_positions

        if demo:
            raise UserInputError("collect positions polls Hyperliquid; the demo has no accounts to poll")
        collect_positions(symbols[1:] or None, every=every, rounds=rounds, store=store)
        return
    assets = resolve_assets(symbols or ["BTC", "ETH"], store, live=not demo, demo=demo)
    every_s = parse_every(every)
    with _open_for(store, synthetic=demo) as st:
        run_collector(
            demo_fetch() if demo else live_fetch(),
            assets,
            st,
            every_s=every_s,
            rounds=rounds,
            on_status=lambda s: err.print(s.line),
        )


def _num(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits)


def study_json(result) -> dict[str, Any]:
    """The study as plain JSON (fractions, ISO times)."""
    rows = []
    for r in result.rows:
        d = asdict(r)
        for k, v in d.items():
            if isinstance(v, datetime):
                d[k] = iso(v)
            elif isinstance(v, float):
                d[k] = _num(v)
        rows.append(d)
    return {
        "asset": result.asset,
        "interval_s": result.interval_s,
        "horizons_days": list(result.horizons_days),
        "span_start": iso(result.span_start),
        "span_end": iso(result.span_end),
        "feature_spans": {k: None if v is None else [iso(v[0]), iso(v[1])] for k, v in result.feature_spans.items()},
        "multiple_testing": result.multiple_testing,
        "spa_pvalues": {str(k): _num(v, 4) for k, v in result.spa_pvalues.items()},
        "confidence": result.confidence,
        "n_boot": result.n_boot,
        "seed": result.seed,
        "rows": rows,
    }


def _pct(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x * 100:.{digits}f}%"


def study_table(result) -> Table:
    t = Table(title=f"{result.asset} event study {result.span_start:%Y-%m-%d}..{result.span_end:%Y-%m-%d}")
    for col in ("signal", "h", "N", "hit", "mean", "median", f"CI{result.confidence:.0%}", "base mean", "p", "sig"):
        t.add_column(col, justify="left" if col == "signal" else "right")
    for r in result.rows:
        ci = "–" if r.ci_low is None else f"{_pct(r.ci_low)}..{_pct(r.ci_high)}"
        sig = "–" if r.significant is None else ("yes" if r.significant else "no")
        t.add_row(
            r.signal,
            f"{r.horizon_days}d",
            str(r.n_events),
            _pct(r.hit_rate, 1),
            _pct(r.mean_return),
            _pct(r.median_return),
            ci,
            _pct(r.baseline_mean),
            "–" if r.p_value is None else f"{r.p_value:.3f}",
            sig,
        )
    return t


def study(
    symbol: Annotated[str, typer.Argument(help="Asset, e.g. BTC.")],
    horizons: Annotated[str, typer.Option("--horizons", help="Forward horizons in days, comma-separated.")] = "1,3,7",
    as_of: Annotated[str | None, typer.Option("--asof", help="Use only history known at this time.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Bootstrap seed (a non-negative integer).")] = 7,
    n_boot: Annotated[int, typer.Option("--boot", min=100, help="Bootstrap resamples (at least 100).")] = 2000,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the study as JSON here.")] = None,
    store: StoreOpt = None,
) -> None:
    """Event study of the default signals on stored history: table on stdout, JSON on request."""
    from derivintel.research import run_study

    try:
        hs = tuple(int(h) for h in horizons.split(",") if h.strip())
    except ValueError as exc:
        raise UserInputError(f"--horizons must be integers, got {horizons!r}") from exc
    if not hs or min(hs) <= 0:
        raise UserInputError("--horizons must be positive integers")
    if json_out is not None:
        check_writable(json_out, "--json")  # before the study, so the JSON is never lost after the table
    with _open_read(store) as st:
        res = run_study(
            st,
            resolve_assets([symbol], store, live=False)[0],
            horizons_days=hs,
            as_of=parse_utc(as_of) if as_of else None,
            seed=seed,
            n_boot=n_boot,
        )
    if res.value is None:
        raise UserInputError(f"study impossible: {'; '.join(res.reasons)}")
    out = Console(width=None if sys.stdout.isatty() else 1000)  # piped: never cut signal names
    out.print(study_table(res.value))
    out.print(f"[dim]multiple testing: {res.value.multiple_testing}; SPA p: {dict(res.value.spa_pvalues)}[/dim]")
    if json_out is not None:
        try:
            json_out.write_text(json.dumps(study_json(res.value), indent=2), encoding="utf-8")
        except OSError as exc:
            raise UserInputError(f"--json {json_out}: cannot write ({exc.strerror or exc})") from exc


store_app = typer.Typer(
    help="Print the store's location, row counts per table and its content (real, synthetic, mixed or empty).",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@store_app.callback()
def store_main(ctx: typer.Context, store: StoreOpt = None) -> None:
    """Print the store's location, row counts per table and its content (real, synthetic, mixed or empty).

    Sub-commands keep a long-running store small: `store compact` and `store prune --before DATE`."""
    if ctx.invoked_subcommand is None:
        store_info(store)


@store_app.command("compact")
def store_compact(store: StoreOpt = None) -> None:
    """Reclaim space: DuckDB rewrites the file (after a CHECKPOINT), ClickHouse runs OPTIMIZE ... FINAL."""
    from derivintel.store import HistoryStore, store_location

    location = store_location(store)
    if not location.exists():
        raise UserInputError(f"no history store at {location}")
    with HistoryStore(location) as st:
        before, after = st.compact()
    sys.stdout.write(f"{location}\n{'bytes before':16s} {before}\n{'bytes after':16s} {after}\n")


@store_app.command("prune")
def store_prune(
    before: Annotated[str, typer.Option("--before", help="Delete observations older than this date (UTC, ISO).")],
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Only this kind (table), e.g. candles; repeatable.")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Delete observations whose time is before DATE; prints the rows deleted per kind."""
    from derivintel.store import HistoryStore, store_location

    cutoff = parse_utc(before)
    location = store_location(store)
    if not location.exists():
        raise UserInputError(f"no history store at {location}")
    with HistoryStore(location) as st:
        deleted = st.prune(cutoff, kind or None)
    sys.stdout.write(f"{location}: deleted rows before {iso(cutoff)}\n")
    for name, n in deleted.items():
        sys.stdout.write(f"{name:16s} {n}\n")


def store_info(store: StoreOpt = None) -> None:
    """Print the store's location, row counts per table and its content (real, synthetic, mixed or empty)."""
    # then, per table and series, the covered span, observation times and gaps (HistoryStore.coverage)
    with _open_read(store) as st, st.session():
        sys.stdout.write(f"{st.location}\n")
        for table, n in st.row_counts().items():
            sys.stdout.write(f"{table:16s} {n}\n")
        sys.stdout.write(f"{'content':16s} {st.content_kind()}\n")  # empty, real, synthetic or mixed
        coverage = st.coverage()
    if coverage:
        sys.stdout.write("\ncoverage (table, series, first .. last UTC, times, gaps > 2x the median step)\n")
    for c in coverage:
        gaps = "-" if c.gaps is None else str(c.gaps)
        span = f"{c.first:%Y-%m-%d %H:%M} .. {c.last:%Y-%m-%d %H:%M}"
        sys.stdout.write(f"{c.table:16s} {c.series:40s} {span} {c.times:>9d} {gaps:>6s}\n")


def _register_hl_trades() -> None:
    """``import hl-trades`` lives with the positions commands; it joins the import group here."""
    from derivintel.app.positions_cmd import import_hl_trades

    import_app.command("hl-trades")(import_hl_trades)


_register_hl_trades()
