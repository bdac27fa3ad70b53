"""Binance parsers on documented fixtures (hand-computed expectations) and on real Binance data."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.domain.perp import FundingKind
from derivintel.domain.series import LongShortKind
from derivintel.sources.binance import parse as bp
from tests.realdata import real_path
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
# Fetch time for the real recordings: after every capture (2023..2026-10), so none reads as future.
REAL_RECV = datetime(2026, 12, 1, tzinfo=UTC)
T0 = datetime(2024, 6, 1, tzinfo=UTC)


def fx(name: str) -> bytes:
    return (FIXTURES / "binance" / name).read_bytes()


def test_premium_index_with_open_interest_and_default_interval() -> None:
    intervals = bp.parse_funding_intervals(fx("fundingInfo.json"))
    assert intervals == {"BLZUSDT": 4.0, "1000PEPEUSDT": 4.0}
    hours = bp.funding_interval_hours(intervals, "BTCUSDT")  # not listed -> 8h
    assert hours == 8.0
    assert bp.funding_interval_hours(intervals, "BLZUSDT") == 4.0
    reading = bp.parse_open_interest(fx("openInterest.json"), symbol="BTCUSDT", ts_recv=RECV)
    oi, oi_time = reading.oi_base, reading.as_of
    assert oi == 80000.5
    assert oi_time == datetime(2024, 6, 1, 7, tzinfo=UTC)
    perp = bp.parse_premium_index(
        fx("premiumIndex.json"), asset="BTC", symbol="BTCUSDT", ts_recv=RECV, funding_interval_hours=hours, oi_base=oi
    )
    assert perp.mark_price_usd == 65000.0
    assert perp.index_price_usd == 64980.0
    assert perp.funding_kind is FundingKind.PREDICTED
    # 0.0001 per 8h -> 0.0000125 per hour -> APR 0.0000125 * 8760 = 0.1095
    assert perp.funding_rate_1h == pytest.approx(1.25e-5)
    assert perp.funding_apr == pytest.approx(0.1095)
    # OI USD = 80000.5 coins * 65000 = 5,200,032,500
    assert perp.oi_usd == pytest.approx(5_200_032_500.0)
    assert perp.next_funding_time == datetime(2024, 6, 1, 8, tzinfo=UTC)
    assert perp.source.as_of == datetime(2024, 6, 1, 7, tzinfo=UTC)
    assert perp.source.fetched_at == RECV
    assert perp.source.label == "binance-usdm/premiumIndex"


def test_funding_history_and_oi_history() -> None:
    f = bp.parse_funding_history(fx("fundingRate.json"), asset="BTC", symbol="BTCUSDT", ts_recv=RECV, interval_hours=8)
    np.testing.assert_allclose(f.rate_interval, [1e-4, 8e-5, -2e-5])
    np.testing.assert_allclose(f.rate_1h, [1.25e-5, 1e-5, -2.5e-6])
    assert f.source.as_of == T0
    oi = bp.parse_open_interest_hist(
        fx("openInterestHist.json"), asset="BTC", symbol="BTCUSDT", ts_recv=RECV, period_s=3600
    )
    np.testing.assert_allclose(oi.oi_base, [79000, 79500, 80000])
    # implied price = value / coins: 5,159,550,000 / 79,500 = 64,900
    assert oi.oi_usd[1] / oi.oi_base[1] == pytest.approx(64900.0)


@pytest.mark.parametrize(
    ("dataset", "kind", "first"),
    [
        ("globalLongShortAccountRatio", LongShortKind.GLOBAL_ACCOUNTS, 1.5),
        ("topLongShortAccountRatio", LongShortKind.TOP_ACCOUNTS, 1.2),
        ("topLongShortPositionRatio", LongShortKind.TOP_POSITIONS, 1.3),
    ],
)
def test_long_short_kinds(dataset: str, kind: LongShortKind, first: float) -> None:
    s = bp.parse_long_short(
        fx(f"{dataset}.json"), dataset=dataset, asset="BTC", symbol="BTCUSDT", ts_recv=RECV, period_s=3600
    )
    assert s.kind is kind
    assert s.ratio[0] == pytest.approx(first)
    assert s.long_share[0] == pytest.approx(first / (1 + first))  # 1.5 -> 0.6


def test_taker_volume_klines_depth() -> None:
    t = bp.parse_taker_volume(fx("takerlongshortRatio.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    np.testing.assert_allclose(t.buy_base, [300, 160, 250])
    np.testing.assert_allclose(t.sell_base, [200, 200, 250])
    k = bp.parse_klines(
        fx("klines_1h.json"),
        provider="binance-usdm",
        dataset="klines_1h",
        asset="BTC",
        market="perp",
        interval_s=3600,
        ts_recv=RECV,
    )
    # delta = 2 * taker_buy - volume: 2*600-1000 = 200, 2*300-800 = -200, 2*250-500 = 0
    np.testing.assert_allclose(k.delta_base, [200, -200, 0])
    assert k.ts[0] == np.datetime64("2024-06-01T04:00", "ms")
    book = bp.parse_depth(fx("depth.json"), asset="BTC", ts_recv=RECV)
    assert book.mid_usd == pytest.approx((64999.9 + 65000.0) / 2)
    assert book.bids[:, 1].sum() == pytest.approx(3.75)


def test_symbol_mismatch_and_drift_raise_bad_payload() -> None:
    with pytest.raises(BadPayloadError, match="ETHUSDT"):
        bp.parse_open_interest(fx("openInterest.json"), symbol="ETHUSDT", ts_recv=RECV)
    drifted = fx("premiumIndex.json").replace(b'"markPrice"', b'"markPx"')
    with pytest.raises(BadPayloadError, match="'markPrice' missing"):
        bp.parse_premium_index(
            drifted, asset="BTC", symbol="BTCUSDT", ts_recv=RECV, funding_interval_hours=8, oi_base=None
        )
    with pytest.raises(BadPayloadError, match="truncated"):
        bp.parse_klines(
            fx("klines_1h.json")[:50],
            provider="binance-usdm",
            dataset="klines_1h",
            asset="BTC",
            market="perp",
            interval_s=3600,
            ts_recv=RECV,
        )
    nan = fx("fundingRate.json").replace(b'"-0.00002000"', b'"NaN"')
    with pytest.raises(BadPayloadError, match="non-finite"):
        bp.parse_funding_history(nan, asset="BTC", symbol="BTCUSDT", ts_recv=RECV, interval_hours=8)


ERROR_BODY = b'{"code":-1121,"msg":"Invalid symbol."}'


def test_error_body_is_a_bad_payload_with_the_venue_code() -> None:
    """Binance answers ``{code, msg}`` in place of the object or array: one check for every endpoint."""
    with pytest.raises(BadPayloadError, match=r"binance-usdm/premiumIndex.*code -1121: Invalid symbol\."):
        bp.parse_premium_index(
            ERROR_BODY, asset="BTC", symbol="BTCUSDT", ts_recv=RECV, funding_interval_hours=8, oi_base=None
        )
    with pytest.raises(BadPayloadError, match=r"binance-usdm/openInterest.*code -1121"):
        bp.parse_open_interest(ERROR_BODY, symbol="BTCUSDT", ts_recv=RECV)
    with pytest.raises(BadPayloadError, match=r"code -1121"):
        bp.parse_funding_history(ERROR_BODY, asset="BTC", symbol="BTCUSDT", ts_recv=RECV, interval_hours=8)


@pytest.mark.parametrize(
    "path", sorted((FIXTURES / "binance").rglob("*.json")), ids=lambda p: str(p.relative_to(FIXTURES / "binance"))
)
def test_recorded_answers_are_not_error_bodies(path) -> None:
    body = path.read_bytes()
    assert bp.ErrorBody.of(json.loads(body)) is None
    assert bp.load_body(body, bp.Where(bp.USDM, path.stem)) == json.loads(body)


def _csv_rows(path, n: int) -> list[list[str]]:
    with path.open() as f:
        reader = csv.reader(f)
        next(reader)
        return [row for _, row in zip(range(n), reader, strict=False)]


@pytest.mark.real_data
def test_real_binance_klines_shaped_as_api_json() -> None:
    """Real BTCUSDT daily klines (2021-01), rows re-shaped into the API's JSON array of arrays."""
    rows = _csv_rows(real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_1d.csv"), 30)
    api = [[int(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6]), r[7], int(r[8]), r[9], r[10], r[11]] for r in rows]
    k = bp.parse_klines(
        json.dumps(api).encode(),
        provider="binance-usdm",
        dataset="klines_1d",
        asset="BTC",
        market="perp",
        interval_s=86_400,
        ts_recv=REAL_RECV,
    )
    assert len(k) == 30
    assert k.ts[0] == np.datetime64("2021-01-01", "ms")
    assert k.close[0] == pytest.approx(29337.16)
    # first bar: 2 * 101247.902 - 210716.398 = -8220.594 coins
    assert k.delta_base[0] == pytest.approx(-8220.594)
    assert np.all(k.high >= np.maximum(k.open, k.close))
    assert np.all(k.low <= np.minimum(k.open, k.close))


@pytest.mark.real_data
def test_real_binance_funding_shaped_as_api_json() -> None:
    rows = _csv_rows(real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_funding.csv"), 90)
    # data.binance.vision calc_time carries a few ms of jitter; the API's fundingTime is the same instant.
    api = [{"symbol": "BTCUSDT", "fundingTime": int(r[0]), "fundingRate": r[2], "markPrice": ""} for r in rows]
    f = bp.parse_funding_history(
        json.dumps(api).encode(), asset="BTC", symbol="BTCUSDT", ts_recv=REAL_RECV, interval_hours=float(rows[0][1])
    )
    assert len(f) == 90
    assert f.rate_interval[0] == pytest.approx(0.00022753)
    assert np.all(np.abs(f.rate_1h) < 0.003 / 8)  # Binance cap is far below 0.3% per 8h in this window
    spacing_h = np.diff(f.ts.astype(np.int64)) / 3_600_000
    np.testing.assert_allclose(spacing_h, 8.0, atol=0.01)


@pytest.mark.real_data
def test_real_binance_metrics_shaped_as_oi_and_ratio_json() -> None:
    path = real_path("perp_history", "binance_btcusdt_um", "BTCUSDT-metrics-2024-01-01.csv")
    with path.open() as f:
        rows = list(csv.DictReader(f))[:12]

    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)

    oi_api = [
        {
            "symbol": "BTCUSDT",
            "sumOpenInterest": r["sum_open_interest"],
            "sumOpenInterestValue": r["sum_open_interest_value"],
            "timestamp": ms(r["create_time"]),
        }
        for r in rows
    ]
    oi = bp.parse_open_interest_hist(
        json.dumps(oi_api).encode(), asset="BTC", symbol="BTCUSDT", ts_recv=REAL_RECV, period_s=300
    )
    assert oi.oi_base[0] == pytest.approx(74006.266)
    implied = oi.oi_usd / oi.oi_base  # a BTC price on 2024-01-01
    assert np.all((implied > 40000) & (implied < 45000))
    ls_api = [
        {"symbol": "BTCUSDT", "longShortRatio": r["count_long_short_ratio"], "timestamp": ms(r["create_time"])}
        for r in rows
    ]
    ls = bp.parse_long_short(
        json.dumps(ls_api).encode(),
        dataset="globalLongShortAccountRatio",
        asset="BTC",
        symbol="BTCUSDT",
        ts_recv=REAL_RECV,
        period_s=300,
    )
    assert ls.long_share[0] == pytest.approx(1.50710938 / 2.50710938)
