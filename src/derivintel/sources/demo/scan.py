"""The SYNTHETIC scan universe for ``derivintel scan --demo`` (seeded; every ``Source`` is ``demo``, synthetic).

22 named coins (more, named ``SYN001``…, on request for benchmarks) on the four scanned venues, with each venue's
shape kept: Binance rows carry no OI (it publishes OI per symbol only), Binance and Bybit list ``1000PEPE`` and
Hyperliquid ``kPEPE``, funding intervals 8h (Binance ``1000PEPE`` 4h), OKX 8h, Hyperliquid 1h. A synthetic store
history (``build_demo_scan_history``) gives OI 24h ago, 30 days of hourly funding settlements, liquidations and
long shares, so the z-score, OI-surge and liquidation columns have something to show offline. Nothing here is a
market observation.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from derivintel.core.provenance import Gap, GapKind, Source
from derivintel.domain.perp import FundingKind
from derivintel.domain.scan import PerpTicker, ScanHistory, ScanUniverse, base_key

SCAN_AS_OF = datetime(2026, 3, 14, 5, 0, tzinfo=UTC)  # the demo report's as_of
SCAN_SEED = 16
SCAN_VENUES = ("binance", "bybit", "okx", "hyperliquid", "bitget", "gate")
FUNDING_INTERVAL_H = {"binance": 8.0, "bybit": 8.0, "okx": 8.0, "hyperliquid": 1.0, "bitget": 8.0, "gate": 8.0}
# (coin, price USD, OI USD across venues): illustrative magnitudes, not observations.
DEMO_COINS: tuple[tuple[str, float, float], ...] = (
    ("BTC", 84_000.0, 60e9),
    ("ETH", 3_200.0, 28e9),
    ("SOL", 140.0, 7e9),
    ("XRP", 2.3, 4e9),
    ("BNB", 600.0, 1.2e9),
    ("DOGE", 0.2, 2.5e9),
    ("ADA", 0.7, 1.0e9),
    ("AVAX", 25.0, 0.7e9),
    ("LINK", 15.0, 0.8e9),
    ("DOT", 5.0, 0.4e9),
    ("LTC", 90.0, 0.6e9),
    ("TON", 3.5, 0.3e9),
    ("SUI", 3.0, 1.1e9),
    ("APT", 6.0, 0.3e9),
    ("ARB", 0.4, 0.35e9),
    ("OP", 0.9, 0.25e9),
    ("NEAR", 3.0, 0.3e9),
    ("PEPE", 0.00001, 0.9e9),
    ("WIF", 0.6, 0.45e9),
    ("TIA", 3.2, 0.2e9),
    ("INJ", 12.0, 0.2e9),
    ("SEI", 0.25, 0.15e9),
)
VENUE_OI_SHARE = {"binance": 0.35, "bybit": 0.20, "okx": 0.15, "hyperliquid": 0.12, "bitget": 0.10, "gate": 0.08}
NOT_LISTED = {("hyperliquid", "TON"), ("okx", "SEI")}  # not every coin trades everywhere
HOT_FUNDING = "WIF"  # funding far above its own history: the demo's z ≥ 3 case
OI_SURGE = "SUI"  # OI up ~40 % in 24h


def _coins(n_coins: int | None) -> list[tuple[str, float, float]]:
    coins = list(DEMO_COINS)
    if n_coins is None:
        return coins
    if n_coins <= len(coins):
        return coins[:n_coins]
    rng = np.random.default_rng(SCAN_SEED + 1)
    extra = [
        (f"SYN{i:03d}", float(rng.lognormal(0.0, 2.0)), float(rng.lognormal(np.log(5e7), 1.0)))
        for i in range(1, n_coins - len(coins) + 1)
    ]
    return coins + extra


def _symbol(venue: str, coin: str) -> tuple[str, str]:
    """(venue's base name, venue symbol) for a coin."""
    if coin == "PEPE":
        base = {"binance": "1000PEPE", "bybit": "1000PEPE", "hyperliquid": "kPEPE", "bitget": "PEPE"}.get(venue, "PEPE")
    else:
        base = coin
    symbol = {
        "binance": f"{base}USDT",
        "bybit": f"{base}USDT",
        "okx": f"{base}-USDT-SWAP",
        "bitget": f"{base}USDT",
        "gate": f"{base}_USDT",
    }.get(venue, base)
    return base, symbol


def _multiplier(base: str) -> float:
    return 1000.0 if base.startswith(("1000", "k")) else 1.0


def _base_rate_1h(coin: str, rng: np.random.Generator) -> float:
    if coin == HOT_FUNDING:
        return 0.00012  # ~105 % APR
    return float(rng.normal(0.0000125, 0.00001))


def build_demo_universe(*, n_coins: int | None = None, as_of: datetime = SCAN_AS_OF) -> ScanUniverse:
    """The synthetic universe: ``n_coins`` coins (default the 22 named ones) × the four venues, seeded."""
    rng = np.random.default_rng(SCAN_SEED)
    tickers: list[PerpTicker] = []
    for coin, price, oi_total in _coins(n_coins):
        coin_rate = _base_rate_1h(coin, rng)
        change = float(rng.normal(0.0, 0.04))
        for venue in SCAN_VENUES:
            if (venue, coin) in NOT_LISTED:
                continue
            base, symbol = _symbol(venue, coin)
            mult = _multiplier(base)
            index = price * mult
            basis = float(rng.normal(0.0002, 0.0004))
            mark = index * (1.0 + basis)
            interval = 4.0 if symbol == "1000PEPEUSDT" and venue == "binance" else FUNDING_INTERVAL_H[venue]
            rate_1h = coin_rate + float(rng.normal(0.0, 0.000004))
            oi_usd = oi_total * VENUE_OI_SHARE[venue] * float(rng.uniform(0.8, 1.2))
            tickers.append(
                PerpTicker(
                    venue=venue,
                    asset=base,
                    venue_symbol=symbol,
                    mark_price_usd=mark,
                    index_price_usd=index,
                    funding_rate_interval=rate_1h * interval,
                    funding_interval_hours=interval,
                    funding_kind=FundingKind.PREDICTED,
                    next_funding_time=None,
                    oi_base=None if venue == "binance" else oi_usd / mark,
                    volume_24h_usd=oi_usd * float(rng.uniform(0.5, 3.0)),
                    source=Source("demo", f"scan/{venue}", as_of, as_of, synthetic=True),
                    price_change_24h_frac=change + float(rng.normal(0.0, 0.002)),
                )
            )
    gaps = (
        Gap(
            "demo", "scan/binance", GapKind.NOT_COVERED, "synthetic Binance rows carry no OI, as live (per-symbol only)"
        ),
    )
    return ScanUniverse(tickers=tuple(tickers), venues=SCAN_VENUES, gaps=gaps, synthetic=True)


def build_demo_scan_history(universe: ScanUniverse) -> ScanHistory:
    """A synthetic store history for ``universe``: coin OI 24h ago, 30 days of hourly per-hour funding
    settlements per venue (720 values around the coin's usual rate), 24h liquidations and long shares."""
    rng = np.random.default_rng(SCAN_SEED + 2)
    oi_before: dict[tuple[str, str], float] = {}
    funding: dict[tuple[str, str], np.ndarray] = {}
    liquidations: dict[str, tuple[float, float]] = {}
    long_share: dict[str, tuple[float, str]] = {}
    hours = 30 * 24
    for t in universe.tickers:
        coin = base_key(t.asset)
        usual = 0.0000125 if coin == HOT_FUNDING else (t.funding_rate_1h or 0.0)
        funding[(t.venue, coin)] = rng.normal(usual, 0.000012, hours)
        if t.oi_base is not None:
            growth = 0.40 if coin == OI_SURGE else float(rng.normal(0.01, 0.04))
            oi_before[(t.venue, coin)] = t.oi_base / (1.0 + growth)
        if coin not in liquidations:
            oi_usd = sum(x.oi_usd or 0.0 for x in universe.tickers if base_key(x.asset) == coin)
            liquidations[coin] = (oi_usd * float(rng.uniform(0.0, 0.004)), oi_usd * float(rng.uniform(0.0, 0.004)))
            long_share[coin] = (float(rng.uniform(0.4, 0.7)), "accounts (synthetic)")
    return ScanHistory(
        oi_base_before=oi_before,
        funding_1h=funding,
        liquidations_usd=liquidations,
        long_share=long_share,
        store="demo store (synthetic)",
    )
