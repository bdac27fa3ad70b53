"""Deribit parsers: percent → fraction, USD OI → coins, and the real websocket ticker message."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.sources.deribit import parse as dp
from derivintel.sources.deribit.trades import parse_option_trades
from tests.realdata import real_path
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
# Fetch time for the real recordings: after every capture (2023..2026-10), so none reads as future.
REAL_RECV = datetime(2026, 12, 1, tzinfo=UTC)


def fx(name: str) -> bytes:
    return (FIXTURES / "deribit" / name).read_bytes()


def test_ticker_perp_units() -> None:
    p = dp.parse_ticker(fx("ticker.json"), asset="BTC", symbol="BTC-PERPETUAL", ts_recv=RECV)
    assert p.oi_base == pytest.approx(16000.0)  # 1,040,000,000 USD / 65,000
    assert p.oi_usd == pytest.approx(1.04e9)
    assert p.funding_interval_hours == 8.0
    assert p.funding_rate_1h == pytest.approx(1e-5)
    assert p.volume_24h_usd == 1.2e9


def test_index_dvol_futures() -> None:
    assert dp.parse_index_price(fx("index_price.json")) == 64990.12
    dvol = dp.parse_dvol(fx("dvol.json"), asset="BTC", ts_recv=RECV)
    np.testing.assert_allclose(dvol.values, [0.555, 0.552, 0.545])  # closes 55.5 % etc. as fractions
    assert dvol.unit == "fraction"
    assert dvol.name == "dvol_btc"
    futures = {f.venue_symbol: f for f in dp.parse_futures(fx("book_summary_future.json"), asset="BTC", ts_recv=RECV)}
    assert "BTC-PERPETUAL" not in futures  # the perp comes from ticker (tests/sources/test_futures_parse.py)
    assert futures["BTC-28JUN24"].mark_price_usd == 65300.0


def test_option_chain_via_shared_parser() -> None:
    pytest.importorskip("derivintel.sources.deribit.chain_file", reason="options helper's chain parser missing")
    chain = dp.parse_option_chain(fx("book_summary_option.json"), asset="BTC", ts_recv=RECV, index_price_usd=64990.12)
    assert len(chain) == 4
    np.testing.assert_allclose(sorted(chain.mark_iv), [0.52, 0.535, 0.55, 0.575])  # percent -> fraction
    assert chain.source.label == "deribit/book_summary_option"
    assert chain.source.fetched_at == RECV
    assert chain.index_price_usd == 64990.12
    with pytest.raises(BadPayloadError, match="expected ETH"):
        dp.parse_option_chain(fx("book_summary_option.json"), asset="ETH", ts_recv=RECV, index_price_usd=None)


def test_rpc_error_and_truncation() -> None:
    err = b'{"jsonrpc":"2.0","error":{"code":10028,"message":"too_many_requests"},"testnet":false}'
    with pytest.raises(BadPayloadError, match="10028"):
        dp.parse_index_price(err)
    with pytest.raises(BadPayloadError, match="truncated"):
        dp.parse_ticker(fx("ticker.json")[:-40], asset="BTC", symbol="BTC-PERPETUAL", ts_recv=RECV)


@pytest.mark.parametrize("path", sorted((FIXTURES / "deribit").glob("*.json")), ids=lambda p: p.name)
def test_recorded_answers_decode_to_their_result(path) -> None:
    env = dp.RpcEnvelope.decode(path.read_bytes(), dp.Where(dp.PROVIDER, path.stem))
    assert env.result is env.top["result"]


def test_rpc_error_wording_is_the_same_for_trades() -> None:
    """The trades pages read the same envelope: an error object is worded ``error <code>: <message>``."""
    err = b'{"jsonrpc":"2.0","error":{"code":10028,"message":"too_many_requests"}}'
    with pytest.raises(BadPayloadError, match="error 10028: too_many_requests"):
        dp.parse_index_price(err)
    with pytest.raises(BadPayloadError, match=r"deribit/.*error 10028: too_many_requests"):
        parse_option_trades(err, currency="BTC", ts_recv=RECV)
    with pytest.raises(BadPayloadError, match="error None: None"):
        dp.RpcEnvelope.decode(b'{"error":"injected"}', dp.Where(dp.PROVIDER, "x"))


@pytest.mark.real_data
def test_real_ws_ticker_message() -> None:
    """Real BTC-PERPETUAL ticker (2025-12-12) from a websocket subscription: same fields as public/ticker."""
    body = real_path("deribit_options", "nautilus_deribit_ws_ticker.json").read_bytes()
    p = dp.parse_ticker(body, asset="BTC", symbol="BTC-PERPETUAL", ts_recv=REAL_RECV)
    assert p.mark_price_usd == 92281.78
    assert p.oi_base == pytest.approx(1132329370.0 / 92281.78)  # ~12,270 BTC
    assert p.funding_rate_1h == pytest.approx(0.00001742 / 8)
    assert p.basis_fraction == pytest.approx(92281.78 / 92263.55 - 1)
    assert p.source.as_of == datetime.fromtimestamp(1765541474.086, tz=UTC)
