"""Gate v4 futures parsers: contracts → coins, funding interval in seconds, contract_stats, real recordings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.domain.series import LongShortKind
from derivintel.sources.gate import parse as gp
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
REAL_RECV = datetime(2026, 12, 1, tzinfo=UTC)
SYM = "BTC_USDT"


def fx(name: str) -> bytes:
    return (FIXTURES / "gate" / name).read_bytes()


def test_contract_is_perp_metrics_in_coins_and_per_hour() -> None:
    p, facts = gp.parse_contract(fx("contract.json"), asset="BTC", symbol=SYM, ts_recv=RECV, volume_24h_usd=1.5e8)
    assert (facts.multiplier_base, facts.interval_hours) == (0.0001, 8.0)
    assert (p.venue, p.venue_symbol, p.mark_price_usd, p.index_price_usd) == ("gate", SYM, 65004.8, 64991.2)
    assert p.oi_base == pytest.approx(40_000.0)  # position_size 400,000,000 long contracts × 0.0001 BTC
    assert p.oi_usd == pytest.approx(40_000.0 * 65004.8)
    assert p.funding_rate_1h == pytest.approx(0.0001 / 8)  # funding_interval 28800 s
    assert p.next_funding_time == datetime(2024, 6, 1, 8, tzinfo=UTC)  # funding_next_apply in seconds
    assert p.volume_24h_usd == 1.5e8
    assert p.source.as_of == RECV  # the contract object has no observation time


def test_contract_for_another_name_and_error_label_are_bad_payloads() -> None:
    with pytest.raises(BadPayloadError, match="contract is 'BTC_USDT', expected 'ETH_USDT'"):
        gp.parse_contract(fx("contract.json"), asset="ETH", symbol="ETH_USDT", ts_recv=RECV)
    body = b'{"label":"CONTRACT_NOT_FOUND","message":"contract not found"}'
    with pytest.raises(BadPayloadError, match=r"gate/contract.*label CONTRACT_NOT_FOUND: contract not found"):
        gp.parse_contract(body, asset="BTC", symbol=SYM, ts_recv=RECV)


def test_funding_interval_gate_does_not_run_is_a_bad_payload() -> None:
    row = json.loads(fx("contract.json"))
    row["funding_interval"] = 7200 * 3  # 6 h
    with pytest.raises(BadPayloadError, match="funding_interval 21600 s is not a Gate interval"):
        gp.parse_contract(json.dumps(row).encode(), asset="BTC", symbol=SYM, ts_recv=RECV)


def test_ticker_volume_and_bulk_contracts() -> None:
    assert gp.parse_ticker_volume(fx("tickers.json"), symbol=SYM, ts_recv=RECV) == 195_000_000.0
    volumes = gp.parse_bulk_volumes(fx("tickers-all.json"), ts_recv=RECV)
    perps = {p.asset: p for p in gp.parse_bulk_contracts(fx("contracts.json"), ts_recv=RECV, volumes=volumes)}
    assert set(perps) == {"BTC", "ETH", "SOL"}  # OLD_USDT is delisting, NEWCO_USDT pre-market: skipped
    assert perps["ETH"].oi_base == pytest.approx(40_000_000 * 0.01)
    assert perps["SOL"].funding_interval_hours == 4.0
    assert perps["SOL"].funding_rate_1h == pytest.approx(0.00005 / 4)
    assert perps["SOL"].volume_24h_usd == 495_000_000.0
    facts = gp.parse_contract_facts(fx("contracts.json"), ts_recv=RECV)
    assert facts["ETH_USDT"].multiplier_base == 0.01
    assert facts["OLD_USDT"].multiplier_base == 10.0


def test_funding_history_seconds_newest_first() -> None:
    s = gp.parse_funding_rate(fx("funding-rate.json"), asset="BTC", ts_recv=RECV, interval_hours=8.0)
    assert s.rate_interval.tolist() == [-0.00003, 0.00006, 0.0001]
    assert s.interval_hours.tolist() == [8.0, 8.0, 8.0]
    assert s.source.as_of == datetime(2024, 6, 1, tzinfo=UTC)


def test_candles_and_book_sizes_are_contracts_times_multiplier() -> None:
    c = gp.parse_candlesticks(fx("candlesticks.json"), asset="BTC", ts_recv=RECV, interval_s=3600, multiplier_base=1e-4)
    assert c.volume_base.tolist() == pytest.approx([1200.0, 900.0, 700.0])  # v 12,000,000 contracts × 0.0001
    assert c.open.tolist() == [64800.0, 65000.0, 64900.0]
    book = gp.parse_order_book(fx("order-book.json"), asset="BTC", ts_recv=RECV, multiplier_base=1e-4)
    assert book.bids.ravel().tolist() == pytest.approx([65004.5, 2.5, 65004.0, 1.0])
    assert book.asks.ravel().tolist() == pytest.approx([65005.0, 2.0, 65006.0, 1.5])
    with pytest.raises(BadPayloadError, match="unknown contract size"):
        gp.parse_order_book(fx("order-book.json"), asset="BTC", ts_recv=RECV, multiplier_base=float("nan"))


def test_contract_stats_oi_and_long_short() -> None:
    oi = gp.parse_contract_stats_oi(
        fx("contract-stats.json"), asset="BTC", ts_recv=RECV, period_s=3600, multiplier_base=1e-4
    )
    assert oi.oi_base.tolist() == pytest.approx([39_000.0, 39_500.0, 40_000.0])
    assert oi.oi_usd.tolist() == pytest.approx([39_000.0 * 64800.0, 39_500.0 * 65000.0, 40_000.0 * 64900.0])
    # Without the contract size, coins come from the published USD figure and mark: the same numbers.
    again = gp.parse_contract_stats_oi(
        fx("contract-stats.json"), asset="BTC", ts_recv=RECV, period_s=3600, multiplier_base=None
    )
    assert again.oi_base.tolist() == pytest.approx(oi.oi_base.tolist())
    ls = {
        s.kind: s
        for s in gp.parse_contract_stats_long_short(fx("contract-stats.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    }
    assert ls[LongShortKind.GLOBAL_ACCOUNTS].ratio.tolist() == [1.2, 1.25, 1.3]
    assert ls[LongShortKind.TOP_POSITIONS].ratio.tolist() == [0.9, 0.95, 1.0]


# -- real recordings (tests/fixtures/gate/SOURCES.md) -------------------------------------------------------------


def test_real_tickers_row_2026_09_12() -> None:
    body = fx("recorded/tickers_BTC_USDT_2026-09-12.json")
    assert gp.parse_ticker_volume(body, symbol=SYM, ts_recv=REAL_RECV) == 1_600_026_056.0
    row = json.loads(body)[0]
    # The venue publishes 24h volume in contracts AND coins: coins = contracts × 0.0001 (the BTC multiplier).
    assert float(row["volume_24h"]) * 1e-4 == pytest.approx(float(row["volume_24h_base"]), rel=1e-3)


def test_real_contract_rows_2026_09_15_funding_interval_seconds() -> None:
    """Rows captured live and cut down: multiplier and interval read; the missing position_size is schema drift."""
    body = fx("recorded/contracts_trimmed_2026-09-15.json")
    with pytest.raises(BadPayloadError, match="field 'quanto_multiplier' missing"):
        gp.parse_contract_facts(body, ts_recv=REAL_RECV)  # the IOST row was cut without its multiplier
    btc_only = json.dumps(json.loads(body)[:1]).encode()
    facts = gp.parse_contract_facts(btc_only, ts_recv=REAL_RECV)
    assert (facts[SYM].multiplier_base, facts[SYM].interval_hours) == (0.0001, 8.0)
    with pytest.raises(BadPayloadError, match="field 'position_size' missing"):
        gp.parse_bulk_contracts(btc_only, ts_recv=REAL_RECV)


def test_real_contract_stats_row_usd_is_contracts_times_multiplier_times_mark() -> None:
    """The USD OI Gate publishes equals contracts × 0.0001 × mark: one conversion, no second side."""
    row = json.loads(fx("recorded/contract-stats_row_BTC_USDT.json"))
    body = json.dumps([{**row, "time": 1789500000}]).encode()  # the quoted row has no time: one is added
    oi = gp.parse_contract_stats_oi(body, asset="BTC", ts_recv=REAL_RECV, period_s=3600, multiplier_base=1e-4)
    assert oi.oi_base[0] == pytest.approx(58_848.3656)
    assert oi.oi_base[0] * 78703.8 == pytest.approx(oi.oi_usd[0], rel=1e-9)


@pytest.mark.parametrize("fault", ["truncated", "renamed", "null", "empty", "nan"])
def test_bulk_payload_faults_are_bad_payloads(fault: str) -> None:
    """The bulk datasets under every content fault of the fake server: a BadPayloadError naming the dataset."""
    from tests.sources.fakeserver import apply_fault

    contracts = apply_fault(fx("contracts.json"), fault, csv=False)
    tickers = apply_fault(fx("tickers-all.json"), fault, csv=False)
    with pytest.raises(BadPayloadError, match="gate/contracts"):
        gp.parse_bulk_contracts(contracts, ts_recv=RECV)
    with pytest.raises(BadPayloadError, match="gate/tickers-all"):
        gp.parse_bulk_volumes(tickers, ts_recv=RECV)


def test_parse_bulk_by_dataset_name_with_and_without_tickers() -> None:
    both = gp.parse_bulk({"contracts": fx("contracts.json"), "tickers-all": fx("tickers-all.json")}, ts_recv=RECV)
    assert [p.volume_24h_usd for p in both] == [195_000_000.0, 76_000_000.0, 495_000_000.0]
    alone = gp.parse_bulk({"contracts": fx("contracts.json")}, ts_recv=RECV)
    assert [p.volume_24h_usd for p in alone] == [None, None, None]
    assert [p.asset for p in alone] == ["BTC", "ETH", "SOL"]
