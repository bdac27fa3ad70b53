"""Bitget v2 mix parsers: envelope, funding per interval, OI in coins, bulk tickers, real recordings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.domain.series import LongShortKind
from derivintel.sources.bitget import parse as bp
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
# Fetch time for the real recordings: after every capture (2026-08..09), so none reads as future.
REAL_RECV = datetime(2026, 12, 1, tzinfo=UTC)
SYM = "BTCUSDT"


def fx(name: str) -> bytes:
    return (FIXTURES / "bitget" / name).read_bytes()


def test_ticker_with_current_funding_is_perp_metrics_per_hour() -> None:
    funding = bp.parse_current_fund_rate(fx("current-fund-rate.json"), symbol=SYM, ts_recv=RECV)
    assert (funding.rate_interval, funding.interval_hours) == (0.0001, 8.0)
    p = bp.parse_ticker(fx("ticker.json"), asset="BTC", symbol=SYM, ts_recv=RECV, funding=funding)
    assert (p.venue, p.venue_symbol, p.mark_price_usd, p.index_price_usd) == ("bitget", SYM, 65006.0, 64990.0)
    assert p.funding_rate_1h == pytest.approx(0.0001 / 8)
    assert p.funding_apr == pytest.approx(0.0001 / 8 * 8760)
    assert p.oi_base == 30000.5  # holdingAmount, coins
    assert p.oi_usd == pytest.approx(30000.5 * 65006.0)
    assert p.volume_24h_usd == 2_600_000_000.0
    assert p.next_funding_time == datetime(2024, 6, 1, 8, tzinfo=UTC)
    assert p.source.as_of == datetime(2024, 6, 1, 7, tzinfo=UTC)


def test_ticker_without_current_funding_leaves_the_rate_out() -> None:
    p = bp.parse_ticker(fx("ticker.json"), asset="BTC", symbol=SYM, ts_recv=RECV, funding=None)
    assert p.funding_rate_interval is None
    assert p.funding_rate_1h is None
    assert p.oi_base == 30000.5


def test_four_hour_symbol_is_normalised_with_its_own_interval() -> None:
    funding = bp.parse_current_fund_rates(fx("current-fund-rates.json"), ts_recv=RECV)
    assert {s: f.interval_hours for s, f in funding.items()} == {"BTCUSDT": 8.0, "ETHUSDT": 8.0, "SOLUSDT": 4.0}
    perps = {p.asset: p for p in bp.parse_bulk_tickers(fx("tickers.json"), ts_recv=RECV, funding=funding)}
    assert set(perps) == {"BTC", "ETH", "SOL"}
    assert perps["SOL"].funding_rate_1h == pytest.approx(0.00005 / 4)
    assert perps["ETH"].funding_rate_1h == pytest.approx(0.00012 / 8)
    assert perps["ETH"].oi_usd == pytest.approx(500000.0 * 3800.5)


def test_bulk_tickers_without_funding_table_keep_prices_and_oi_but_no_rate() -> None:
    perps = bp.parse_bulk_tickers(fx("tickers.json"), ts_recv=RECV)
    assert all(p.funding_rate_interval is None for p in perps)
    assert [p.oi_base for p in perps] == [30000.5, 500000.0, 4000000.0]


def test_interval_bitget_does_not_run_is_a_bad_payload() -> None:
    body = json.loads(fx("current-fund-rate.json"))
    body["data"][0]["fundingRateInterval"] = "3"
    with pytest.raises(BadPayloadError, match="fundingRateInterval 3 h is not a Bitget interval"):
        bp.parse_current_fund_rate(json.dumps(body).encode(), symbol=SYM, ts_recv=RECV)


def test_error_envelope_names_code_and_message() -> None:
    body = b'{"code":"40034","msg":"Parameter symbol does not exist","requestTime":1717225200000,"data":null}'
    with pytest.raises(BadPayloadError, match=r"bitget/ticker.*code 40034: Parameter symbol does not exist"):
        bp.parse_ticker(body, asset="BTC", symbol=SYM, ts_recv=RECV, funding=None)


def test_ticker_for_another_symbol_is_refused() -> None:
    with pytest.raises(BadPayloadError, match="symbol 'ETHUSDT' not in data"):
        bp.parse_ticker(fx("ticker.json"), asset="ETH", symbol="ETHUSDT", ts_recv=RECV, funding=None)


def test_history_funding_sorted_with_intervals_from_spacing() -> None:
    s = bp.parse_history_fund_rate(
        fx("history-fund-rate.json"), asset="BTC", symbol=SYM, ts_recv=RECV, interval_hours=8
    )
    assert s.rate_interval.tolist() == [-0.00001, 0.00008, 0.0001]  # newest-first payload, ascending series
    assert s.interval_hours.tolist() == [8.0, 8.0, 8.0]
    assert s.rate_1h.tolist() == pytest.approx([-0.00001 / 8, 0.00008 / 8, 0.0001 / 8])


def test_candles_book_open_interest_and_long_short() -> None:
    c = bp.parse_candles(fx("candles.json"), asset="BTC", ts_recv=RECV, interval_s=3600)
    assert c.close.tolist() == [65000.0, 64900.0, 65000.0]
    assert c.volume_base.tolist() == [1500.0, 1200.0, 900.0]  # base-coin volume, column 5
    assert c.taker_buy_base is None
    book = bp.parse_merge_depth(fx("merge-depth.json"), asset="BTC", ts_recv=RECV)
    assert book.bids[0].tolist() == [65006.0, 2.5]
    assert book.asks[0].tolist() == [65006.5, 1.5]
    reading = bp.parse_open_interest(fx("open-interest.json"), symbol=SYM, ts_recv=RECV)
    size, when = reading.oi_base, reading.as_of
    assert size == 30000.5
    assert when == datetime(2024, 6, 1, 7, tzinfo=UTC)
    ls = bp.parse_account_long_short(fx("account-long-short.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    assert ls.kind is LongShortKind.GLOBAL_ACCOUNTS
    assert ls.ratio.tolist() == [1.2222, 1.5, 1.0]
    assert np.all(np.diff(ls.ts.astype(np.int64)) == 3_600_000)


def test_base_asset_of_symbols() -> None:
    assert bp.base_asset("BTCUSDT") == "BTC"
    assert bp.base_asset("1000PEPEUSDT") == "1000PEPE"
    assert bp.base_asset("BTCUSD_231229") is None
    assert bp.base_asset("USDT") is None


# -- real recordings (tests/fixtures/bitget/SOURCES.md) ----------------------------------------------------------


def test_real_bulk_tickers_row_2026_09_12() -> None:
    """A captured /tickers row: holdingAmount 35,194.2 BTC at mark 77,153.7, ts = 2026-09-12 (venue clock)."""
    (p,) = bp.parse_bulk_tickers(fx("recorded/tickers_BTCUSDT_2026-09-12.json"), ts_recv=REAL_RECV)
    assert (p.asset, p.mark_price_usd, p.index_price_usd) == ("BTC", 77153.7, 77180.0785)
    assert p.oi_base == pytest.approx(35194.2194)
    assert p.oi_usd == pytest.approx(35194.2194 * 77153.7)  # ≈ 2.72 bn USD single-sided
    assert p.volume_24h_usd == pytest.approx(925346862.40765)
    assert p.source.as_of == datetime.fromtimestamp(1789235622.181, tz=UTC)
    assert p.funding_rate_interval is None  # the interval is not in the tickers row: not assumed


def test_real_current_fund_rate_2026_08_01() -> None:
    """A live /current-fund-rate answer quoted verbatim: 0.000054 per 8 h, next settlement 2026-08-01 08:00 UTC."""
    body = fx("recorded/current-fund-rate_BTCUSDT_2026-08-01.json")
    f = bp.parse_current_fund_rate(body, symbol=SYM, ts_recv=REAL_RECV)
    assert (f.rate_interval, f.interval_hours) == (0.000054, 8.0)
    assert f.next_funding_ms == 1785571200000
    (p,) = bp.parse_bulk_tickers(fx("recorded/tickers_BTCUSDT_2026-09-12.json"), ts_recv=REAL_RECV, funding={SYM: f})
    assert p.funding_rate_1h == pytest.approx(0.000054 / 8)


@pytest.mark.parametrize("fault", ["truncated", "renamed", "null", "empty", "nan"])
def test_bulk_payload_faults_are_bad_payloads(fault: str) -> None:
    """The bulk datasets (not in the snapshot plan, so outside the live fault matrix) under every content fault the
    fake server injects: one BadPayloadError naming the dataset, never another exception or a zero."""
    from tests.sources.fakeserver import apply_fault

    tickers = apply_fault(fx("tickers.json"), fault, csv=False)
    rates = apply_fault(fx("current-fund-rates.json"), fault, csv=False)
    with pytest.raises(BadPayloadError, match="bitget/tickers"):
        bp.parse_bulk_tickers(tickers, ts_recv=RECV)
    with pytest.raises(BadPayloadError, match="bitget/current-fund-rates"):
        bp.parse_current_fund_rates(rates, ts_recv=RECV)


def test_parse_bulk_by_dataset_name_with_and_without_the_funding_table() -> None:
    both = bp.parse_bulk(
        {"tickers": fx("tickers.json"), "current-fund-rates": fx("current-fund-rates.json")}, ts_recv=RECV
    )
    assert [p.funding_interval_hours for p in both] == [8.0, 8.0, 4.0]
    alone = bp.parse_bulk({"tickers": fx("tickers.json")}, ts_recv=RECV)
    assert [p.funding_rate_interval for p in alone] == [None, None, None]
    assert [p.oi_base for p in alone] == [p.oi_base for p in both]
