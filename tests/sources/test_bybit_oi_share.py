"""A snapshot whose Bybit tickers answer is the recorded 2026 shape counts Bybit's open interest once (one side),
like Binance, OKX and Hyperliquid, in the aggregate OI and the venue shares."""

from __future__ import annotations

import asyncio
import json

import pytest

from derivintel.analytics.positioning.open_interest import total_open_interest
from derivintel.sources.live import build_snapshot_from_raw, fetch_raw
from tests.sources.fakeserver import FIXTURES, FakeVenues


def recorded_tickers_rest_body() -> tuple[bytes, dict]:
    """The recorded 2026-08-13 ``tickers.BTCUSDT`` row in the REST tickers envelope (same row fields)."""
    msg = json.loads((FIXTURES / "bybit" / "recorded" / "ws_tickers_BTCUSDT_2026-08-13.json").read_bytes())
    body = {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [msg["data"]]}, "time": msg["ts"]}
    return json.dumps(body).encode(), msg["data"]


def test_aggregate_oi_counts_bybit_once_on_the_recorded_shape() -> None:
    body, row = recorded_tickers_rest_body()
    with FakeVenues(overrides={("bybit", "tickers"): body}) as venues:
        responses, failures, _ = asyncio.run(fetch_raw(["BTC"], config=venues.config()))
    assert not failures
    snapshot = build_snapshot_from_raw(responses, "BTC")
    perps = snapshot.assets["BTC"].perps
    bybit = next(p for p in perps if p.venue == "bybit")
    assert bybit.oi_base == pytest.approx(float(row["singleOpenInterest"]))
    assert bybit.oi_usd == pytest.approx(float(row["singleOpenInterestValue"]), rel=1e-9)
    total = total_open_interest(perps).value
    assert total is not None
    others = sum(p.oi_usd for p in perps if p.venue != "bybit" and p.oi_usd is not None)
    assert total.total_oi_usd == pytest.approx(others + float(row["singleOpenInterestValue"]), rel=1e-9)
    # Counted with both sides (what the parser read before), Bybit's USD OI would be twice as large.
    assert float(row["openInterestValue"]) == pytest.approx(2 * bybit.oi_usd, rel=1e-6)


def _strip(name: str, key: str) -> bytes:
    obj = json.loads((FIXTURES / "bybit" / name).read_bytes())
    for row in obj["result"]["list"]:
        row.pop(key, None)
    return json.dumps(obj).encode()


def _bybit_perp(overrides: dict) -> tuple:
    with FakeVenues(overrides=overrides) as venues:
        responses, _, _ = asyncio.run(fetch_raw(["BTC"], config=venues.config()))
    snapshot = build_snapshot_from_raw(responses, "BTC")
    perp = next(p for p in snapshot.assets["BTC"].perps if p.venue == "bybit")
    return perp, [g for g in snapshot.gaps if g.source == "bybit"]


def test_interval_from_instruments_info_when_tickers_lack_it_and_flagged_when_neither_says() -> None:
    bare = _strip("tickers.json", "fundingIntervalHour")
    info = (
        (FIXTURES / "bybit" / "instruments-info.json")
        .read_bytes()
        .replace(b'"fundingInterval": 480', b'"fundingInterval": 240')
    )
    perp, gaps = _bybit_perp({("bybit", "tickers"): bare, ("bybit", "instruments-info"): info})
    assert perp.funding_interval_hours == 4.0
    assert perp.funding_rate_1h == pytest.approx(0.0001 / 4)
    assert not gaps
    perp, gaps = _bybit_perp(
        {("bybit", "tickers"): bare, ("bybit", "instruments-info"): _strip("instruments-info.json", "fundingInterval")}
    )
    assert perp.funding_rate_interval is None  # shown missing, not assumed per 8h
    assert [g.dataset for g in gaps] == ["tickers"]
    assert "funding interval unknown" in gaps[0].reason


def test_interval_from_the_universe_list_when_neither_endpoint_states_it() -> None:
    """Bybit's instrument list (the universe) states each perp's interval: it fills in when tickers and the
    per-symbol instruments-info do not."""
    from datetime import UTC, datetime

    from derivintel.domain.universe import Listing, Universe

    bare = {
        ("bybit", "tickers"): _strip("tickers.json", "fundingIntervalHour"),
        ("bybit", "instruments-info"): _strip("instruments-info.json", "fundingInterval"),
    }
    with FakeVenues(overrides=bare) as venues:
        responses, _, _ = asyncio.run(fetch_raw(["BTC"], config=venues.config()))
    listed = Listing("bybit", "BTC", "BTCUSDT", "USDT", funding_interval_hours=2.0)
    universe = Universe.from_lists({"bybit": [listed]}, as_of=datetime(2026, 3, 14, tzinfo=UTC))
    snapshot = build_snapshot_from_raw(responses, "BTC", universe=universe)
    perp = next(p for p in snapshot.assets["BTC"].perps if p.venue == "bybit")
    assert perp.funding_interval_hours == 2.0
    assert perp.funding_rate_1h == pytest.approx(0.0001 / 2)
