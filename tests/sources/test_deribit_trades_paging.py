"""Deribit option trades through the live driver against the fake venue: pages newest first until the 24 h window
is complete, the declared page limit (the record then says from when it is complete, and a caveat is listed), and
a failed later page (the whole dataset is a gap, no partial trades leak)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pytest

from derivintel.core.provenance import GapKind
from derivintel.core.timeutil import from_ms
from derivintel.sources import registry
from derivintel.sources.deribit.endpoints import TRADES_MAX_PAGES
from derivintel.sources.deribit.trades import next_page_params
from derivintel.sources.live import fetch_snapshot
from tests.sources.fakeserver import FakeVenues

DAY_MS = 86_400_000
OTHERS = frozenset(registry.PROVIDERS) - {"deribit"}


def _trade(i: int, ts: int) -> dict[str, Any]:
    return {
        "trade_id": str(i), "instrument_name": "BTC-26MAR27-100000-C", "timestamp": ts, "direction": "buy",
        "amount": 1.0, "price": 0.05, "iv": 50.0, "index_price": 90_000.0, "trade_seq": i, "tick_direction": 0,
        "mark_price": 0.05,
    }  # fmt: skip


class Book:
    """A venue holding ``n`` trades spread evenly over the last ``span_ms``; answers like Deribit (desc, count)."""

    def __init__(self, n: int, span_ms: int = DAY_MS - 60_000) -> None:
        self.n, self.span_ms = n, span_ms
        self.ts: np.ndarray | None = None

    def __call__(self, args: Mapping[str, Any]) -> bytes:
        start, end, count = int(args["start_timestamp"]), int(args["end_timestamp"]), int(args["count"])
        if self.ts is None:  # anchored at the first request's end: the window the client asks for
            self.ts = end - (np.arange(self.n) * self.span_ms // max(self.n, 1))  # newest first
        inside = np.flatnonzero((self.ts >= start) & (self.ts <= end))
        page = inside[:count]
        trades = [_trade(int(i), int(self.ts[i])) for i in page]
        return json.dumps({"jsonrpc": "2.0", "result": {"trades": trades, "has_more": len(inside) > count}}).encode()


@pytest.fixture
def venues() -> Iterator[FakeVenues]:
    with FakeVenues() as fake:
        yield fake


def _fetch(venues: FakeVenues):
    return asyncio.run(fetch_snapshot("BTC", config=venues.config(disabled=OTHERS)))


def test_pages_until_the_window_is_complete(venues: FakeVenues) -> None:
    venues.handlers[("deribit", "option_trades")] = Book(2_500)
    snapshot, raws = _fetch(venues)
    pages = [r for r in raws if r.dataset == "option_trades"]
    assert [p.page for p in pages] == [0, 1, 2]
    trades = snapshot.assets["BTC"].option_trades
    assert trades is not None
    assert len(trades) == 2_500  # the trade at each page boundary is asked twice and kept once
    start = from_ms(int(pages[0].params["start_timestamp"]))
    assert trades.covered_from == start
    assert not any(g.dataset == "option_trades" for g in snapshot.gaps)
    ends = [int(p.params["end_timestamp"]) for p in pages]
    assert ends == sorted(ends, reverse=True)  # each page ends at the previous page's oldest trade


def test_the_page_limit_cuts_the_window_and_says_so(venues: FakeVenues) -> None:
    venues.handlers[("deribit", "option_trades")] = Book(TRADES_MAX_PAGES * 1_000 + 5_000)
    snapshot, raws = _fetch(venues)
    assert sum(r.dataset == "option_trades" for r in raws) == TRADES_MAX_PAGES
    trades = snapshot.assets["BTC"].option_trades
    assert trades is not None
    assert len(trades) == TRADES_MAX_PAGES * 1_000 - (TRADES_MAX_PAGES - 1)  # boundary trades once
    start = from_ms(int(raws[-1].params["start_timestamp"]))
    assert trades.covered_from is not None
    assert trades.covered_from > start
    assert trades.covered_from == from_ms(int(trades.ts.min().astype(np.int64)))
    caveat = [g for g in snapshot.gaps if g.dataset == "option_trades"]
    assert caveat
    assert "page limit" in caveat[0].reason


def test_a_failed_later_page_makes_the_dataset_a_gap(venues: FakeVenues) -> None:
    book = Book(2_500)

    def handler(args: Mapping[str, Any]) -> bytes | tuple[int, bytes]:
        body = book(args)
        first_end = int(book.ts[0]) if book.ts is not None else None
        return body if int(args["end_timestamp"]) == first_end else (500, b'{"error":"injected"}')

    venues.handlers[("deribit", "option_trades")] = handler
    snapshot, _ = asyncio.run(fetch_snapshot("BTC", config=venues.config(disabled=OTHERS, max_retries=0)))
    assert snapshot.assets["BTC"].option_trades is None
    gaps = [g for g in snapshot.gaps if g.dataset == "option_trades"]
    assert [g.kind for g in gaps] == [GapKind.UNAVAILABLE]


def test_next_page_params_stops_at_the_window_start_and_steps_past_a_full_millisecond() -> None:
    t0 = 1_779_000_000_000  # 2026-05-17
    params = {"start_timestamp": str(t0 + 1000), "end_timestamp": str(t0 + 5000), "count": "2"}

    def page(*stamps: int, more: bool = True) -> bytes:
        trades = [_trade(i, t0 + s) for i, s in enumerate(stamps)]
        return json.dumps({"result": {"trades": trades, "has_more": more}}).encode()

    assert next_page_params(page(4000, 3000), params) == {**params, "end_timestamp": str(t0 + 3000)}
    assert next_page_params(page(5000, 5000), params)["end_timestamp"] == str(t0 + 4999)
    assert next_page_params(page(4000, more=False), params) is None
    assert next_page_params(page(1000), params) is None
