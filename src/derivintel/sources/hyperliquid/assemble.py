"""Hyperliquid perps: their part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro, Parts, add
from derivintel.sources.hyperliquid import endpoints as hyperliquid_ep
from derivintel.sources.hyperliquid import parse as hyperliquid


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Hyperliquid datasets of ``asset`` into ``parts``."""
    name = hyperliquid_ep.PROVIDER.name
    # the venue's coin name: ``kPEPE`` for PEPE (1000 PEPE per unit; restated per coin by the driver), else the asset
    coin = a.symbol(hyperliquid_ep.PROVIDER, asset)
    add(
        parts.perps,
        a.parse(
            name,
            "metaAndAssetCtxs",
            None,
            lambda r: hyperliquid.parse_meta_and_asset_ctxs(r.body, asset=coin, ts_recv=r.ts_received),
        ),
    )
    add(
        parts.funding,
        a.parse(
            name,
            "fundingHistory",
            asset,
            lambda r: hyperliquid.parse_funding_history(r.body, asset=coin, ts_recv=r.ts_received),
        ),
    )
    add(
        parts.books,
        a.parse(name, "l2Book", asset, lambda r: hyperliquid.parse_l2_book(r.body, asset=coin, ts_recv=r.ts_received)),
    )
    add(
        parts.candles,
        a.parse(
            name,
            "candleSnapshot",
            asset,
            lambda r: hyperliquid.parse_candle_snapshot(
                r.body, asset=coin, ts_recv=r.ts_received, interval_s=hyperliquid_ep.CANDLE_INTERVAL_S
            ),
        ),
    )
