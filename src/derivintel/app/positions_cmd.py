"""CLI of the observed Hyperliquid positions (registered in ``app/cli.py``; ``collect positions`` dispatches here):

- ``derivintel collect positions [COINS] --every 5m``: discover addresses from trades and poll their positions into
  the history store within Hyperliquid's rate limits, one status line per round.
- ``derivintel positions COIN [--asof T] [--format table|json]``: the observed liquidation map from the store.

Output is aggregates only: no address is ever printed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from derivintel.app.asset_args import resolve_assets
from derivintel.app.cli_args import parse_every
from derivintel.core.errors import NoPriceSourceError, UserInputError
from derivintel.core.result import Result
from derivintel.core.timeutil import iso, parse_utc

if TYPE_CHECKING:
    from derivintel.analytics.liquidity.observed_map import ObservedLiquidationMap

err = Console(stderr=True)
StoreOpt = Annotated[Path | None, typer.Option("--store", help="History store file or directory.")]
BANDS = (0.01, 0.02, 0.05)


class PositionsFormat(StrEnum):
    table = "table"
    json = "json"


def _r(x: float | None, digits: int | None = None) -> float | None:
    """Plain float; USD figures are rounded to ``digits``, fractions are kept exact."""
    if x is None:
        return None
    return float(x) if digits is None else round(float(x), digits)


def observed_map_json(res: Result[ObservedLiquidationMap]) -> dict[str, Any]:
    """Aggregates of an observed map as plain JSON (fractions, USD, ISO times); never per-address rows."""
    m = res.value
    out: dict[str, Any] = {"status": res.status.value, "reasons": list(res.reasons)}
    if m is None:
        return out
    ref = m.reference_price_usd

    def within(bins, side: str, d: float) -> float:
        c = m.bin_centers_usd
        mask = (c >= ref * (1 - d)) & (c < ref) if side == "long" else (c > ref) & (c <= ref * (1 + d))
        return float(bins[mask].sum())

    def clusters(cs):
        return [
            {
                "price_usd": _r(c.price_usd, 2),
                "price_low_usd": _r(c.price_low_usd, 2),
                "price_high_usd": _r(c.price_high_usd, 2),
                "notional_usd": _r(c.notional_usd, 2),
                "distance_frac": _r(c.distance_fraction),
            }
            for c in cs[:5]
        ]

    lev = m.leverage
    out |= {
        "venue": m.venue,
        "coin": m.coin,
        "as_of": iso(m.as_of),
        "label": m.label,
        "reference_price_usd": ref,
        "bin_width_usd": _r(m.bin_width_usd, 4),
        "accounts_observed": m.accounts_observed,
        "accounts_failed": m.accounts_failed,
        "positions": m.positions,
        "coverage_frac": _r(m.coverage_frac),
        "oldest_observation_age_s": _r(m.oldest_observation_age_s, 1),
        "observed_long_base": _r(m.observed_long_base),
        "observed_short_base": _r(m.observed_short_base),
        "long_within_usd": {f"{d:g}": _r(within(m.long_notional_usd, "long", d), 2) for d in BANDS},
        "short_within_usd": {f"{d:g}": _r(within(m.short_notional_usd, "short", d), 2) for d in BANDS},
        "long_outside_range_usd": _r(m.long_outside_range_usd, 2),
        "short_outside_range_usd": _r(m.short_outside_range_usd, 2),
        "no_liquidation_price_usd": _r(m.no_liquidation_price_usd, 2),
        "crossed_usd": _r(m.crossed_usd, 2),
        "long_clusters": clusters(m.long_clusters),
        "short_clusters": clusters(m.short_clusters),
        "leverage": None
        if lev is None
        else {
            "tiers": list(lev.tiers),
            "weights_by_notional": [_r(w) for w in lev.weights],
            "model_assumed_weights": [_r(w) for w in lev.assumed_weights],
            "distance_to_model_mix": _r(lev.distance_to_assumed),
            "p25": lev.p25,
            "median": lev.median,
            "p75": lev.p75,
            "cross_share": _r(lev.cross_share),
            "positions": lev.positions,
            "notional_usd": _r(lev.notional_usd, 2),
        },
    }
    return out


def _usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"${x / 1e6:,.2f}M" if abs(x) >= 1e6 else f"${x:,.0f}"


def _print_table(doc: dict[str, Any]) -> None:
    console = Console()
    if doc.get("coin") is None:
        console.print(f"no observed map: {'; '.join(doc['reasons'])}")
        return
    cov = doc["coverage_frac"]
    console.print(
        f"[bold]{doc['coin']} observed liquidation levels ({doc['venue']})[/bold] at {doc['as_of']}: "
        f"{doc['label']}\n"
        f"{doc['accounts_observed']} accounts read ({doc['accounts_failed']} failed), {doc['positions']} positions, "
        f"coverage {'unknown' if cov is None else f'{cov:.1%}'} of OI, oldest read "
        f"{doc['oldest_observation_age_s'] / 60:.0f} min before, reference {doc['reference_price_usd']:,.2f} USD"
    )
    t = Table("Side", "Cluster", "Range", "Notional", "Distance")
    for side in ("long", "short"):
        for c in doc[f"{side}_clusters"]:
            t.add_row(
                side,
                f"{c['price_usd']:,.2f}",
                f"{c['price_low_usd']:,.2f}-{c['price_high_usd']:,.2f}",
                _usd(c["notional_usd"]),
                f"{c['distance_frac']:.2%}",
            )
    console.print(t)
    w = Table("Within", "Long liq. below", "Short liq. above")
    for d in BANDS:
        w.add_row(f"{d:.0%}", _usd(doc["long_within_usd"][f"{d:g}"]), _usd(doc["short_within_usd"][f"{d:g}"]))
    console.print(w)
    lev = doc["leverage"]
    if lev is not None:
        lt = Table("Leverage tier", "Observed share of notional", "Model's assumed share")
        for tier, share, assumed in zip(
            lev["tiers"], lev["weights_by_notional"], lev["model_assumed_weights"], strict=True
        ):
            lt.add_row(f"{tier:g}x", f"{share:.1%}", f"{assumed:.1%}")
        console.print(lt)
        console.print(
            f"observed mix vs the model's: total-variation distance {lev['distance_to_model_mix']:.2f} "
            f"({lev['positions']} positions, {doc['as_of']})"
        )
        console.print(
            f"median leverage {lev['median']:g}x (p25 {lev['p25']:g}x, p75 {lev['p75']:g}x) by notional; "
            f"cross margin {lev['cross_share']:.1%}"
        )
    console.print(f"without a liquidation price: {_usd(doc['no_liquidation_price_usd'])}")
    for r in doc["reasons"]:
        console.print(f"[dim]{r}[/dim]")


def _duration(text: str, what: str) -> float:
    try:
        return parse_every(text)
    except UserInputError:
        raise UserInputError(f"{what} must look like 30s, 5m or 1h, got {text!r}") from None


def positions(
    coin: Annotated[str, typer.Argument(help="Coin, e.g. BTC.")],
    asof: Annotated[
        str | None, typer.Option("--asof", help="Point in time (default: now), e.g. 2024-01-01T12:00Z.")
    ] = None,
    max_age: Annotated[str, typer.Option("--max-age", help="Oldest account read used: 30m, 2h.")] = "2h",
    fmt: Annotated[PositionsFormat, typer.Option("--format", "-f", help="table or json.")] = PositionsFormat.table,
    store: StoreOpt = None,
) -> None:
    """The observed Hyperliquid liquidation map of COIN from the history store (aggregates only)."""
    from derivintel.analytics.liquidity.observed_map import ObservedMapParams, build_observed_map
    from derivintel.sources.hyperliquid.positions import VENUE as OBSERVED_VENUE
    from derivintel.store import HistoryStore
    from derivintel.store.positions_store import PositionsStore

    (asset,) = resolve_assets([coin], store, live=False)
    as_of = parse_utc(asof) if asof is not None else datetime.now(UTC)
    age_s = _duration(max_age, "--max-age")
    with HistoryStore(store, read_only=True) as st:
        if not st.has_table("hl_account_snapshots"):
            raise UserInputError("no observed positions in the store (run `derivintel collect positions` first)")
        observed = PositionsStore(st, create=False).observed_positions(
            asset, as_of=as_of, max_age=timedelta(seconds=age_s)
        )
        perps = [p for p in st.latest_perps(asset, as_of=as_of, max_age_s=age_s) if p.venue == OBSERVED_VENUE]
    if observed is None:
        res: Result[ObservedLiquidationMap] = Result.missing(
            f"no Hyperliquid account read in the {max_age} before {iso(as_of)}"
        )
    else:
        if not perps:
            raise NoPriceSourceError(f"no Hyperliquid mark price for {asset} in the store within {max_age} of as_of")
        res = build_observed_map(
            observed,
            as_of=as_of,
            reference_price_usd=perps[0].mark_price_usd,
            oi_base=perps[0].oi_base,
            params=ObservedMapParams(max_age_s=age_s),
        )
    doc = observed_map_json(res)
    if fmt is PositionsFormat.json:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        _print_table(doc)


def collect_positions(
    coins: Annotated[
        list[str] | None, typer.Argument(help="Coins whose trades reveal addresses (default BTC ETH).")
    ] = None,
    every: Annotated[str, typer.Option("--every", help="Round period: 30s, 5m, 1h.")] = "5m",
    rounds: Annotated[int | None, typer.Option("--rounds", help="Stop after this many rounds.")] = None,
    usable: Annotated[
        float, typer.Option("--budget-share", help="Share of Hyperliquid's 1200/min weight budget to use.")
    ] = 0.8,
    discovery: Annotated[
        str,
        typer.Option(
            "--discovery",
            help="Where addresses come from: ws (the trades websocket, continuous), rest (recentTrades each "
            "round) or both.",
        ),
    ] = "both",
    ws_url: Annotated[
        str | None, typer.Option("--ws-url", help="Override the trades websocket URL (ws[s]://…).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Discover Hyperliquid addresses from trades and poll their positions into the store, within rate limits."""
    from derivintel.sources.config import SourceConfig
    from derivintel.sources.hyperliquid.poller import Discovery, PollLimits, fetch_discovery, http_reader
    from derivintel.store import HistoryStore
    from derivintel.store.positions_collect import run_positions_collector

    assets = resolve_assets(coins or ["BTC", "ETH"], store, live=True)
    every_s = _duration(every, "--every")
    if not 0 < usable <= 1:
        raise UserInputError(f"--budget-share must be in (0, 1], got {usable}")
    if discovery not in ("ws", "rest", "both"):
        raise UserInputError(f"--discovery must be ws, rest or both, got {discovery!r}")
    if ws_url is not None and not ws_url.startswith(("ws://", "wss://")):
        raise UserInputError(f"--ws-url expects ws[s]://…, got {ws_url!r}")
    limits = PollLimits(usable_fraction=usable)
    config = SourceConfig.load(None)
    err.print(
        f"polling {', '.join(assets)} every {every}: at most {limits.reads_within(every_s)} account reads per round "
        f"({limits.usable_per_min:g} of {limits.budget_per_min} weight per minute)"
    )
    listener = None
    if discovery in ("ws", "both"):  # the trades websocket discovers addresses between rounds
        from derivintel.domain.positions import AddressSighting
        from derivintel.sources.hyperliquid.ws import STREAM
        from derivintel.sources.ws.background import BackgroundStream

        stream = STREAM.with_url(ws_url) if ws_url else STREAM
        listener: BackgroundStream[AddressSighting] | None = BackgroundStream(stream, assets).start()

    def discover() -> Discovery:
        found = asyncio.run(fetch_discovery(assets, config, recent_trades=discovery != "ws"))
        if listener is not None:
            found.sightings += listener.drain()
            found.failures += listener.problems()
        return found

    try:
        with HistoryStore(store) as st:
            run_positions_collector(
                st,
                discover=discover,
                read=http_reader(config, limits),
                every_s=every_s,
                limits=limits,
                rounds=rounds,
                on_status=lambda s: err.print(s.line),
            )
    finally:
        if listener is not None:
            listener.stop()


def import_hl_trades(
    files: Annotated[list[Path], typer.Argument(help="Hyperliquid historical trades CSV (time,user,coin,...,sz).")],
    store: StoreOpt = None,
) -> None:
    """Add the addresses in Hyperliquid's public historical trades to the store (idempotent: a trade counts once)."""
    from derivintel.core.errors import BadPayloadError
    from derivintel.sources.hyperliquid.positions import parse_historical_fills_csv
    from derivintel.store import HistoryStore
    from derivintel.store.positions_store import PositionsStore

    with HistoryStore(store) as st:
        ps = PositionsStore(st)
        for path in files:
            try:
                read = parse_historical_fills_csv(path.read_text(encoding="utf-8"))
            except OSError as exc:
                raise UserInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
            except (BadPayloadError, UnicodeDecodeError) as exc:
                raise UserInputError(f"{path}: not a Hyperliquid trades CSV: {exc}") from exc
            new = ps.record_sightings(read.sightings)
            skipped = f", {read.not_addresses} non-address users skipped" if read.not_addresses else ""
            err.print(
                f"{path.name}: {read.trades} trades, +{new} new address(es){skipped}; {len(ps.addresses())} known"
            )
