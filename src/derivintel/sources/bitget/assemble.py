"""Bitget USDT-FUTURES perps: their part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.core.provenance import Gap, GapKind
from derivintel.sources.assembly import Assembler, Macro, Parts, add
from derivintel.sources.bitget import endpoints as bitget_ep
from derivintel.sources.bitget import parse as bitget


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Bitget perp datasets of ``asset`` into ``parts``."""
    name = bitget_ep.PROVIDER.name
    symbol = bitget_ep.PROVIDER.symbol(asset)
    funding = a.parse(
        name,
        "current-fund-rate",
        asset,
        lambda r: bitget.parse_current_fund_rate(r.body, symbol=symbol, ts_recv=r.ts_received),
    )
    perp = a.parse(
        name,
        "ticker",
        asset,
        lambda r: bitget.parse_ticker(r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, funding=funding),
    )
    if perp is not None and funding is None:
        reason = "funding interval unknown (current-fund-rate failed): rate left out rather than assumed per 8h"
        a.flag(Gap(name, "ticker", GapKind.NOT_COVERED, reason, asset))
    add(parts.perps, perp)
    add(
        parts.funding,
        a.parse(
            name,
            "history-fund-rate",
            asset,
            lambda r: bitget.parse_history_fund_rate(
                r.body,
                asset=asset,
                symbol=symbol,
                ts_recv=r.ts_received,
                interval_hours=None if funding is None else funding.interval_hours,
            ),
        ),
    )
    add(
        parts.candles,
        a.parse(
            name,
            "candles",
            asset,
            lambda r: bitget.parse_candles(r.body, asset=asset, ts_recv=r.ts_received, interval_s=bitget_ep.PERIOD_S),
        ),
    )
    add(
        parts.books,
        a.parse(
            name, "merge-depth", asset, lambda r: bitget.parse_merge_depth(r.body, asset=asset, ts_recv=r.ts_received)
        ),
    )
    # Current OI only (no public history): read so a bad answer is a gap; the doctor compares it with the ticker's.
    a.parse(
        name, "open-interest", asset, lambda r: bitget.parse_open_interest(r.body, symbol=symbol, ts_recv=r.ts_received)
    )
    add(
        parts.long_short,
        a.parse(
            name,
            "account-long-short",
            asset,
            lambda r: bitget.parse_account_long_short(
                r.body, asset=asset, ts_recv=r.ts_received, period_s=bitget_ep.PERIOD_S
            ),
        ),
    )
