"""Bitget v2 mix API (USDT-margined perpetuals): endpoints, units, limits and error codes, as data.

Docs: https://www.bitget.com/api-doc/contract/intro. Envelope ``{"code":"00000","msg":"success","requestTime":…,
"data":…}``; every number is a string. Sizes (``holdingAmount``, open-interest ``size``, candle and book sizes) are
in the BASE coin (1 contract = 1 coin for USDT-FUTURES); prices in USDT. Funding is a fraction per
``fundingRateInterval`` hours (1, 2, 4 or 8, per symbol, from ``/current-fund-rate``).
"""

from __future__ import annotations

from derivintel.core.errors import RetryableSourceError
from derivintel.sources.declarations import Endpoint, ErrorCodes, Provider, RateLimit

PROVIDER = Provider(
    name="bitget",
    base_url="https://api.bitget.com",
    # Market endpoints allow 20 requests/s per IP each (account-long-short 1/s); a snapshot sends one request per
    # endpoint per asset, so 10/s provider-wide with a burst of 10 stays inside every per-endpoint limit but the
    # long/short one, whose 429 is retried after Retry-After.
    rate_limit=RateLimit(requests_per_s=10.0, burst=10, max_concurrent=8),
    symbol_template="{asset}USDT",
    # Per symbol 1/2/4/8h: /current-fund-rate fundingRateInterval; 8h only as a placeholder when unread.
    funding_interval_hours=8.0,
    doc_url="https://www.bitget.com/api-doc/contract/intro",
    error_codes=ErrorCodes(
        "code",
        {
            "429": RetryableSourceError,  # Too Many Requests (HTTP 429 with {"code":"429"})
            "40200": RetryableSourceError,  # Server upgrade, please retry later
        },
    ),
)

PRODUCT_TYPE = "USDT-FUTURES"
_SYM = {"symbol": "{symbol}", "productType": PRODUCT_TYPE}
PERIOD = "1H"
PERIOD_S = 3600

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "bitget",
        "ticker",
        "/api/v2/mix/market/ticker",
        _SYM,
        kind="funding",
        units="markPrice/indexPrice/lastPr USDT; holdingAmount base coin (open interest); fundingRate fraction per "
        "interval; quoteVolume 24h USDT (the quote of USDT-FUTURES); ts ms",
    ),
    Endpoint(
        "bitget",
        "current-fund-rate",
        "/api/v2/mix/market/current-fund-rate",
        _SYM,
        kind="funding",
        units="fundingRate fraction per fundingRateInterval hours (1/2/4/8); nextUpdate ms",
    ),
    Endpoint(
        "bitget",
        "history-fund-rate",
        "/api/v2/mix/market/history-fund-rate",
        {**_SYM, "pageSize": "100"},
        kind="funding",
        units="settled fundingRate fraction per interval at fundingTime ms, newest first",
    ),
    Endpoint(
        "bitget",
        "candles",
        "/api/v2/mix/market/candles",
        {**_SYM, "granularity": PERIOD, "limit": "1000"},
        kind="candles",
        units="[ts ms, open, high, low, close, base-coin volume, quote volume USDT], oldest first",
    ),
    Endpoint(
        "bitget",
        "merge-depth",
        "/api/v2/mix/market/merge-depth",
        {**_SYM, "precision": "scale0", "limit": "max"},
        kind="orderbook",
        units="asks/bids [price USDT, size base coin]; ts ms; scale0 = not merged",
    ),
    Endpoint(
        "bitget",
        "open-interest",
        "/api/v2/mix/market/open-interest",
        _SYM,
        kind="open_interest",
        units="openInterestList[].size base coin (current only; no public history); ts ms",
    ),
    Endpoint(
        "bitget",
        "account-long-short",
        "/api/v2/mix/market/account-long-short",
        {"symbol": "{symbol}", "period": "1h"},
        kind="long_short",
        units="longShortAccountRatio = long accounts / short accounts, per 1h, ts ms",
    ),
)

# All perps at once (market-wide, not part of the per-asset snapshot plan): the scanner's bulk datasets.
BULK_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "bitget",
        "tickers",
        "/api/v2/mix/market/tickers",
        {"productType": PRODUCT_TYPE},
        per_asset=False,
        kind="funding",
        units="one ticker row per USDT-FUTURES symbol, fields as ticker",
    ),
    Endpoint(
        "bitget",
        "current-fund-rates",
        "/api/v2/mix/market/current-fund-rate",
        {"productType": PRODUCT_TYPE},
        per_asset=False,
        kind="funding",
        units="one row per symbol: fundingRate, fundingRateInterval hours, nextUpdate ms",
        fixture="current-fund-rates.json",
    ),
)
