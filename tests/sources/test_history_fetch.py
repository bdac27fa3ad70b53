"""Paged history against the fake venues: window arithmetic, no duplicates at page boundaries, span covered,
request counts as computed, funding intervals from settlement spacing, failures as gaps, backfill adapter."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.core.provenance import GapKind
from derivintel.domain.series import FundingSeries, OpenInterestSeries
from derivintel.sources.declarations import HOUR_MS
from derivintel.sources.history_fetch import PAGINGS, fetch_history, live_history_fetch, windows
from tests.sources.fakeserver import FakeVenues

H = HOUR_MS
# Span: 2024-05-01 00:30 → 2024-06-10 00:30 (40 days = 960 h). Hour-aligned inner span: 01:00 .. 2024-06-10 00:00.
START = datetime(2024, 5, 1, 0, 30, tzinfo=UTC)
END = datetime(2024, 6, 10, 0, 30, tzinfo=UTC)
START_MS = int(START.timestamp() * 1000)
END_MS = int(END.timestamp() * 1000)


def hours_in(lo: int, hi: int, step: int = H) -> list[int]:
    """Multiples of ``step`` in [lo, hi]."""
    first = -(-lo // step) * step
    return list(range(first, hi + 1, step))


def price(t: int) -> float:
    return 60_000.0 + (t // H) % 97  # deterministic, positive


# --- generated venue answers (paging semantics as documented) -------------------------------------------------------
def binance_klines(args: Mapping[str, Any]) -> bytes:
    lo, hi = int(args["startTime"]), int(args["endTime"])
    # a venue that is loose at the lower bound: repeat the bar before the window (must be deduplicated)
    opens = hours_in(lo - H, hi)[: int(args["limit"])]
    rows = [[t, str(price(t)), str(price(t) + 5), str(price(t) - 5), str(price(t) + 1), "10", t + H - 1, "0", 5, "6"]
            for t in opens]  # fmt: skip
    return json.dumps(rows).encode()


def binance_funding(args: Mapping[str, Any]) -> bytes:
    lo, hi = int(args["startTime"]), int(args["endTime"])
    rows = [{"symbol": "BTCUSDT", "fundingTime": t, "fundingRate": "0.0001", "markPrice": "1"}
            for t in hours_in(lo, hi, 8 * H)]  # fmt: skip
    return json.dumps(rows[: int(args["limit"])]).encode()


def binance_funding_info(args: Mapping[str, Any]) -> bytes:
    return b'[{"symbol":"ETHUSDT","fundingIntervalHours":4}]'  # BTCUSDT absent: 8h


def binance_oi(args: Mapping[str, Any]) -> bytes:
    lo, hi = int(args["startTime"]), int(args["endTime"])
    rows = [{"symbol": "BTCUSDT", "sumOpenInterest": "80000", "sumOpenInterestValue": str(80000 * price(t)),
             "timestamp": t} for t in hours_in(lo, hi)]  # fmt: skip
    return json.dumps(rows[-int(args["limit"]) :]).encode()  # fills from the NEWEST end


def bybit_kline(args: Mapping[str, Any]) -> bytes:
    lo, hi = int(args["start"]), int(args["end"])
    opens = hours_in(lo, hi)[::-1][: int(args["limit"])]  # newest first
    rows = [[str(t), str(price(t)), str(price(t) + 5), str(price(t) - 5), str(price(t)), "3", "1"] for t in opens]
    return json.dumps({"retCode": 0, "retMsg": "OK", "result": {"list": rows}}).encode()


def bybit_funding(args: Mapping[str, Any]) -> bytes:
    lo, hi = int(args["startTime"]), int(args["endTime"])
    # 4h funding until 2024-05-20, then 8h
    switch = int(datetime(2024, 5, 20, tzinfo=UTC).timestamp() * 1000)
    ts = [t for t in hours_in(lo, hi, 4 * H) if t < switch or t % (8 * H) == 0][::-1]
    rows = [{"symbol": "BTCUSDT", "fundingRate": "0.00008", "fundingRateTimestamp": str(t)} for t in ts]
    return json.dumps({"retCode": 0, "retMsg": "OK", "result": {"list": rows[: int(args["limit"])]}}).encode()


def okx_candles(args: Mapping[str, Any]) -> bytes:
    lo, hi = int(args["before"]) + 1, int(args["after"]) - 1  # exclusive bounds
    opens = hours_in(lo, hi)[::-1][: int(args["limit"])]
    rows = [[str(t), str(price(t)), str(price(t) + 5), str(price(t) - 5), str(price(t)), "100", "1", "60000", "1"]
            for t in opens]  # fmt: skip
    return json.dumps({"code": "0", "msg": "", "data": rows}).encode()


def okx_funding(args: Mapping[str, Any]) -> bytes:
    lo, hi = int(args["before"]) + 1, int(args["after"]) - 1
    ts = hours_in(lo, hi, 8 * H)[::-1]
    rows = [{"instId": "BTC-USDT-SWAP", "fundingTime": str(t), "realizedRate": "0.0002", "fundingRate": "0.0002"}
            for t in ts]  # fmt: skip
    return json.dumps({"code": "0", "msg": "", "data": rows[: int(args["limit"])]}).encode()


def bitget_candles(args: Mapping[str, Any]) -> bytes:
    lo, hi = int(args["startTime"]), int(args["endTime"])
    opens = hours_in(lo, hi)[: int(args["limit"])]  # oldest first
    rows = [[str(t), str(price(t)), str(price(t) + 5), str(price(t) - 5), str(price(t)), "3", "180000"] for t in opens]
    return json.dumps({"code": "00000", "msg": "success", "requestTime": hi, "data": rows}).encode()


HANDLERS = {
    ("binance-usdm", "klines_1h"): binance_klines,
    ("binance-usdm", "fundingRate"): binance_funding,
    ("binance-usdm", "fundingInfo"): binance_funding_info,
    ("binance-usdm", "openInterestHist"): binance_oi,
    ("bybit", "kline"): bybit_kline,
    ("bybit", "funding-history"): bybit_funding,
    ("okx", "history-candles"): okx_candles,
    ("okx", "funding-rate-history"): okx_funding,
    ("bitget", "candles"): bitget_candles,
}


@pytest.fixture(scope="module")
def venues() -> Iterator[FakeVenues]:
    with FakeVenues() as fake:
        fake.handlers.update(HANDLERS)
        yield fake


def run(venues: FakeVenues, **config: Any):
    return asyncio.run(fetch_history("btc", START, END, config=venues.config(**config)))


# --- window arithmetic --------------------------------------------------------------------------------------------
def test_windows_hand_case() -> None:
    # [0, 10] with width 4: [0,3] [4,7] [8,10]: ceil(11/4) = 3 windows
    assert windows(0, 10, 4) == [(0, 3), (4, 7), (8, 10)]
    assert windows(5, 4, 4) == []


@given(st.integers(0, 10**12), st.integers(0, 10**5), st.integers(100, 10**6))
def test_windows_cover_exactly_once(start: int, length: int, width: int) -> None:
    ws = windows(start, start + length, width)
    assert len(ws) == math.ceil((length + 1) / width)
    assert ws[0][0] == start
    assert ws[-1][1] == start + length
    for (lo, hi), (nlo, _) in itertools.pairwise(ws):
        assert nlo == hi + 1
        assert hi - lo + 1 == width


# --- paging against the fake server -------------------------------------------------------------------------------
def test_paging_covers_span_without_duplicates(venues: FakeVenues) -> None:
    venues.requests.clear()
    bundle = run(venues)
    assert bundle.gaps == ()
    # Hourly bars whose open is >= START and which closed by END: opens 01:00 on May 1 .. 23:00 on June 9 = 959 bars
    expected_opens = hours_in(START_MS, END_MS - H)
    assert len(expected_opens) == 959
    by_venue = {c.venue: c for c in bundle.candles}
    assert set(by_venue) == {"binance", "bybit", "okx", "bitget"}
    for c in bundle.candles:
        ts = c.ts.astype(np.int64)
        assert np.all(np.diff(ts) > 0), f"{c.venue}: duplicate or unsorted bars"
        assert ts.tolist() == expected_opens, f"{c.venue}: span not covered"
    # Binance answered each window with one extra bar before it: merged away, values intact
    np.testing.assert_allclose(by_venue["binance"].close, [price(t) + 1 for t in expected_opens])
    # Request counts: ceil((END-START+1ms) / window) per dataset; window = page_size × 1h
    span = END_MS - START_MS + 1
    per = {(p.provider, p.dataset): math.ceil(span / p.window_ms) for p in PAGINGS}
    # Binance OI: span clamped to the last 30 days = 720 h → ceil(720h / 500h) = 2
    per[("binance-usdm", "openInterestHist")] = math.ceil((30 * 24 * H) / (500 * H))
    assert per[("binance-usdm", "klines_1h")] == 1  # 960h < 1500h
    assert per[("bybit", "funding-history")] == 5  # 960h / 200h → 4.8 → 5
    assert per[("okx", "history-candles")] == 10  # 960h / 100h → 9.6 → 10
    assert per[("bitget", "candles")] == 1  # 960h < 1000h (Bitget keeps 83 days of 1h bars: not clamped here)
    counts: dict[tuple[str, str], int] = {}
    for provider, dataset, _ in venues.requests:
        counts[(provider, dataset)] = counts.get((provider, dataset), 0) + 1
    assert counts == {**per, ("binance-usdm", "fundingInfo"): 1}
    assert bundle.requests == sum(counts.values())


def test_funding_and_oi_series(venues: FakeVenues) -> None:
    bundle = run(venues)
    funding = {f.venue: f for f in bundle.funding}
    assert all(isinstance(f, FundingSeries) for f in bundle.funding)
    # Binance: 8h settlements (fundingInfo does not list BTCUSDT → 8h); May 1 08:00 .. June 10 00:00 = 120 rows
    b = funding["binance"]
    assert len(b) == 120
    assert set(b.interval_hours) == {8.0}
    np.testing.assert_allclose(b.rate_1h, 0.0001 / 8)
    # Bybit switched from 4h to 8h on May 20: the interval is read from the spacing, per row
    y = funding["bybit"]
    switch = np.datetime64(datetime(2024, 5, 20), "ms")
    assert set(y.interval_hours[y.ts < switch]) == {4.0}
    assert set(y.interval_hours[y.ts > switch]) == {8.0}
    assert np.all(np.diff(y.ts.astype(np.int64)) > 0)
    assert set(funding["okx"].interval_hours) == {8.0}
    (oi,) = bundle.open_interest
    assert isinstance(oi, OpenInterestSeries)
    # last 30 days only: 720 hourly points ending at END's hour; no duplicates across the 2 pages
    ts = oi.ts.astype(np.int64)
    assert len(ts) == 720
    assert np.all(np.diff(ts) == H)
    assert ts[-1] == hours_in(START_MS, END_MS)[-1]


def test_failed_pages_are_gaps_and_rest_kept(venues: FakeVenues) -> None:
    venues.faults["okx"] = "500"
    try:
        bundle = run(venues, max_retries=0)
    finally:
        venues.faults.clear()
    okx_gaps = [g for g in bundle.gaps if g.source == "okx"]
    assert {g.dataset for g in okx_gaps} == {"history-candles", "funding-rate-history"}
    assert all(g.kind is GapKind.UNAVAILABLE and "10 of 10 pages failed" in g.reason for g in okx_gaps[:1])
    assert "okx" not in {c.venue for c in bundle.candles}
    assert {c.venue for c in bundle.candles} == {"binance", "bybit", "bitget"}


def test_binance_funding_needs_funding_info(venues: FakeVenues) -> None:
    venues.handlers[("binance-usdm", "fundingInfo")] = lambda args: b"[{truncated"
    try:
        bundle = run(venues)
    finally:
        venues.handlers.update(HANDLERS)
    assert [g.kind for g in bundle.gaps if g.dataset == "fundingRate"] == [GapKind.BAD_PAYLOAD]
    assert "binance" not in {f.venue for f in bundle.funding}


def test_sync_adapter_feeds_backfill(venues: FakeVenues, tmp_path) -> None:
    from derivintel.store import HistoryStore
    from derivintel.store.collect import backfill

    fetch = live_history_fetch(venues.config(disabled=frozenset({"bybit", "okx", "bitget"})))
    now = END
    with HistoryStore(tmp_path / "h.duckdb") as store:
        rep = backfill(fetch, "BTC", 5, store, now=now)
        again = backfill(fetch, "BTC", 5, store, now=now)
    # 5 days back from END (June 5 00:30 .. June 10 00:30): bars opening June 5 01:00 .. June 9 23:00 = 119
    # (the June 10 00:00 bar is not closed at 00:30); funding every 8h from June 5 08:00 to June 10 00:00 = 15
    assert rep.start == now - timedelta(days=5)
    assert sum(v for k, v in rep.read.items() if "candle" in k) == 119
    assert sum(v for k, v in rep.read.items() if "funding" in k) == 15
    assert sum(rep.inserted.values()) > 0
    assert sum(again.inserted.values()) == 0  # idempotent: the same rows are not stored twice
