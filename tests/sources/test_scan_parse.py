"""Bulk (all-symbols) scan parsers of every scanned venue: documented fixtures, real recordings, row tolerance."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.core.provenance import GapKind
from derivintel.sources import registry
from derivintel.sources.binance import parse as bp
from derivintel.sources.bybit import parse as yp
from derivintel.sources.hyperliquid import parse as hp
from derivintel.sources.okx import parse as op
from tests.realdata import real_path
from tests.sources.fakeserver import FIXTURES, fixture_path

RECV = datetime(2024, 6, 1, 7, 0, 5, tzinfo=UTC)


def _bodies(provider: str) -> dict[str, bytes]:
    src = next(s for s in registry.SCAN_SOURCES if s.provider == provider)
    return {ep.dataset: fixture_path(ep).read_bytes() for ep in src.endpoints}


def _by_symbol(parsed):
    return {t.venue_symbol: t for t in parsed.tickers}


def test_binance_bulk_rows_units_and_exclusions():
    parsed = bp.parse_scan(_bodies("binance-usdm"), RECV)
    rows = _by_symbol(parsed)
    assert set(rows) == {"BTCUSDT", "ETHUSDT", "1000PEPEUSDT"}  # dated future and the USDC pair left out
    btc = rows["BTCUSDT"]
    assert btc.asset == "BTC"
    assert btc.funding_rate_1h == pytest.approx(0.0001 / 8)
    assert btc.basis_fraction == pytest.approx(65000 / 64980 - 1)
    assert btc.price_change_24h_frac == pytest.approx(0.01563)  # 1.563 percent
    assert btc.volume_24h_usd == 9_750_000_000.0
    assert btc.oi_base is None
    assert btc.oi_usd is None
    assert btc.source.label == "binance-usdm/premiumIndex_all"
    assert btc.source.as_of == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    pepe = rows["1000PEPEUSDT"]
    assert pepe.funding_interval_hours == 4.0  # listed in fundingInfo
    assert pepe.funding_rate_1h == pytest.approx(0.0004 / 4)
    assert any(g.dataset == "openInterest" and g.kind is GapKind.NOT_COVERED for g in parsed.gaps)


def test_binance_without_funding_info_leaves_funding_empty_not_guessed():
    bodies = _bodies("binance-usdm")
    del bodies["fundingInfo"]
    parsed = bp.parse_scan(bodies, RECV)
    assert all(t.funding_rate_1h is None for t in parsed.tickers)
    assert any(g.dataset == "fundingInfo" for g in parsed.gaps)


def test_binance_recorded_all_symbols_answer():
    """Rows of a real ``GET /fapi/v1/premiumIndex`` (no symbol) answer of 2024-11-27 (fixtures/binance/SOURCES.md)."""
    body = (FIXTURES / "binance" / "recorded" / "premiumIndex_all_2024-11-27.json").read_bytes()
    recv = datetime(2024, 11, 27, 13, 54, 16, tzinfo=UTC)  # rows stamped 1732715655000 = 13:54:15 UTC
    parsed = bp.parse_scan({"premiumIndex_all": body, "fundingInfo": b"[]"}, recv)
    rows = _by_symbol(parsed)
    assert "ETHUSDT_250328" not in rows
    assert "MATICUSDC" not in rows
    assert "SOLUSDC" not in rows
    assert len(rows) == 10
    xmr = rows["XMRUSDT"]
    assert xmr.funding_rate_1h == pytest.approx(0.00125932 / 8)
    assert xmr.basis_fraction == pytest.approx(159.57 / 159.33 - 1)
    assert rows["WAXPUSDT"].funding_rate_1h < 0
    assert xmr.price_change_24h_frac is None  # ticker/24hr not given: the column is empty, with a gap
    assert any(g.dataset == "ticker24hr_all" for g in parsed.gaps)


def test_bybit_bulk_rows_single_sided_oi_and_intervals():
    parsed = yp.parse_scan(_bodies("bybit"), RECV)
    rows = _by_symbol(parsed)
    assert set(rows) == {"BTCUSDT", "ETHUSDT", "1000PEPEUSDT"}  # dated future and USDC perp left out
    btc = rows["BTCUSDT"]
    assert btc.oi_base == pytest.approx(55000.123)  # singleOpenInterest, not the two-sided openInterest
    assert btc.oi_usd == pytest.approx(55000.123 * 65005.0)
    assert btc.price_change_24h_frac == pytest.approx(0.015781)  # already a fraction
    pepe = rows["1000PEPEUSDT"]
    assert pepe.funding_interval_hours == 4.0
    assert pepe.funding_rate_1h == pytest.approx(0.0002 / 4)
    assert parsed.gaps == ()


def test_bybit_recorded_ticker_row_in_a_bulk_envelope():
    """The 2026-08-13 recorded BTCUSDT ticker row (fixtures/bybit/SOURCES.md), wrapped in the REST list envelope."""
    ws = json.loads((FIXTURES / "bybit" / "recorded" / "ws_tickers_BTCUSDT_2026-08-13.json").read_text())
    body = {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [ws["data"]]}, "time": ws["ts"]}
    parsed = yp.parse_scan({"tickers_linear_all": json.dumps(body).encode()}, datetime(2026, 8, 13, 6, tzinfo=UTC))
    (btc,) = parsed.tickers
    assert btc.oi_base == pytest.approx(29986.128)  # = openInterest 59,972.256 / 2
    assert btc.funding_rate_1h == pytest.approx(0.00005013 / 8)
    assert btc.volume_24h_usd == pytest.approx(3515096831.964)


def test_okx_bulk_joins_mark_funding_oi_index_by_instrument():
    parsed = op.parse_scan(_bodies("okx"), RECV)
    rows = _by_symbol(parsed)
    assert set(rows) == {"BTC-USDT-SWAP", "ETH-USDT-SWAP", "PEPE-USDT-SWAP"}  # coin-margined swap left out
    eth = rows["ETH-USDT-SWAP"]
    assert eth.funding_interval_hours == 4.0  # nextFundingTime − fundingTime
    assert eth.funding_rate_1h == pytest.approx(-0.00004 / 4)
    assert eth.oi_base == 400000.0
    assert eth.index_price_usd == 3501.2
    assert eth.volume_24h_usd == pytest.approx(500000 * 3500)  # volCcy24h in coins × last
    assert eth.price_change_24h_frac == pytest.approx(3500 / 3550 - 1)
    assert eth.oi_source == "okx/open-interest_all"


def test_okx_failed_enrichment_empties_only_its_columns():
    bodies = _bodies("okx")
    bodies["open-interest_all"] = b'{"code":"0","msg":"","data":[{"instId":"BTC-USDT-SWAP"'  # truncated
    del bodies["funding-rate_all"]
    parsed = op.parse_scan(bodies, RECV)
    assert len(parsed.tickers) == 3
    assert all(t.oi_base is None and t.funding_rate_1h is None for t in parsed.tickers)
    assert all(t.mark_price_usd > 0 and t.index_price_usd for t in parsed.tickers)
    kinds = {g.dataset: g.kind for g in parsed.gaps}
    assert kinds == {"funding-rate_all": GapKind.UNAVAILABLE, "open-interest_all": GapKind.BAD_PAYLOAD}


def test_hyperliquid_bulk_rows():
    parsed = hp.parse_scan(_bodies("hyperliquid"), RECV)
    rows = _by_symbol(parsed)
    assert set(rows) == {"BTC", "ETH", "SOL"}
    sol = rows["SOL"]
    assert sol.funding_rate_1h == -0.000005  # hourly already
    assert sol.price_change_24h_frac == pytest.approx(165.2 / 160.0 - 1)
    assert sol.oi_usd == pytest.approx(3_000_000.0 * 165.2)
    assert sol.source.as_of == RECV  # no timestamp in the payload


@pytest.mark.real_data
def test_hyperliquid_recorded_contexts_all_rows():
    """The real all-dexs ctx message (230 main-dex perps) paired with a universe, as the per-asset test does."""
    ws = json.loads(real_path("hyperliquid", "nautilus_ws_all_dexs_asset_ctxs.json").read_text())
    ctxs = ws["data"]["ctxs"][0][1]
    names = ["BTC", "ETH"] + [f"X{i}" for i in range(len(ctxs) - 2)]
    body = json.dumps([{"universe": [{"name": n, "szDecimals": 1, "maxLeverage": 3} for n in names]}, ctxs])
    parsed = hp.parse_scan({"metaAndAssetCtxs": body.encode()}, RECV)
    readable = len(parsed.tickers)
    skipped = parsed.gaps[0].reason.split()[0] if parsed.gaps else "0"
    assert readable + int(skipped) == len(ctxs) == 230
    btc = _by_symbol(parsed)["BTC"]
    assert btc.mark_price_usd == 77562.0
    assert btc.price_change_24h_frac == pytest.approx(77562.0 / 76317.0 - 1)
    assert btc.volume_24h_usd == pytest.approx(1516669192.1953897)


def test_one_bad_row_is_skipped_and_counted():
    rows = json.loads(
        fixture_path(next(e for e in registry.SCAN_ENDPOINTS if e.dataset == "premiumIndex_all")).read_text()
    )
    rows[1]["markPrice"] = ""  # a delisted symbol with an empty price
    bodies = _bodies("binance-usdm") | {"premiumIndex_all": json.dumps(rows).encode()}
    parsed = bp.parse_scan(bodies, RECV)
    assert {t.venue_symbol for t in parsed.tickers} == {"BTCUSDT", "1000PEPEUSDT"}
    bad = [g for g in parsed.gaps if g.kind is GapKind.BAD_PAYLOAD]
    assert len(bad) == 1
    assert bad[0].reason.startswith("1 row(s) unreadable")


@pytest.mark.parametrize("provider", ["binance-usdm", "bybit", "okx", "hyperliquid"])
def test_every_row_unreadable_is_a_bad_payload(provider):
    src = next(s for s in registry.SCAN_SOURCES if s.provider == provider)
    body = json.loads(fixture_path(next(e for e in src.endpoints if e.dataset == src.primary)).read_text())

    def null(obj):
        if isinstance(obj, dict):
            return {k: null(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [null(v) for v in obj]
        return None

    bodies = _bodies(provider) | {src.primary: json.dumps(null(body)).encode()}
    with pytest.raises(BadPayloadError):
        src.parse(bodies, RECV)
