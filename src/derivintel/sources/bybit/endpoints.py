"""Bybit v5 (linear USDT perpetuals): endpoints, units and funding rules, as data.

Docs: https://bybit-exchange.github.io/docs/v5/market/tickers. Envelope ``{"retCode":0,"retMsg":"OK","result":…}``;
history lists come newest first. Bybit answers HTTP 403 from some regions: optional.
"""

from __future__ import annotations

from derivintel.core.errors import RetryableSourceError
from derivintel.sources.declarations import Endpoint, ErrorCodes, Provider, RateLimit

PROVIDER = Provider(
    name="bybit",
    base_url="https://api.bybit.com",
    # 600 requests per 5 s per IP for market data; stay far below.
    rate_limit=RateLimit(requests_per_s=10.0, burst=20, max_concurrent=8),
    symbol_template="{asset}USDT",
    # Per symbol 1/2/4/8h: tickers carry fundingIntervalHour, else instruments-info fundingInterval (minutes).
    funding_interval_hours=8.0,
    doc_url="https://bybit-exchange.github.io/docs/v5/intro",
    error_codes=ErrorCodes(
        "retCode",
        {
            "10006": RetryableSourceError,  # Too many visits (per-UID/IP rate limit)
            "10018": RetryableSourceError,  # Exceeded the IP rate limit
        },
    ),
)

_LIN = {"category": "linear", "symbol": "{symbol}"}
PERIOD = "1h"
PERIOD_S = 3600

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "bybit",
        "tickers",
        "/v5/market/tickers",
        _LIN,
        kind="funding",
        units="markPrice/indexPrice USDT; fundingRate fraction per fundingIntervalHour; openInterest coin, BOTH sides; "
        "singleOpenInterest coin, one side (2026+); openInterestValue/turnover24h USDT",
    ),
    Endpoint(
        "bybit",
        "instruments-info",
        "/v5/market/instruments-info",
        _LIN,
        kind="funding",
        units="fundingInterval in minutes (480 = 8h); read when tickers lack fundingIntervalHour",
    ),
    Endpoint(
        "bybit",
        "open-interest",
        "/v5/market/open-interest",
        {**_LIN, "intervalTime": PERIOD, "limit": "200"},
        kind="open_interest",
        units="openInterest coin both sides, singleOpenInterest one side (2026+); rows stamped at the start of "
        "the hour, newest first",
    ),
    Endpoint(
        "bybit",
        "funding-history",
        "/v5/market/funding/history",
        {**_LIN, "limit": "200"},
        kind="funding",
        units="settled fundingRate fraction per interval, newest first",
    ),
    Endpoint(
        "bybit",
        "account-ratio",
        "/v5/market/account-ratio",
        {**_LIN, "period": PERIOD, "limit": "500"},
        kind="long_short",
        units="buyRatio/sellRatio: share of accounts long/short",
    ),
    Endpoint(
        "bybit",
        "kline",
        "/v5/market/kline",
        {**_LIN, "interval": "60", "limit": "1000"},
        kind="candles",
        units="[start ms, o, h, l, c, volume coin, turnover USDT], newest first",
    ),
    Endpoint(
        "bybit",
        "orderbook",
        "/v5/market/orderbook",
        {**_LIN, "limit": "200"},
        kind="orderbook",
        units="b/a [price USDT, size coin]; ts ms",
    ),
    Endpoint(
        "bybit",
        "tickers_linear_all",
        "/v5/market/tickers",
        {"category": "linear"},
        per_asset=False,
        kind="futures",
        units="every linear symbol; dated futures BTCUSDT-27MAR26 (USDT) / BTC-27MAR26 (USDC): markPrice/indexPrice "
        "USD; deliveryTime ms (0 = perpetual); openInterest coin both sides, singleOpenInterest one side",
        fixture="tickers_linear_all.json",
    ),
    Endpoint(
        "bybit",
        "tickers_inverse_all",
        "/v5/market/tickers",
        {"category": "inverse"},
        per_asset=False,
        kind="futures",
        units="every inverse symbol; dated futures BTCUSDH26: markPrice/indexPrice USD; deliveryTime ms; "
        "openInterest USD contracts both sides",
        fixture="tickers_inverse_all.json",
    ),
)

# The instrument universe (``sources.universe``): every linear contract in one page (Bybit lists ~600 linear
# contracts; ``limit`` allows 1000; a further page is not read).
INSTRUMENTS = Endpoint(
    "bybit",
    "instruments-list",
    "/v5/market/instruments-info",
    {"category": "linear", "limit": "1000"},
    per_asset=False,
    kind="instruments",
    units="result.list[]: contractType LinearPerpetual, status Trading, baseCoin (1000BONK = 1000 BONK per unit), "
    "settleCoin USDT|USDC, fundingInterval minutes, priceFilter.tickSize quote; quantities in base coin",
    fixture="instruments-list.json",
)

# ---- options (USDC/USDT-settled, European) --------------------------------------------------------------------------
# A provider of its own so a failing options API is its own gap and never costs the perpetual datasets.
OPTIONS_PROVIDER = Provider(
    name="bybit-options",
    base_url="https://api.bybit.com",
    rate_limit=RateLimit(requests_per_s=5.0, burst=10, max_concurrent=4),
    coin_template="{asset}",
    doc_url="https://bybit-exchange.github.io/docs/v5/market/tickers",
    error_codes=PROVIDER.error_codes,
)
# Bybit lists options on BTC, ETH and SOL.
OPTION_ASSETS = frozenset({"BTC", "ETH", "SOL"})

OPTION_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "bybit-options",
        "tickers",
        "/v5/market/tickers",
        {"category": "option", "baseCoin": "{coin}"},
        assets=OPTION_ASSETS,
        kind="options",
        units="markPrice/underlyingPrice/indexPrice USD; markIv fraction; openInterest coin (single-sided, one "
        "contract = one coin); volume24h coin; delta per coin, gamma per USD; envelope time ms",
        fixture="option_tickers.json",
    ),
)

# ``derivintel scan``: one request answers for every linear contract (no ``symbol``; USDT and USDC perps and dated
# futures, up to 1000 rows): the snapshot's own ``tickers_linear_all`` (dated futures), reused.
SCAN_ENDPOINTS: tuple[Endpoint, ...] = tuple(ep for ep in ENDPOINTS if ep.dataset == "tickers_linear_all")
