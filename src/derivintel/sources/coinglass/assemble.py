"""Coinglass (keyed) all-exchange aggregates: their part of a snapshot. Pure: no I/O."""

from __future__ import annotations

from derivintel.sources.assembly import Assembler, Macro, Parts
from derivintel.sources.coinglass import endpoints as coinglass_ep
from derivintel.sources.coinglass import parse as coinglass


def assemble(a: Assembler, asset: str, parts: Parts, macro: Macro) -> None:
    """Coinglass all-exchange aggregates go to ``AssetData.aggregate_*`` (cross-checks), never into the per-venue
    series: summed with the venues they would double-count OI. See docs/keyed_sources.md."""
    name = coinglass_ep.PROVIDER.name
    interval_s = coinglass_ep.INTERVAL_S
    coin = a.parse(name, "oi-aggregated-coin", asset, lambda r: r.body)
    parts.aggregate_open_interest = a.parse(
        name,
        "oi-aggregated-usd",
        asset,
        lambda r: coinglass.parse_oi_aggregated(
            r.body, coin, asset=asset, interval_s=interval_s, ts_recv=r.ts_received
        ),
    )
    if coin is not None:
        a.parse(
            name,
            "oi-aggregated-coin",
            asset,
            lambda r: coinglass.parse_oi_aggregated(
                r.body, None, asset=asset, interval_s=interval_s, ts_recv=r.ts_received, dataset="oi-aggregated-coin"
            ),
        )
    parts.aggregate_funding = a.parse(
        name,
        "funding-oi-weighted",
        asset,
        lambda r: coinglass.parse_funding_oi_weighted(r.body, asset=asset, ts_recv=r.ts_received),
    )
