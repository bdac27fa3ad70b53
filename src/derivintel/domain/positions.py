"""Observed positions: accounts' open perp positions as a venue publishes them (Hyperliquid ``clearinghouseState``).

Sizes are in coins (``size_base`` signed: > 0 long, < 0 short), prices and values in USD. A position may have no
liquidation price (``None``: in cross margin the account's other positions and collateral keep it safe at any price).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.timeutil import to_ms
from derivintel.domain.venue import VenueId


@dataclass(frozen=True, slots=True)
class ObservedPosition:
    """One open position of one account.

    ``leverage`` is the position's leverage setting (x); ``is_cross`` its margin mode (False = isolated).
    ``position_value_usd`` is ``|size_base| × mark`` as the venue reports it; ``margin_used_usd`` the margin it ties up.
    """

    coin: str
    size_base: float
    entry_price_usd: float
    liquidation_price_usd: float | None
    leverage: float
    is_cross: bool
    margin_used_usd: float
    position_value_usd: float

    @property
    def is_long(self) -> bool:
        return self.size_base > 0


@dataclass(frozen=True, slots=True)
class MarginSummary:
    """The account's margin summary (USD): equity, total notional of positions, margin in use, withdrawable."""

    account_value_usd: float
    total_notional_usd: float
    total_margin_used_usd: float
    withdrawable_usd: float | None


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account's positions and margin at ``source.as_of`` (an empty ``positions`` is a real observation: flat)."""

    address: str
    positions: tuple[ObservedPosition, ...]
    margin: MarginSummary
    source: Source


@dataclass(frozen=True, slots=True)
class AddressSighting:
    """An address seen trading ``coin`` at ``seen_at`` with ``notional_usd`` of the trade (discovery input).

    ``trade_id`` identifies the trade (the venue's ``tid``, or time/coin/side/price/size for the historical CSV), so
    a trade seen twice (overlapping ``recentTrades`` answers, a re-imported file) counts once."""

    address: str
    coin: str
    seen_at: datetime
    notional_usd: float
    trade_id: str


@dataclass(frozen=True, eq=False)
class ObservedPositions:
    """Columnar observed positions for ONE coin on one venue (one row per account position).

    ``observed_at`` (datetime64[ms], UTC) is when each account was read; ``liquidation_price_usd`` is NaN when the
    venue gives none. ``accounts_observed`` counts accounts read successfully (flat ones included);
    ``accounts_failed`` those whose latest read failed (their positions are absent, not zero).
    """

    venue: VenueId
    coin: str
    observed_at: np.ndarray
    size_base: np.ndarray
    liquidation_price_usd: np.ndarray
    leverage: np.ndarray
    is_cross: np.ndarray
    position_value_usd: np.ndarray
    accounts_observed: int
    accounts_failed: int
    source: Source

    def __post_init__(self) -> None:
        n = len(self.size_base)
        cols = (self.observed_at, self.liquidation_price_usd, self.leverage, self.is_cross, self.position_value_usd)
        if any(len(c) != n for c in cols):
            raise ValueError("ObservedPositions columns must have equal length")

    def __len__(self) -> int:
        return len(self.size_base)

    @classmethod
    def from_accounts(
        cls, venue: VenueId, coin: str, accounts: Sequence[AccountState], *, failed: int, source: Source
    ) -> ObservedPositions:
        """Stack the ``coin`` positions of ``accounts`` (each account's ``source.as_of`` is its observation time)."""
        rows = [(a.source.as_of, p) for a in accounts for p in a.positions if p.coin == coin]
        ms = np.array([np.datetime64(to_ms(t), "ms") for t, _ in rows], dtype="datetime64[ms]")
        return cls(
            venue=venue,
            coin=coin,
            observed_at=ms,
            size_base=np.array([p.size_base for _, p in rows], dtype=np.float64),
            liquidation_price_usd=np.array(
                [np.nan if p.liquidation_price_usd is None else p.liquidation_price_usd for _, p in rows],
                dtype=np.float64,
            ),
            leverage=np.array([p.leverage for _, p in rows], dtype=np.float64),
            is_cross=np.array([p.is_cross for _, p in rows], dtype=bool),
            position_value_usd=np.array([p.position_value_usd for _, p in rows], dtype=np.float64),
            accounts_observed=len(accounts),
            accounts_failed=failed,
            source=source,
        )
