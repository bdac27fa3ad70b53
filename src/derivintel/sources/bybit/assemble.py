"""Bybit linear perps and dated futures (linear and inverse): their part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.core.provenance import Gap, GapKind
from derivintel.sources.assembly import Assembler, Macro, Parts, add
from derivintel.sources.bybit import endpoints as bybit_ep
from derivintel.sources.bybit import parse as bybit


def assemble_futures(a: Assembler, asset: str, parts: Parts) -> None:
    """Bybit dated futures of ``asset`` from the all-symbol tickers of the linear and inverse categories."""
    for category in ("linear", "inverse"):
        futures = a.parse(
            bybit_ep.PROVIDER.name,
            f"tickers_{category}_all",
            None,
            lambda r, c=category: bybit.parse_dated_futures(r.body, asset=asset, category=c, ts_recv=r.ts_received),
        )
        parts.futures.extend(futures or ())


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Bybit linear-perp datasets and dated futures of ``asset`` into ``parts``."""
    assemble_futures(a, asset, parts)
    name = bybit_ep.PROVIDER.name
    symbol = a.symbol(bybit_ep.PROVIDER, asset)
    listed = a.parse(
        name,
        "instruments-info",
        asset,
        lambda r: bybit.parse_instruments_info(r.body, symbol=symbol, ts_recv=r.ts_received),
    )
    if listed is None:  # per-symbol instruments-info failed: the universe's list states the interval too
        item = a.listing(name, asset)
        listed = None if item is None else item.funding_interval_hours
    perp = a.parse(
        name,
        "tickers",
        asset,
        lambda r: bybit.parse_tickers(
            r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, instrument_interval_hours=listed
        ),
    )
    if perp is not None and perp.funding_rate_interval is None:  # interval stated by neither endpoint
        reason = "funding interval unknown (no tickers fundingIntervalHour, no instruments-info "
        reason += "fundingInterval): rate left out rather than assumed per 8h"
        a.flag(Gap(name, "tickers", GapKind.NOT_COVERED, reason, asset))
    add(parts.perps, perp)
    kline = a.parse(
        name,
        "kline",
        asset,
        lambda r: bybit.parse_kline(r.body, asset=asset, ts_recv=r.ts_received, interval_s=bybit_ep.PERIOD_S),
    )
    add(parts.candles, kline)
    opens = bybit.open_prices_by_ts(kline)
    add(
        parts.open_interest,
        a.parse(
            name,
            "open-interest",
            asset,
            lambda r: bybit.parse_open_interest(
                r.body, asset=asset, ts_recv=r.ts_received, period_s=bybit_ep.PERIOD_S, price_by_ts=opens
            ),
        ),
    )
    if perp is not None:
        add(
            parts.funding,
            a.parse(
                name,
                "funding-history",
                asset,
                lambda r: bybit.parse_funding_history(
                    r.body,
                    asset=asset,
                    symbol=symbol,
                    ts_recv=r.ts_received,
                    interval_hours=perp.funding_interval_hours,
                ),
            ),
        )
    else:
        a.dependent(name, "funding-history", asset, needs=(name, "tickers", asset))
    add(
        parts.long_short,
        a.parse(
            name,
            "account-ratio",
            asset,
            lambda r: bybit.parse_account_ratio(r.body, asset=asset, ts_recv=r.ts_received, period_s=bybit_ep.PERIOD_S),
        ),
    )
    add(
        parts.books,
        a.parse(
            name,
            "orderbook",
            asset,
            lambda r: bybit.parse_orderbook(r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received),
        ),
    )
