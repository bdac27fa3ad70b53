"""Per-asset and per-venue parameters of the demo scenario, declared as data (magnitudes, not results)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from derivintel.core.provenance import Source

DEMO_SOURCE_NAME = "demo"
DEMO_ASSETS: tuple[str, ...] = ("BTC", "ETH")
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
class AssetProfile:
    """Magnitudes for one asset.

    ``end_price_range_usd``: where the spot path ends (drawn uniformly). ``vol_annual``: base annualised volatility
    (fraction). ``perp_volume_1h_base``: typical binance-usdm hourly volume in coins; ``spot_volume_1h_base`` the
    binance spot one. ``oi_total_range_base``: total single-sided perp OI over the four venues, coins.
    ``options_oi_total_base``: Deribit-like total option OI, coins. ``strike_steps_usd``: strike grid steps near,
    mid and far from the money. ``round_strike_usd``: (round, rounder) strike multiples where OI clusters.
    ``atm_iv_short``/``atm_iv_long``: ATM implied vol (fraction) at very short and long maturities.
    ``wall_step_usd``: round-number spacing of order-book walls. ``book_level_base``: typical size per book level.
    ``liq_size_median_base``: median liquidation order size, coins.
    """

    asset: str
    end_price_range_usd: tuple[float, float]
    vol_annual: float
    perp_volume_1h_base: float
    spot_volume_1h_base: float
    oi_total_range_base: tuple[float, float]
    options_oi_total_base: float
    strike_steps_usd: tuple[float, float, float]
    round_strike_usd: tuple[float, float]
    atm_iv_short: float
    atm_iv_long: float
    wall_step_usd: float
    book_level_base: float
    liq_size_median_base: float


ASSETS: dict[str, AssetProfile] = {
    "BTC": AssetProfile(
        asset="BTC",
        end_price_range_usd=(67_000.0, 71_000.0),
        vol_annual=0.50,
        perp_volume_1h_base=7_000.0,
        spot_volume_1h_base=1_200.0,
        oi_total_range_base=(270_000.0, 320_000.0),
        options_oi_total_base=380_000.0,
        strike_steps_usd=(1_000.0, 2_500.0, 5_000.0),
        round_strike_usd=(5_000.0, 10_000.0),
        atm_iv_short=0.46,
        atm_iv_long=0.56,
        wall_step_usd=1_000.0,
        book_level_base=10.0,
        liq_size_median_base=0.25,
    ),
    "ETH": AssetProfile(
        asset="ETH",
        end_price_range_usd=(2_600.0, 3_100.0),
        vol_annual=0.65,
        perp_volume_1h_base=120_000.0,
        spot_volume_1h_base=20_000.0,
        oi_total_range_base=(4_200_000.0, 5_000_000.0),
        options_oi_total_base=2_600_000.0,
        strike_steps_usd=(50.0, 100.0, 100.0),
        round_strike_usd=(250.0, 500.0),
        atm_iv_short=0.60,
        atm_iv_long=0.70,
        wall_step_usd=50.0,
        book_level_base=180.0,
        liq_size_median_base=4.0,
    ),
}

# Independent random streams per component: default_rng((seed, asset_code, stream)) so adding one component does
# not change the others.
ASSET_CODE: dict[str, int] = {"BTC": 1, "ETH": 2, "MACRO": 9}


def demo_source(dataset: str, as_of: datetime, fetched_at: datetime) -> Source:
    """A ``Source`` for synthetic demo data: ``name="demo"``, ``synthetic=True``; ``dataset`` names what it imitates."""
    return Source(name=DEMO_SOURCE_NAME, dataset=dataset, as_of=as_of, fetched_at=fetched_at, synthetic=True)
