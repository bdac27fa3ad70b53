"""Option trades of one currency (Deribit ``public/get_last_trades_by_currency``), columnar.

Per trade (row): ``ts`` (``datetime64[ms]``), ``instrument``, ``expiry`` (``datetime64[ms]``, 08:00 UTC), ``strike``
(USD), ``is_call``, ``amount_base`` (contracts = coins), ``price_coin`` (option price in coin), ``aggressor``
(+1 the taker bought, −1 the taker sold), ``iv`` (fraction, NaN when absent), ``index_price_usd``, ``is_block``
(part of a block trade) and ``is_combo`` (a leg of a combo trade). ``trade_id`` keeps each trade once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.provenance import Source

_ROWS = (
    "ts", "expiry", "strike", "is_call", "amount_base", "price_coin", "aggressor", "iv", "index_price_usd",
    "is_block", "is_combo",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class OptionTrades:
    """Trades of ``currency`` options, oldest first (module doc for the columns and units)."""

    currency: str
    trade_id: tuple[str, ...]
    instrument: tuple[str, ...]
    ts: np.ndarray
    expiry: np.ndarray
    strike: np.ndarray
    is_call: np.ndarray
    amount_base: np.ndarray
    price_coin: np.ndarray
    aggressor: np.ndarray
    iv: np.ndarray
    index_price_usd: np.ndarray
    is_block: np.ndarray
    is_combo: np.ndarray
    source: Source

    def __post_init__(self) -> None:
        n = len(self.trade_id)
        for name in ("instrument", *_ROWS):
            if len(getattr(self, name)) != n:
                raise ValueError(f"OptionTrades.{name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.trade_id)

    def select(self, mask: np.ndarray) -> OptionTrades:
        """The trades where ``mask`` is True."""
        idx = np.flatnonzero(mask)
        return OptionTrades(
            self.currency,
            tuple(self.trade_id[i] for i in idx),
            tuple(self.instrument[i] for i in idx),
            *(getattr(self, name)[idx] for name in _ROWS),
            source=self.source,
        )
