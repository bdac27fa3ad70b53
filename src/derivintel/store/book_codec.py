"""Order books in the store: one row per observed L2 book, every level kept (``schema.ORDER_BOOKS``).

Prices in USD, sizes in coins, as ``domain.orderbook.OrderBook``: bids best (highest) first, asks best (lowest)
first. The book's ``source.as_of`` is its ``ts_event``; a book is known from that time on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from derivintel.core.provenance import Source
from derivintel.domain.orderbook import OrderBook
from derivintel.store.codecs import as_utc, provenance, ts_col


def _levels(price: object, size: object) -> np.ndarray:
    p = np.asarray(price if price is not None else [], dtype=float)
    q = np.asarray(size if size is not None else [], dtype=float)
    return np.column_stack([p, q]) if len(p) else np.empty((0, 2))


def encode_books(books: Sequence[OrderBook], ts_recv: datetime | None) -> pd.DataFrame:
    """The rows of ``books`` (one per book) with the ``order_books`` columns."""
    frames = []
    for b in books:
        prov = provenance(b.source, ts_recv, 1)
        frames.append(
            pd.DataFrame(
                {
                    "venue": [b.venue],
                    "asset": [b.asset],
                    "ts_event": ts_col([b.source.as_of]),
                    "bid_price_usd": [b.bids[:, 0].tolist()],
                    "bid_size_base": [b.bids[:, 1].tolist()],
                    "ask_price_usd": [b.asks[:, 0].tolist()],
                    "ask_size_base": [b.asks[:, 1].tolist()],
                    **prov,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def decode_books(rows: pd.DataFrame) -> list[OrderBook]:
    """One ``OrderBook`` per stored row."""
    out = []
    for _, r in rows.iterrows():
        ts = as_utc(r["ts_event"])
        recv = ts if pd.isna(r["ts_recv"]) else as_utc(r["ts_recv"])
        out.append(
            OrderBook(
                venue=str(r["venue"]),
                asset=str(r["asset"]),
                bids=_levels(r["bid_price_usd"], r["bid_size_base"]),
                asks=_levels(r["ask_price_usd"], r["ask_size_base"]),
                source=Source(str(r["source"]), str(r["dataset"]), ts, recv, bool(r["synthetic"])),
            )
        )
    return out
