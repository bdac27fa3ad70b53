"""``build_demo_snapshot``: the offline, synthetic, seeded demo ``MarketSnapshot`` (ten assets, ``DEMO_ASSETS``).

One spot path per asset (``price_path``) drives everything: hourly state (``flows``), candles, perp metrics, OI,
funding, long/short ratios, taker volume, books, the option chain, dated futures, liquidations, observed Hyperliquid
positions and the macro series. Every ``Source`` is ``name="demo"``, ``synthetic=True``; nothing is dated after
``as_of``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from derivintel.core.errors import UserInputError
from derivintel.core.provenance import Gap, GapKind
from derivintel.core.timeutil import utc
from derivintel.domain.assets import normalise_asset
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.domain.universe import Universe
from derivintel.sources.demo.books import build_book
from derivintel.sources.demo.candles import build_candles, perp_log_price, venue_prices, venue_volume
from derivintel.sources.demo.flows import simulate_flows
from derivintel.sources.demo.funding import build_funding_series, venue_funding_1h
from derivintel.sources.demo.futures import CURVES as FUTURES_CURVES
from derivintel.sources.demo.futures import build_futures
from derivintel.sources.demo.liquidations import build_liquidations
from derivintel.sources.demo.macro import build_macro
from derivintel.sources.demo.open_interest import build_oi_series, simulate_oi_base
from derivintel.sources.demo.option_trades import build_option_trades
from derivintel.sources.demo.options_chain import build_option_chain
from derivintel.sources.demo.perps import build_perps
from derivintel.sources.demo.positioning import build_long_short, build_okx_taker_volume
from derivintel.sources.demo.positions import build_observed_positions
from derivintel.sources.demo.price_path import PricePath, simulate_paths
from derivintel.sources.demo.profiles import ASSET_CODE, ASSETS, DEMO_ASSETS, PERP_VENUES
from derivintel.sources.demo.timeline import Timeline
from derivintel.sources.demo.venue_options import build_venue_chains

DEMO_AS_OF = datetime(2026, 3, 14, 5, 0, tzinfo=UTC)

DEMO_GAPS: tuple[Gap, ...] = (
    Gap(
        "cryptoquant",
        "exchange_flows",
        GapKind.NOT_CONFIGURED,
        "exchange stablecoin flows need a CryptoQuant key; none configured",
    ),
    Gap(
        "coinglass",
        "aggregates",
        GapKind.NOT_CONFIGURED,
        "Coinglass aggregates (cross-venue liquidation and OI totals) need a Coinglass API key; none configured",
    ),
)


_COVERS = f"demo scenario covers {', '.join(DEMO_ASSETS)} only"


def _demo_asset(symbol: str) -> str:
    try:
        asset = normalise_asset(symbol, Universe.builtin_of(DEMO_ASSETS, "demo"))
    except UserInputError as exc:
        raise UserInputError(f"{exc}; {_COVERS}") from exc
    return asset


def _asset_data(timeline: Timeline, asset: str, path: PricePath) -> AssetData:
    code = ASSET_CODE[asset]
    flows = simulate_flows(timeline, path, code)
    prices = venue_prices(timeline, code, perp_log_price(path, flows))
    volumes = venue_volume(timeline, asset, code, flows)
    candles = build_candles(timeline, asset, path, flows, prices, volumes)
    oi_base = simulate_oi_base(timeline, asset, code, path, flows)
    rate_1h = venue_funding_1h(timeline, code, flows)
    perps = build_perps(timeline, asset, path, prices, oi_base, rate_1h, volumes)
    listed = ASSETS[asset].options is not None  # options only where the asset has listed options
    options = build_option_chain(timeline, asset, code, float(path.close_usd[-1])) if listed else None
    return AssetData(
        asset=asset,
        perps=perps,
        candles=candles,
        open_interest=build_oi_series(timeline, asset, oi_base, prices),
        funding=build_funding_series(timeline, asset, rate_1h),
        long_short=build_long_short(timeline, asset, code, path),
        taker_volume=(build_okx_taker_volume(timeline, asset, code, flows, volumes["okx"]),),
        books=tuple(build_book(timeline, asset, code, p.venue, p.mark_price_usd) for p in perps),
        options=options,
        venue_options={} if options is None else build_venue_chains(timeline, code, options),
        futures=()  # dated futures in the demo for the assets whose synthetic curve is defined (BTC, ETH)
        if asset not in FUTURES_CURVES
        else build_futures(timeline, asset, code, float(path.close_usd[-1]), 0.1 * float(oi_base["binance-usdm"][-1])),
        option_trades=None if options is None else build_option_trades(timeline, asset, code, options),
        liquidations=build_liquidations(timeline, asset, code, flows, prices),
        observed_positions=build_observed_positions(timeline, asset, code, path, perps),
    )


def build_demo_snapshot(
    primary: str = "BTC",
    secondary: tuple[str, ...] = ("ETH",),
    *,
    seed: int = 7,
    as_of: datetime = DEMO_AS_OF,
) -> MarketSnapshot:
    """The synthetic demo snapshot at ``as_of`` (aware UTC; naive is taken as UTC) for any of ``DEMO_ASSETS``.

    Deterministic in ``seed``; raises ``UserInputError`` for other assets. Options only for the assets with listed
    options (BTC, ETH); the others have none. ``synthetic=True`` and
    every ``Source`` is ``demo`` with ``synthetic=True``. The gaps list the keyed sources the demo cannot imitate.
    """
    assets = [_demo_asset(primary)]
    for s in secondary:
        a = _demo_asset(s)
        if a not in assets:
            assets.append(a)
    timeline = Timeline.build(utc(as_of), seed)
    paths = simulate_paths(timeline, tuple(assets))
    return MarketSnapshot(
        as_of=timeline.as_of,
        primary=assets[0],
        assets={a: _asset_data(timeline, a, paths[a]) for a in assets},
        macro=build_macro(timeline, paths),
        gaps=DEMO_GAPS,
        synthetic=True,
    )


__all__ = ["DEMO_ASSETS", "DEMO_AS_OF", "DEMO_GAPS", "PERP_VENUES", "build_demo_snapshot"]
