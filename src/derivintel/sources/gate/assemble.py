"""Gate USDT perpetual futures: their part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro, Parts, add
from derivintel.sources.gate import endpoints as gate_ep
from derivintel.sources.gate import parse as gate


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Gate perp datasets of ``asset`` into ``parts``; the contract's multiplier converts every size to coins."""
    name = gate_ep.PROVIDER.name
    symbol = gate_ep.PROVIDER.symbol(asset)
    volume = a.parse(
        name, "tickers", asset, lambda r: gate.parse_ticker_volume(r.body, symbol=symbol, ts_recv=r.ts_received)
    )
    contract = a.parse(
        name,
        "contract",
        asset,
        lambda r: gate.parse_contract(r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, volume_24h_usd=volume),
    )
    facts = None if contract is None else contract[1]
    if contract is not None:
        add(parts.perps, contract[0])
    add(
        parts.funding,
        a.parse(
            name,
            "funding-rate",
            asset,
            lambda r: gate.parse_funding_rate(
                r.body,
                asset=asset,
                ts_recv=r.ts_received,
                interval_hours=None if facts is None else facts.interval_hours,
            ),
        ),
    )
    if facts is not None:
        mult = facts.multiplier_base
        add(
            parts.candles,
            a.parse(
                name,
                "candlesticks",
                asset,
                lambda r: gate.parse_candlesticks(
                    r.body, asset=asset, ts_recv=r.ts_received, interval_s=gate_ep.PERIOD_S, multiplier_base=mult
                ),
            ),
        )
        add(
            parts.books,
            a.parse(
                name,
                "order-book",
                asset,
                lambda r: gate.parse_order_book(r.body, asset=asset, ts_recv=r.ts_received, multiplier_base=mult),
            ),
        )
    else:
        a.dependent(name, "candlesticks", asset, needs=(name, "contract", asset))
        a.dependent(name, "order-book", asset, needs=(name, "contract", asset))
    add(
        parts.open_interest,
        a.parse(
            name,
            "contract-stats",
            asset,
            lambda r: gate.parse_contract_stats_oi(
                r.body,
                asset=asset,
                ts_recv=r.ts_received,
                period_s=gate_ep.PERIOD_S,
                multiplier_base=None if facts is None else facts.multiplier_base,
            ),
        ),
    )
    stats_ls = a.parse(
        name,
        "contract-stats",
        asset,
        lambda r: gate.parse_contract_stats_long_short(
            r.body, asset=asset, ts_recv=r.ts_received, period_s=gate_ep.PERIOD_S
        ),
    )
    parts.long_short.extend(stats_ls or ())
