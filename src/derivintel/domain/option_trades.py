"""Option trades of one currency (Deribit ``public/get_last_trades_by_currency``), columnar.

Per trade (row): ``ts`` (``datetime64[ms]``), ``instrument``, ``expiry`` (``datetime64[ms]``, 08:00 UTC), ``strike``
(USD), ``is_call``, ``amount_base`` (contracts = coins), ``price_coin`` (option price in coin), ``aggressor``
(+1 the taker bought, −1 the taker sold), ``iv`` (fraction, NaN when absent), ``index_price_usd``, ``is_block``
(part of a block trade) and ``is_combo`` (a leg of a combo trade). ``trade_id`` keeps each trade once.

``covered_from``: from when on the record is complete (every trade from then to ``source.fetched_at`` is in it):
the start of the fetched window, later when the fetch stopped at its page limit, or for stored trades the start of
the unbroken run of stored batches. None when unknown. Flow and the estimated inventory state it as their start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

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
    covered_from: datetime | None = None

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
            covered_from=self.covered_from,
        )


def merge_option_trades(parts: Sequence[OptionTrades], *, covered_from: datetime | None) -> OptionTrades | None:
    """One record of ``parts`` (same currency): each trade id once (the first part holding it wins), oldest
    first; its source is the latest part's; ``covered_from`` as given. None when ``parts`` is empty."""
    if not parts:
        return None
    currencies = {p.currency for p in parts}
    if len(currencies) != 1:
        raise ValueError(f"cannot merge option trades of {sorted(currencies)}")
    ids = np.concatenate([np.asarray(p.trade_id, dtype=str) for p in parts])
    _, first = np.unique(ids, return_index=True)  # the first part holding an id wins
    ts = np.concatenate([p.ts for p in parts]).astype("datetime64[ms]")
    rows = first[np.lexsort((first, ts[first]))]  # oldest first; ties in the order given
    names = [n for p in parts for n in p.instrument]
    col = lambda name: np.concatenate([getattr(p, name) for p in parts])[rows]  # noqa: E731
    latest = max(parts, key=lambda p: p.source.fetched_at)
    return OptionTrades(
        parts[0].currency,
        tuple(str(x) for x in ids[rows]),
        tuple(names[i] for i in rows),
        *(col(name) for name in _ROWS),
        source=latest.source,
        covered_from=covered_from,
    )


def with_coverage(trades: OptionTrades, covered_from: datetime | None) -> OptionTrades:
    """``trades`` with ``covered_from`` set."""
    return replace(trades, covered_from=covered_from)


def join_stored(stored: OptionTrades | None, live: OptionTrades | None) -> OptionTrades | None:
    """Stored trades and a live window as one record. Complete from the stored start when the stored record
    reaches the live window's start (no hole between them), else from the live window's start."""
    if stored is None or live is None:
        return live if stored is None else stored
    joined = stored.source.fetched_at >= live.covered_from if live.covered_from is not None else False
    start = live.covered_from
    if joined and stored.covered_from is not None and live.covered_from is not None:
        start = min(stored.covered_from, live.covered_from)
    return merge_option_trades([live, stored], covered_from=start)
