"""Liquidation price of an isolated linear perpetual position, and venue maintenance-margin declarations.

Formula (DOMAIN.md §2, fees and funding ignored), with entry ``E`` in USD, leverage ``L`` (initial margin ``1/L``)
and maintenance-margin rate ``MMR`` as a fraction of notional:

- long:  ``P_liq = E (1 − 1/L) / (1 − MMR)``
- short: ``P_liq = E (1 + 1/L) / (1 + MMR)``

A position is only meaningful when ``1/L > MMR`` (otherwise it would be liquidated at entry); then
``long liq < entry < short liq``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Side = Literal["long", "short"]


@dataclass(frozen=True, slots=True)
class VenueMargin:
    """Tier-1 maintenance margin of one venue's perp for one asset.

    ``mmr`` is a fraction of notional; ``max_leverage`` the venue's cap (None when not declared here).
    These are TIER-1 APPROXIMATIONS: real venues raise the MMR with position size (risk tiers).
    """

    venue: str
    asset: str
    mmr: float
    max_leverage: float | None
    note: str


# Venue quirks as data. Keys are (venue family, asset); venue ids like ``binance-usdm`` match family ``binance``.
VENUE_MARGINS: dict[tuple[str, str], VenueMargin] = {
    ("binance", "BTC"): VenueMargin("binance", "BTC", 0.004, 125.0, "Binance USD-M BTCUSDT tier-1 MMR 0.4 %"),
    ("bybit", "BTC"): VenueMargin("bybit", "BTC", 0.005, 100.0, "Bybit linear BTCUSDT tier-1 MMR 0.5 %"),
    ("okx", "BTC"): VenueMargin("okx", "BTC", 0.004, 100.0, "OKX BTC-USDT-SWAP tier-1 MMR 0.4 %"),
    ("hyperliquid", "BTC"): VenueMargin(
        "hyperliquid", "BTC", 1.0 / (2.0 * 40.0), 40.0, "Hyperliquid MMR = 1/(2 x maxLeverage), maxLeverage 40"
    ),
    ("hyperliquid", "ETH"): VenueMargin(
        "hyperliquid", "ETH", 1.0 / (2.0 * 25.0), 25.0, "Hyperliquid MMR = 1/(2 x maxLeverage), maxLeverage 25"
    ),
}


def venue_family(venue: str) -> str:
    """``binance-usdm`` → ``binance``; ``OKX_swap`` → ``okx``."""
    return venue.strip().lower().replace("_", "-").split("-")[0]


def venue_margin(venue: str, asset: str) -> VenueMargin | None:
    """The declared tier-1 margin of ``venue`` for ``asset``, or None when this package declares none."""
    return VENUE_MARGINS.get((venue_family(venue), asset.upper()))


def liquidation_price(
    entry_usd: float | np.ndarray,
    leverage: float | np.ndarray,
    mmr: float | np.ndarray,
    side: Side | np.ndarray,
) -> float | np.ndarray:
    """Liquidation price in USD of an isolated linear perp position (fees ignored). Vectorised with broadcasting.

    ``entry_usd`` in USD, ``leverage`` as a multiple (10 = 10x), ``mmr`` a fraction (0.004 = 0.4 %), ``side``
    ``"long"``/``"short"`` or a boolean array (True = long). Returns a float when every input is scalar.
    Raises ``ValueError`` when ``leverage <= 0``, ``mmr`` is outside [0, 1) or ``1/leverage <= mmr`` (a position
    that would be liquidated at entry), or when ``side`` is not long/short.
    """
    entry = np.asarray(entry_usd, dtype=np.float64)
    lev = np.asarray(leverage, dtype=np.float64)
    m = np.asarray(mmr, dtype=np.float64)
    if isinstance(side, str):
        if side not in ("long", "short"):
            raise ValueError(f"side must be 'long' or 'short', got {side!r}")
        is_long = np.asarray(side == "long")
    else:
        is_long = np.asarray(side, dtype=bool)
    if np.any(lev <= 0):
        raise ValueError("leverage must be positive")
    if np.any((m < 0) | (m >= 1)):
        raise ValueError("mmr must be a fraction in [0, 1)")
    inv = 1.0 / lev
    if np.any(inv <= m):
        raise ValueError("1/leverage must exceed mmr (the position would be liquidated at entry)")
    out = np.where(is_long, entry * (1.0 - inv) / (1.0 - m), entry * (1.0 + inv) / (1.0 + m))
    if out.ndim == 0:
        return float(out)
    return out


@dataclass(frozen=True, slots=True)
class MarginBracket:
    """One notional bracket of a venue's maintenance-margin table. ``floor_usd``/``cap_usd`` bound the position
    notional (USD), ``mmr`` is a fraction of notional, ``maint_amount_usd`` Binance's "cum" (USD), and
    ``max_leverage`` the bracket's largest initial leverage."""

    floor_usd: float
    cap_usd: float
    mmr: float
    maint_amount_usd: float
    max_leverage: float


@dataclass(frozen=True, slots=True)
class BracketTable:
    """A venue's published bracket table for one symbol, with where it came from (``source``, ``recorded``)."""

    venue: str
    symbol: str
    brackets: tuple[MarginBracket, ...]
    source: str
    recorded: str

    def bracket(self, notional_usd: float) -> MarginBracket:
        """The bracket holding a position of ``notional_usd`` (ValueError beyond the last cap or when ≤ 0)."""
        if not notional_usd > 0:
            raise ValueError("position notional must be positive")
        for b in self.brackets:
            if b.floor_usd <= notional_usd <= b.cap_usd:
                return b
        raise ValueError(f"{notional_usd:,.0f} USD is beyond {self.symbol}'s largest bracket")


def binance_brackets(symbol: str = "BTCUSDT") -> BracketTable | None:
    """Binance USD-M's recorded bracket table for ``symbol`` (data/binance_usdm_leverage_brackets.json), or None
    when the file has no table for it."""
    import json
    from importlib.resources import files

    raw = json.loads(
        files("derivintel.analytics.liquidity").joinpath("data/binance_usdm_leverage_brackets.json").read_text()
    )
    rows = raw["symbols"].get(symbol.upper())
    if rows is None:
        return None
    brackets = tuple(
        MarginBracket(
            floor_usd=float(r["notionalFloor"]),
            cap_usd=float(r["notionalCap"]),
            mmr=float(r["maintMarginRatio"]),
            maint_amount_usd=float(r["cum"]),
            max_leverage=float(r["initialLeverage"]),
        )
        for r in rows
    )
    return BracketTable(raw["venue"], symbol.upper(), brackets, raw["source"], raw["recorded"])


def bracket_liquidation_price(
    entry_usd: float, leverage: float, notional_usd: float, side: Side, table: BracketTable
) -> float:
    """Liquidation price in USD of one isolated position under a bracket table (Binance's formula).

    With quantity ``Q = notional/E``, the bracket's ``MMR`` and maintenance amount ``cum`` (USD):
    long ``P = (E(1 − 1/L) − cum/Q) / (1 − MMR)``, short ``P = (E(1 + 1/L) + cum/Q) / (1 + MMR)``; with
    ``cum = 0`` this is :func:`liquidation_price`. The bracket is chosen by the notional at entry (Binance uses the
    position's current notional; the two differ only for a position near a bracket boundary). ValueError when the
    leverage exceeds the bracket's maximum or the position would be liquidated at entry.
    """
    b = table.bracket(notional_usd)
    if leverage > b.max_leverage:
        raise ValueError(
            f"{leverage:g}x exceeds {table.symbol}'s maximum of {b.max_leverage:g}x at {notional_usd:,.0f} USD notional"
        )
    if side not in ("long", "short"):
        raise ValueError(f"side must be 'long' or 'short', got {side!r}")
    if 1.0 / leverage <= b.mmr:
        raise ValueError("1/leverage must exceed mmr (the position would be liquidated at entry)")
    per_unit = b.maint_amount_usd * entry_usd / notional_usd  # cum / Q, USD per coin
    if side == "long":
        return (entry_usd * (1.0 - 1.0 / leverage) - per_unit) / (1.0 - b.mmr)
    return (entry_usd * (1.0 + 1.0 / leverage) + per_unit) / (1.0 + b.mmr)
