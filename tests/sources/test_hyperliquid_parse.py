"""Hyperliquid parsers on fixtures and on real SDK cassettes / nautilus recordings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.sources.hyperliquid import parse as hp
from tests.realdata import real_path
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
# Fetch time for the real recordings: after every capture (2023..2026-10), so none reads as future.
REAL_RECV = datetime(2026, 12, 1, tzinfo=UTC)


def fx(name: str) -> bytes:
    return (FIXTURES / "hyperliquid" / name).read_bytes()


def cassette_body(name: str, request_type: str) -> bytes:
    """The response body of the cassette interaction whose request JSON has ``type`` = ``request_type``."""
    yaml = pytest.importorskip("yaml", reason="pyyaml is needed to read the SDK cassettes")
    data = yaml.safe_load(real_path("hyperliquid", name).read_text())
    for it in data["interactions"]:
        if json.loads(it["request"]["body"])["type"] == request_type:
            return it["response"]["body"]["string"].encode()
    raise AssertionError(f"no {request_type} interaction in {name}")


def test_meta_and_asset_ctxs_aligned_by_index() -> None:
    btc = hp.parse_meta_and_asset_ctxs(fx("metaAndAssetCtxs.json"), asset="BTC", ts_recv=RECV)
    sol = hp.parse_meta_and_asset_ctxs(fx("metaAndAssetCtxs.json"), asset="SOL", ts_recv=RECV)
    assert btc.funding_interval_hours == 1.0
    assert btc.funding_rate_1h == 1.25e-5
    assert btc.oi_usd == pytest.approx(20000.5 * 65001.0)
    assert sol.mark_price_usd == 165.2
    assert sol.funding_rate_1h == -5e-6
    assert btc.source.as_of == RECV  # payload carries no time
    assert hp.max_leverage(fx("metaAndAssetCtxs.json"), asset="ETH") == 25.0
    broken = json.loads(fx("metaAndAssetCtxs.json"))
    broken[1].pop()  # ctxs shorter than universe: alignment is lost
    with pytest.raises(BadPayloadError, match="ctxs has"):
        hp.parse_meta_and_asset_ctxs(json.dumps(broken).encode(), asset="BTC", ts_recv=RECV)
    with pytest.raises(BadPayloadError, match="DOGE not in"):
        hp.parse_meta_and_asset_ctxs(fx("metaAndAssetCtxs.json"), asset="DOGE", ts_recv=RECV)


def test_predicted_fundings_per_venue_interval() -> None:
    btc = {p.venue: p for p in hp.parse_predicted_fundings(fx("predictedFundings.json"), asset="BTC", ts_recv=RECV)}
    assert btc["binance"].rate_1h == pytest.approx(0.0001 / 8)
    assert btc["hyperliquid"].rate_1h == pytest.approx(1.25e-5)
    assert btc["bybit"].interval_hours == 8
    eth = hp.parse_predicted_fundings(fx("predictedFundings.json"), asset="ETH", ts_recv=RECV)
    assert {p.venue for p in eth} == {"binance", "hyperliquid"}  # Bybit entry null -> skipped


def test_book_candles_funding_fixture() -> None:
    b = hp.parse_l2_book(fx("l2Book.json"), asset="BTC", ts_recv=RECV)
    assert b.mid_usd == 65000.5
    c = hp.parse_candle_snapshot(fx("candleSnapshot.json"), asset="BTC", ts_recv=RECV, interval_s=3600)
    np.testing.assert_allclose(c.volume_base, [98.5, 70.25, 55.0])
    f = hp.parse_funding_history(fx("fundingHistory.json"), asset="BTC", ts_recv=RECV)
    assert set(f.interval_hours) == {1.0}
    with pytest.raises(BadPayloadError, match="expected 'ETH'"):
        hp.parse_funding_history(fx("fundingHistory.json"), asset="ETH", ts_recv=RECV)


@pytest.mark.real_data
def test_real_cassette_funding_history_2023() -> None:
    body = cassette_body("hlsdk_test_get_funding_historyNone.yaml", "fundingHistory")
    f = hp.parse_funding_history(body, asset="BTC", ts_recv=REAL_RECV)
    assert len(f) > 1000
    assert f.rate_interval[0] == pytest.approx(-0.00061334)
    # Hyperliquid settled every 8h until 2023-06-08 and hourly since: the interval is read per row.
    ts_ms = f.ts.astype("int64")
    switch = 1686182400254  # last 8h settlement in the recording
    assert set(f.interval_hours[ts_ms <= switch]) == {8.0}
    assert set(f.interval_hours[ts_ms > switch]) == {1.0}  # incl. one missed settlement (2h gap) kept at 1h
    assert f.rate_1h[0] == pytest.approx(-0.00061334 / 8)


@pytest.mark.real_data
def test_real_cassette_l2_book_and_candles() -> None:
    book = hp.parse_l2_book(cassette_body("hlsdk_test_get_l2_snapshot.yaml", "l2Book"), asset="DYDX", ts_recv=REAL_RECV)
    assert book.bids[0, 0] == 2.111
    assert book.bids[0, 0] < book.asks[0, 0]
    candles = hp.parse_candle_snapshot(
        cassette_body("hlsdk_test_get_candles_snapshot.yaml", "candleSnapshot"),
        asset="kPEPE",
        ts_recv=REAL_RECV,
        interval_s=3600,
    )
    assert candles.close[0] == 0.001604
    assert np.all(np.diff(candles.ts.astype(np.int64)) == 3_600_000)
    meta = cassette_body("hlsdk_test_get_info.yaml", "meta")
    assert hp.max_leverage(meta, asset="BTC") == 50.0


@pytest.mark.real_data
def test_real_nautilus_recordings() -> None:
    f = hp.parse_funding_history(
        real_path("hyperliquid", "nautilus_http_funding_history.json").read_bytes(), asset="BTC", ts_recv=REAL_RECV
    )
    assert set(f.interval_hours) == {1.0}  # hourly spacing in 2026
    np.testing.assert_allclose(f.rate_interval, [0.0000125, -0.0000081, 0.0000033])
    book = hp.parse_l2_book(
        real_path("hyperliquid", "nautilus_http_l2_book_btc.json").read_bytes(), asset="BTC", ts_recv=REAL_RECV
    )
    assert book.mid_usd == 110427.5
    # The all-dexs websocket ctxs message holds the same ctx objects as metaAndAssetCtxs: pair it with the meta.
    ws = json.loads(real_path("hyperliquid", "nautilus_ws_all_dexs_asset_ctxs.json").read_text())
    ctxs = ws["data"]["ctxs"][0][1]
    names = ["BTC", "ETH"] + [f"X{i}" for i in range(len(ctxs) - 2)]
    body = json.dumps([{"universe": [{"name": n, "szDecimals": 1, "maxLeverage": 3} for n in names]}, ctxs])
    btc = hp.parse_meta_and_asset_ctxs(body.encode(), asset="BTC", ts_recv=REAL_RECV)
    assert btc.mark_price_usd == 77562.0
    assert btc.oi_base == pytest.approx(27353.17682)
    assert btc.funding_rate_1h == pytest.approx(-0.0000015186)
