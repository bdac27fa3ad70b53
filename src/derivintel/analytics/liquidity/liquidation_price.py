"""Liquidation price of an isolated linear perpetual position: tier-1 (one MMR) and under a bracket table.

Formula (DOMAIN.md §2, fees and funding ignored), with entry ``E`` in USD, leverage ``L`` (initial margin ``1/L``)
and maintenance-margin rate ``MMR`` as a fraction of notional:

- long:  ``P_liq = E (1 − 1/L) / (1 − MMR)``
- short: ``P_liq = E (1 + 1/L) / (1 + MMR)``

A position is only meaningful when ``1/L > MMR`` (otherwise it would be liquidated at entry); then
``long liq < entry < short liq``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from derivintel.domain.margins import BracketTable

Side = Literal["long", "short"]


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


def bracket_liquidation_price(
    entry_usd: float, leverage: float, notional_usd: float, side: Side, table: BracketTable
) -> float:
    """Liquidation price in USD of one isolated position under a bracket table (Binance's formula).

    With quantity ``Q = notional/E``, the bracket's ``MMR`` and maintenance amount ``cum`` (USD):
    long ``P = (E(1 − 1/L) − cum/Q) / (1 − MMR)``, short ``P = (E(1 + 1/L) + cum/Q) / (1 + MMR)``; with
    ``cum = 0`` this is :func:`liquidation_price`. The bracket is chosen by the notional at entry (Binance uses the
    position's current notional; the two differ only for a position near a bracket boundary). ValueError when the
    leverage exceeds the bracket's maximum or the position would be liquidated at entry. Tables are venue data
    (``sources/<venue>/margins.py``).
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
