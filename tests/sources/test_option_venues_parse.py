"""OKX, Bybit and Binance option parsers on the fixtures (documented shapes with recorded rows): units normalised to
the chain's (IV fraction, OI and volume in coins, forward USD), instruments sorted, bad payloads refused."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.sources.binance import options as binance_opt
from derivintel.sources.bybit import options as bybit_opt
from derivintel.sources.okx import options as okx_opt
from derivintel.sources.option_rows import expiry_ms
from derivintel.sources.payload import Where

FIX = Path(__file__).resolve().parents[1] / "fixtures"
RECV = datetime(2025, 7, 9, 18, 40, 21, tzinfo=UTC)


def body(venue: str, name: str) -> bytes:
    return (FIX / venue / name).read_bytes()


def rows_by_name(chain) -> dict[str, int]:
    return {name: i for i, name in enumerate(chain.instrument)}


def test_expiry_dates_in_both_venue_spellings_are_0800_utc() -> None:
    w = Where("x", "y")
    at8 = int(datetime(2025, 12, 26, 8, tzinfo=UTC).timestamp() * 1000)
    assert expiry_ms("26DEC25", w, "a") == at8 == expiry_ms("251226", w, "b")
    for bad in ("32DEC25", "26XYZ25", "2512", "251326"):
        with pytest.raises(BadPayloadError):
            expiry_ms(bad, w, "c")


# ---- OKX ----------------------------------------------------------------------------------------------------------


def okx_chain():
    oi = okx_opt.parse_open_interest(body("okx", "option_open-interest.json"), uly="BTC-USD", ts_recv=RECV)
    vol = okx_opt.parse_tickers(body("okx", "option_tickers.json"), uly="BTC-USD", ts_recv=RECV)
    summary = body("okx", "option_opt-summary.json")
    return okx_opt.parse_opt_summary(summary, asset="BTC", ts_recv=RECV, oi_base=oi, volume_base=vol), oi, vol


def test_okx_oi_and_volume_in_coins_not_contracts() -> None:
    chain, _oi, _vol = okx_chain()
    raw_oi = {r["instId"]: r for r in json.loads(body("okx", "option_open-interest.json"))["data"]}
    raw_tk = {r["instId"]: r for r in json.loads(body("okx", "option_tickers.json"))["data"]}
    i = rows_by_name(chain)["BTC-USD-251226-100000-C"]
    # oi is in contracts; oiCcy = contracts × 0.01 BTC: the chain holds coins
    assert chain.oi_base[i] == float(raw_oi["BTC-USD-251226-100000-C"]["oiCcy"])
    assert chain.oi_base[i] == pytest.approx(float(raw_oi["BTC-USD-251226-100000-C"]["oi"]) * 0.01)
    assert chain.volume_base[i] == float(raw_tk["BTC-USD-251226-100000-C"]["volCcy24h"])
    assert len(chain) == 12
    assert chain.currency == "BTC"


def test_okx_recorded_row_iv_forward_greeks_and_expiry() -> None:
    chain, *_ = okx_chain()
    i = rows_by_name(chain)["BTC-USD-251226-100000-C"]
    assert chain.mark_iv[i] == pytest.approx(0.4335822639833618)  # markVol is already a fraction
    assert chain.underlying_price_usd[i] == pytest.approx(112782.12029616143)  # fwdPx
    assert chain.delta_published[i] == pytest.approx(0.7104526318024547)  # deltaBS, not the coin-terms delta
    assert chain.gamma_published[i] == pytest.approx(0.000010566021840868419)
    assert chain.expiry[i] == np.datetime64("2025-12-26T08:00", "ms")
    assert chain.strike[i] == 100000.0
    assert chain.is_call[i]
    assert np.isnan(chain.mark_price_coin).all()  # OKX publishes no mark in these endpoints
    assert chain.source.name == "okx-options"
    assert chain.source.as_of == datetime(2025, 7, 9, 18, 40, 20, 763000, UTC)
    order = list(zip(chain.expiry.tolist(), chain.strike.tolist(), (~chain.is_call).tolist(), strict=True))
    assert order == sorted(order)


def test_okx_missing_oi_or_volume_is_nan_and_other_underlyings_are_refused() -> None:
    summary = body("okx", "option_opt-summary.json")
    chain = okx_opt.parse_opt_summary(summary, asset="BTC", ts_recv=RECV, oi_base=None, volume_base=None)
    assert np.isnan(chain.oi_base).all()
    assert np.isnan(chain.volume_base).all()
    with pytest.raises(BadPayloadError, match="not an option on ETH-USD"):
        okx_opt.parse_opt_summary(summary, asset="ETH", ts_recv=RECV, oi_base=None, volume_base=None)
    error = json.dumps({"code": "51001", "msg": "Instrument ID does not exist", "data": []}).encode()
    with pytest.raises(BadPayloadError, match="code 51001"):
        okx_opt.parse_open_interest(error, uly="BTC-USD", ts_recv=RECV)


# ---- Bybit --------------------------------------------------------------------------------------------------------


def test_bybit_units_and_settle_suffix() -> None:
    raw = {r["symbol"]: r for r in json.loads(body("bybit", "option_tickers.json"))["result"]["list"]}
    chain = bybit_opt.parse_option_tickers(body("bybit", "option_tickers.json"), asset="BTC", ts_recv=RECV)
    name = "BTC-26DEC25-110000-P-USDT"
    i = rows_by_name(chain)[name]
    r = raw[name]
    assert chain.oi_base[i] == float(r["openInterest"])  # coins: one contract is one coin
    assert chain.volume_base[i] == float(r["volume24h"])
    assert chain.mark_iv[i] == float(r["markIv"])
    assert chain.underlying_price_usd[i] == float(r["underlyingPrice"])
    assert chain.mark_price_coin[i] == pytest.approx(float(r["markPrice"]) / float(r["underlyingPrice"]))
    assert chain.expiry[i] == np.datetime64("2025-12-26T08:00", "ms")
    assert not chain.is_call[i]
    assert chain.index_price_usd == 108812.55
    assert chain.source.as_of == datetime(2025, 7, 9, 18, 40, 20, 763000, UTC)  # envelope ``time``


def test_bybit_refuses_error_codes_other_coins_and_other_categories() -> None:
    payload = json.loads(body("bybit", "option_tickers.json"))
    with pytest.raises(BadPayloadError, match="not a ETH option"):
        bybit_opt.parse_option_tickers(json.dumps(payload).encode(), asset="ETH", ts_recv=RECV)
    payload["result"]["category"] = "linear"
    with pytest.raises(BadPayloadError, match="category"):
        bybit_opt.parse_option_tickers(json.dumps(payload).encode(), asset="BTC", ts_recv=RECV)
    err = json.dumps({"retCode": 10001, "retMsg": "params error", "result": {}, "time": 1}).encode()
    with pytest.raises(BadPayloadError, match="retCode 10001"):
        bybit_opt.parse_option_tickers(err, asset="BTC", ts_recv=RECV)


# ---- Binance ------------------------------------------------------------------------------------------------------


def binance_parts(info: bytes | None = None):
    listings = binance_opt.parse_exchange_info(info or body("binance", "options_exchangeInfo.json"), ts_recv=RECV)
    tickers = binance_opt.parse_ticker(body("binance", "options_ticker.json"), ts_recv=RECV)
    return listings, tickers


def test_binance_recorded_mark_row_and_forward_from_the_risk_free_rate() -> None:
    listings, tickers = binance_parts()
    chain = binance_opt.parse_mark(
        body("binance", "options_mark.json"), asset="BTC", ts_recv=RECV, listings=listings, tickers=tickers
    )
    i = rows_by_name(chain)["BTC-250712-110000-C"]
    assert chain.mark_iv[i] == pytest.approx(0.2705723)
    assert chain.delta_published[i] == pytest.approx(0.44175072)
    assert chain.gamma_published[i] == 0.00016003
    t_years = (datetime(2025, 7, 12, 8, tzinfo=UTC) - RECV).total_seconds() / (365 * 86400)
    assert chain.underlying_price_usd[i] == pytest.approx(108812.55 * math.exp(0.065 * t_years), rel=1e-12)
    assert chain.mark_price_coin[i] == pytest.approx(805 / chain.underlying_price_usd[i])
    assert np.isnan(chain.oi_base).all()  # open interest is not fetched (one request per expiry)
    assert chain.source.as_of == RECV  # the mark endpoint has no timestamp


def test_binance_volume_is_contracts_times_unit() -> None:
    info = json.loads(body("binance", "options_exchangeInfo.json"))
    for s in info["optionSymbols"]:
        s["unit"] = 0.1  # a contract of 0.1 coin
    listings, tickers = binance_parts(json.dumps(info).encode())
    chain = binance_opt.parse_mark(
        body("binance", "options_mark.json"), asset="BTC", ts_recv=RECV, listings=listings, tickers=tickers
    )
    raw = {t["symbol"]: float(t["volume"]) for t in json.loads(body("binance", "options_ticker.json"))}
    i = rows_by_name(chain)["BTC-250725-120000-P"]
    assert chain.volume_base[i] == pytest.approx(raw["BTC-250725-120000-P"] * 0.1)


def test_binance_filters_by_base_asset_and_refuses_unjoined_rows() -> None:
    listings, tickers = binance_parts()
    assert binance_opt.listed_bases(listings) == frozenset({"BTC"})
    marks = json.loads(body("binance", "options_mark.json"))
    marks.append({**marks[0], "symbol": "BTC-250712-150000-C"})  # marked but not listed
    with pytest.raises(BadPayloadError, match="missing from the listing"):
        binance_opt.parse_mark(
            json.dumps(marks).encode(), asset="BTC", ts_recv=RECV, listings=listings, tickers=tickers
        )
    with pytest.raises(BadPayloadError, match="no ETH options"):
        binance_opt.parse_mark(
            body("binance", "options_mark.json"), asset="ETH", ts_recv=RECV, listings=listings, tickers=tickers
        )


def test_bybit_empty_listing_is_none_and_assembled_as_not_covered() -> None:
    from derivintel.core.provenance import GapKind
    from derivintel.sources.assembly import Assembler, Parts
    from derivintel.sources.bybit import options_assemble
    from derivintel.sources.wire import RawResponse

    empty = json.dumps({"retCode": 0, "retMsg": "OK", "result": {"category": "option", "list": []}, "time": 1}).encode()
    assert bybit_opt.parse_option_tickers(empty, asset="SOL", ts_recv=RECV) is None
    raw = RawResponse("bybit-options", "tickers", "SOL", "GET", "u", {}, None, 200, {}, empty, RECV, RECV)
    a, parts = Assembler([raw], {}, {}), Parts()
    options_assemble.assemble(a, "SOL", parts, {})
    assert parts.venue_options == {}
    assert [(g.kind, g.reason, g.asset) for g in a.gap_list()] == [
        (GapKind.NOT_COVERED, "no SOL options listed", "SOL")
    ]


def test_bybit_prefers_a_single_sided_field_when_rows_carry_one() -> None:
    payload = json.loads(body("bybit", "option_tickers.json"))
    first = payload["result"]["list"][0]
    first["singleOpenInterest"] = "0.7"
    chain = bybit_opt.parse_option_tickers(json.dumps(payload).encode(), asset="BTC", ts_recv=RECV)
    assert chain.oi_base[rows_by_name(chain)[first["symbol"]]] == 0.7


# ---- Deribit USDC-settled (linear) options ---------------------------------------------------------------------


def test_deribit_usdc_options_units_and_per_asset_filter() -> None:
    from derivintel.sources.deribit import usdc_options

    raw = body("deribit", "book_summary_option_usdc.json")
    chain = usdc_options.parse_usdc_option_chain(raw, asset="BTC", ts_recv=RECV.replace(year=2024, month=6, day=1))
    assert chain.instrument == (
        "BTC_USDC-28JUN24-60000-C",
        "BTC_USDC-28JUN24-60000-P",
        "BTC_USDC-28JUN24-70000-C",
        "BTC_USDC-28JUN24-70000-P",
    )
    assert chain.mark_iv.tolist() == [0.55, 0.57, 0.525, 0.53]  # percent → fraction
    assert chain.oi_base.tolist() == [12.5, 20.0, 30.25, 8.0]  # coins
    assert chain.mark_price_coin[0] == pytest.approx(7310.0 / 65300.0)  # USDC mark ÷ forward
    assert chain.expiry[0] == np.datetime64("2024-06-28T08:00", "ms")
    xrp = usdc_options.parse_usdc_option_chain(raw, asset="XRP", ts_recv=RECV)
    assert xrp.strike.tolist() == [0.5]  # "0d5"
    assert usdc_options.parse_usdc_option_chain(raw, asset="ETH", ts_recv=RECV) is None  # none listed
    inverse = body("deribit", "book_summary_option.json")
    with pytest.raises(BadPayloadError, match="not a USDC-settled option"):
        usdc_options.parse_usdc_option_chain(inverse, asset="BTC", ts_recv=RECV)
