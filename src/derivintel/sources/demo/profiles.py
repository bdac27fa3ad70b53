"""Per-asset and per-venue parameters of the demo scenario, declared as data (magnitudes, not results)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from derivintel.core.provenance import Source

DEMO_SOURCE_NAME = "demo"
PERP_VENUES: tuple[str, ...] = ("binance-usdm", "bybit", "okx", "hyperliquid")


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """One perp venue: funding interval (hours), share of the asset's perp OI and of binance-usdm volume,
    venue symbol template, a small constant per-hour funding offset (fraction) and book depth scale."""

    venue: str
    funding_interval_hours: int
    oi_share: float
    volume_share: float
    symbol_template: str
    funding_offset_1h: float
    book_depth_scale: float


VENUES: dict[str, VenueProfile] = {
    "binance-usdm": VenueProfile("binance-usdm", 8, 0.38, 1.00, "{asset}USDT", 0.0, 1.0),
    "bybit": VenueProfile("bybit", 4, 0.26, 0.45, "{asset}USDT", 1.5e-6, 0.7),
    "okx": VenueProfile("okx", 8, 0.20, 0.35, "{asset}-USDT-SWAP", -1.0e-6, 0.6),
    "hyperliquid": VenueProfile("hyperliquid", 1, 0.16, 0.25, "{asset}", 2.5e-6, 0.4),
}


@dataclass(frozen=True, slots=True)
class OptionsProfile:
    """Listed options of one asset (Deribit-like). ``oi_total_base``: total option OI, coins. ``strike_steps_usd``:
    strike grid steps near, mid and far from the money. ``round_strike_usd``: (round, rounder) strike multiples
    where OI clusters. ``atm_iv_short``/``atm_iv_long``: ATM implied vol (fraction) at very short and long maturities.
    """

    oi_total_base: float
    strike_steps_usd: tuple[float, float, float]
    round_strike_usd: tuple[float, float]
    atm_iv_short: float
    atm_iv_long: float


@dataclass(frozen=True, slots=True)
class AssetProfile:
    """Magnitudes for one asset (synthetic: plausible levels, not market data).

    ``end_price_range_usd``: where the spot path ends (drawn uniformly). ``vol_annual``: base annualised volatility
    (fraction). ``perp_volume_1h_base``: typical binance-usdm hourly volume in coins; ``spot_volume_1h_base`` the
    binance spot one. ``oi_total_range_base``: total single-sided perp OI over the four venues, coins.
    ``wall_step_usd``: round-number spacing of order-book walls. ``book_level_base``: typical size per book level.
    ``liq_size_median_base``: median liquidation order size, coins. ``options``: the listed options, None for an
    asset without listed options (the report then says options are not available for it). ``beta_to_btc``: the
    alt's hourly log-move per BTC log-move (BTC itself and ETH, whose path is built separately, leave it unused).
    """

    asset: str
    end_price_range_usd: tuple[float, float]
    vol_annual: float
    perp_volume_1h_base: float
    spot_volume_1h_base: float
    oi_total_range_base: tuple[float, float]
    wall_step_usd: float
    book_level_base: float
    liq_size_median_base: float
    options: OptionsProfile | None = None
    beta_to_btc: float = 1.0


def _alt(
    asset: str,
    price: tuple[float, float],
    vol: float,
    beta: float,
    perp_1h: float,
    spot_1h: float,
    oi: tuple[float, float],
    wall: float,
    level: float,
    liq: float,
) -> AssetProfile:
    """An asset without listed options, its path ``beta`` × BTC's log-moves plus its own residual."""
    return AssetProfile(asset, price, vol, perp_1h, spot_1h, oi, wall, level, liq, options=None, beta_to_btc=beta)


ASSETS: dict[str, AssetProfile] = {
    "BTC": AssetProfile(
        asset="BTC",
        end_price_range_usd=(67_000.0, 71_000.0),
        vol_annual=0.50,
        perp_volume_1h_base=7_000.0,
        spot_volume_1h_base=1_200.0,
        oi_total_range_base=(270_000.0, 320_000.0),
        wall_step_usd=1_000.0,
        book_level_base=10.0,
        liq_size_median_base=0.25,
        options=OptionsProfile(
            oi_total_base=380_000.0,
            strike_steps_usd=(1_000.0, 2_500.0, 5_000.0),
            round_strike_usd=(5_000.0, 10_000.0),
            atm_iv_short=0.46,
            atm_iv_long=0.56,
        ),
    ),
    "ETH": AssetProfile(
        asset="ETH",
        end_price_range_usd=(2_600.0, 3_100.0),
        vol_annual=0.65,
        perp_volume_1h_base=120_000.0,
        spot_volume_1h_base=20_000.0,
        oi_total_range_base=(4_200_000.0, 5_000_000.0),
        wall_step_usd=50.0,
        book_level_base=180.0,
        liq_size_median_base=4.0,
        options=OptionsProfile(
            oi_total_base=2_600_000.0,
            strike_steps_usd=(50.0, 100.0, 100.0),
            round_strike_usd=(250.0, 500.0),
            atm_iv_short=0.60,
            atm_iv_long=0.70,
        ),
    ),
    # Alts: synthetic orders of magnitude (price, vol, beta, hourly perp/spot volume in coins, total perp OI in coins,
    # book wall spacing USD, size per book level in coins, median liquidation size in coins). No listed options.
    "SOL": _alt("SOL", (165.0, 185.0), 0.80, 1.30, 180_000.0, 40_000.0, (38e6, 45e6), 1.0, 400.0, 30.0),
    "XRP": _alt("XRP", (2.2, 2.6), 0.85, 1.10, 15e6, 4e6, (1.6e9, 1.9e9), 0.01, 40_000.0, 3_000.0),
    "BNB": _alt("BNB", (580.0, 640.0), 0.55, 0.80, 15_000.0, 4_000.0, (1.1e6, 1.3e6), 5.0, 40.0, 1.5),
    "DOGE": _alt("DOGE", (0.15, 0.19), 0.95, 1.30, 120e6, 25e6, (9e9, 11e9), 0.001, 300_000.0, 25_000.0),
    "ADA": _alt("ADA", (0.65, 0.78), 0.90, 1.20, 25e6, 6e6, (1.1e9, 1.3e9), 0.005, 60_000.0, 6_000.0),
    "AVAX": _alt("AVAX", (20.0, 24.0), 0.90, 1.30, 600_000.0, 120_000.0, (25e6, 30e6), 0.1, 1_500.0, 120.0),
    "LINK": _alt("LINK", (13.0, 16.0), 0.85, 1.20, 800_000.0, 200_000.0, (40e6, 48e6), 0.1, 2_500.0, 180.0),
    "SUI": _alt("SUI", (3.2, 3.8), 1.00, 1.40, 3e6, 700_000.0, (2.8e8, 3.3e8), 0.01, 12_000.0, 900.0),
}
DEMO_ASSETS: tuple[str, ...] = tuple(ASSETS)


def price_decimals(asset: str) -> int:
    """Decimals for synthetic prices of ``asset``: 2 (cents) from 10 USD up, more below so a 0.15 USD coin keeps
    about five significant figures."""
    low = ASSETS[asset].end_price_range_usd[0]
    return 2 if low >= 10.0 else int(4 - math.floor(math.log10(low)))


# Independent random streams per component: default_rng((seed, asset_code, stream)) so adding one component does
# not change the others.
ASSET_CODE: dict[str, int] = {
    "BTC": 1,
    "ETH": 2,
    "SOL": 3,
    "XRP": 4,
    "BNB": 5,
    "DOGE": 6,
    "ADA": 7,
    "AVAX": 8,
    "MACRO": 9,
    "LINK": 10,
    "SUI": 11,
}


def demo_source(dataset: str, as_of: datetime, fetched_at: datetime) -> Source:
    """A ``Source`` for synthetic demo data: ``name="demo"``, ``synthetic=True``; ``dataset`` names what it imitates."""
    return Source(name=DEMO_SOURCE_NAME, dataset=dataset, as_of=as_of, fetched_at=fetched_at, synthetic=True)
