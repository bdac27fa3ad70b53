"""Observations of a bundle listing (1000PEPEUSDT) restated per coin: prices ÷ m, coin sizes × m, USD unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.core.provenance import Source
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.rescale import per_coin
from derivintel.domain.series import CandleSeries, FundingSeries, OpenInterestSeries

T = datetime(2026, 3, 14, tzinfo=UTC)
SRC = Source("binance-usdm", "premiumIndex", T, T)
TS = np.array(["2026-03-14T00", "2026-03-14T01"], dtype="datetime64[ms]")


def test_perp_prices_divide_sizes_multiply_usd_and_funding_unchanged() -> None:
    bundle = PerpMetrics(
        "binance", "PEPE", "1000PEPEUSDT", 0.0125, 0.0124, 0.0001, 8.0, FundingKind.PREDICTED, None, 2e9, 5e8, SRC
    )
    coin = per_coin(bundle, "PEPE", 1000.0)
    assert coin.mark_price_usd == pytest.approx(1.25e-5)
    assert coin.index_price_usd == pytest.approx(1.24e-5)
    assert coin.oi_base == pytest.approx(2e12)
    assert coin.oi_usd == pytest.approx(bundle.oi_usd)
    assert coin.funding_rate_1h == bundle.funding_rate_1h
    assert coin.basis_fraction == pytest.approx(bundle.basis_fraction)
    assert coin.venue_symbol == "1000PEPEUSDT"


def test_series_book_and_renamed_asset() -> None:
    candles = CandleSeries(
        "hyperliquid", "kPEPE", "perp", 3600, TS, *(np.array([0.012, 0.013]),) * 4, np.array([10.0, 20.0]), None, SRC
    )
    c = per_coin(candles, "PEPE", 1000.0)
    assert c.asset == "PEPE"
    np.testing.assert_allclose(c.close, [1.2e-5, 1.3e-5])
    np.testing.assert_allclose(c.volume_base, [1e4, 2e4])
    oi = per_coin(
        OpenInterestSeries("bybit", "BONK", 3600, TS, np.array([5.0, 6.0]), np.array([1.0, 2.0]), SRC), "BONK", 1e3
    )
    np.testing.assert_allclose(oi.oi_base, [5e3, 6e3])
    np.testing.assert_allclose(oi.oi_usd, [1.0, 2.0])
    book = OrderBook("binance", "PEPE", np.array([[0.0125, 100.0]]), np.array([[0.0126, 50.0]]), SRC)
    b = per_coin(book, "PEPE", 1000.0)
    np.testing.assert_allclose(b.bids, [[1.25e-5, 1e5]])
    np.testing.assert_allclose(b.asks, [[1.26e-5, 5e4]])
    funding = FundingSeries("hyperliquid", "kPEPE", TS, np.array([1e-5, 2e-5]), np.array([1.0, 1.0]), SRC)
    f = per_coin(funding, "PEPE", 1000.0)
    assert f.asset == "PEPE"
    np.testing.assert_array_equal(f.rate_interval, funding.rate_interval)
    with pytest.raises(ValueError, match="positive"):
        per_coin(book, "PEPE", 0.0)
