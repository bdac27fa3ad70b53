"""``derivintel collect liquidations [SYMBOLS]``: record realised liquidations from the venues' websocket streams
(Binance USD-M ``!forceOrder@arr``, Bybit ``allLiquidation``, OKX ``liquidation-orders``) into the history store.

A typer-compatible function; the lead registers it (see ``docs/liquidations.md``). Runs until Ctrl-C, ``--duration``
seconds or ``--max-events`` events; the buffered events are written before it exits. A status line with per-venue
counts is shown on stderr unless ``-q``. When no venue's stream ever connected it fails with ``NoStreamError``
(exit 3, one line naming each venue's last error), so a cron job or supervisor sees the outage.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.text import Text

from derivintel.app.asset_args import resolve_assets
from derivintel.core.errors import NoStreamError, UserInputError
from derivintel.sources.ws.collector import Backoff, CollectorStatus, LiquidationCollector
from derivintel.sources.ws.liquidations import STREAMS, streams_for

DEFAULT_SYMBOLS = ("BTC", "ETH")


def _parse_urls(items: list[str] | None) -> dict[str, str]:
    urls: dict[str, str] = {}
    for item in items or []:
        venue, sep, url = item.partition("=")
        if not sep or not url.startswith(("ws://", "wss://")):
            raise UserInputError(f"--url expects VENUE=ws[s]://…, got {item!r}")
        if venue not in STREAMS:
            raise UserInputError(f"unknown venue {venue!r} in --url: expected one of {', '.join(STREAMS)}")
        urls[venue] = url
    return urls


def collect_liquidations(
    symbols: Annotated[
        list[str] | None, typer.Argument(help="Assets to record, e.g. BTC ETH (default: BTC ETH).", show_default=False)
    ] = None,
    store: Annotated[Path | None, typer.Option("--store", help="History store file or directory.")] = None,
    venue: Annotated[
        list[str] | None, typer.Option("--venue", help="binance-usdm, bybit, okx or gate (repeatable; default: all).")
    ] = None,
    url: Annotated[
        list[str] | None, typer.Option("--url", help="Override a stream URL: VENUE=ws[s]://… (repeatable).")
    ] = None,
    duration: Annotated[float | None, typer.Option("--duration", help="Stop after this many seconds.")] = None,
    max_events: Annotated[
        int | None, typer.Option("--max-events", help="Stop after this many events received (duplicates count).")
    ] = None,
    flush_every: Annotated[float, typer.Option("--flush-every", help="Seconds between store writes.")] = 1.0,
    backoff_max: Annotated[float, typer.Option("--backoff-max", help="Longest reconnect wait, seconds.")] = 60.0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No status line or summary.")] = False,
) -> None:
    """Record realised liquidations (Binance, Bybit, OKX websockets) into the history store."""
    assets = resolve_assets(symbols or DEFAULT_SYMBOLS, store, live=True)
    try:
        streams = streams_for(venue or None, _parse_urls(url))
    except KeyError as exc:
        raise UserInputError(f"unknown venue {exc.args[0]!r}: expected one of {', '.join(STREAMS)}") from exc
    if duration is not None and duration <= 0:
        raise UserInputError("--duration must be > 0 seconds")
    if max_events is not None and max_events < 1:
        raise UserInputError("--max-events must be ≥ 1")
    if flush_every <= 0 or backoff_max < 1.0:
        raise UserInputError("--flush-every must be > 0 and --backoff-max ≥ 1 second")

    from derivintel.store import HistoryStore

    err = Console(stderr=True, soft_wrap=True)  # status lines never wrap mid-line when piped
    with HistoryStore(store) as st:
        if quiet:
            status = _run(streams, assets, st.write_liquidations, flush_every, backoff_max, duration, max_events, None)
        else:
            err.print(f"[dim]recording {', '.join(assets)} liquidations into {st.location} (Ctrl-C to stop)[/dim]")
            with Live(Text("connecting…"), console=err, refresh_per_second=4, transient=True) as live:
                status = _run(
                    streams,
                    assets,
                    st.write_liquidations,
                    flush_every,
                    backoff_max,
                    duration,
                    max_events,
                    lambda s: live.update(Text(s.line)),
                )
        if not quiet:
            err.print(status.line)
            for v in status.venues:
                if v.connects == 0 and v.last_error:
                    err.print(f"[yellow]{v.venue}: never connected ({v.last_error})[/yellow]")
            err.print(f"{status.stored} new liquidation row(s) stored in {st.location}")
    if status.venues and all(v.connects == 0 for v in status.venues):
        why = "; ".join(f"{v.venue}: {v.last_error or 'no connection'}" for v in status.venues)
        raise NoStreamError(f"no liquidation stream connected ({why})")


def _run(streams, assets, write, flush_every, backoff_max, duration, max_events, on_status) -> CollectorStatus:
    collector = LiquidationCollector(
        streams,
        assets,
        write,
        flush_every_s=flush_every,
        backoff=Backoff(max_s=backoff_max),
        on_status=on_status,
    )
    try:
        return asyncio.run(collector.run(duration_s=duration, max_events=max_events))
    except KeyboardInterrupt:  # run() flushed the buffer in its finally block before the interrupt propagated
        return collector.status()
