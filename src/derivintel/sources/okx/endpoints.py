"""OKX v5 (USDT-margined swaps): endpoints, units and funding rules, as data.

Docs: https://www.okx.com/docs-v5/en/#public-data-rest-api. Envelope ``{"code":"0","msg":"","data":[…]}``; history
lists come newest first. Book and candle sizes are in contracts of ``CONTRACT_VALUE_BASE`` coins.
"""

from __future__ import annotations

from derivintel.core.errors import RetryableSourceError
from derivintel.sources.declarations import Endpoint, ErrorCodes, Provider, RateLimit

PROVIDER = Provider(
    name="okx",
    base_url="https://www.okx.com",
    # Limits are per endpoint: 20 requests per 2 s per IP (rubik: 5 per 2 s); a snapshot sends at most two per
    # endpoint, so a provider-wide 10/s with a burst of 20 stays inside every endpoint limit.
    rate_limit=RateLimit(requests_per_s=10.0, burst=20, max_concurrent=10),
    symbol_template="{asset}-USDT-SWAP",
    coin_template="{asset}",
    # Interval = nextFundingTime − fundingTime of /public/funding-rate; 8h only when that cannot be read.
    funding_interval_hours=8.0,
    doc_url="https://www.okx.com/docs-v5/en/",
    error_codes=ErrorCodes(
        "code",
        {
            "50011": RetryableSourceError,  # Rate limit reached
            "50013": RetryableSourceError,  # Systems are busy, try again later
        },
    ),
)

# Contract value (ctVal, coins per contract) of the {asset}-USDT-SWAP instruments (verify live via
# /api/v5/public/instruments); the open-interest payload's oiCcy / oi is preferred when available.
CONTRACT_VALUE_BASE: dict[str, float] = {
    "BTC": 0.01,
    "ETH": 0.1,
    "SOL": 1.0,
    "XRP": 100.0,
    "BNB": 0.01,
    "DOGE": 1000.0,
}

_INST = {"instId": "{symbol}"}
# Dated futures: the coin-margined family (BTC-USD-YYMMDD), OKX's deepest delivery book.
FUTURES_FAMILY = "{asset}-USD"
PERIOD = "1H"
PERIOD_S = 3600

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "okx",
        "open-interest",
        "/api/v5/public/open-interest",
        {"instType": "SWAP", **_INST},
        kind="open_interest",
        units="oi contracts, oiCcy coin, oiUsd USD",
    ),
    Endpoint(
        "okx",
        "funding-rate",
        "/api/v5/public/funding-rate",
        _INST,
        kind="funding",
        units="fundingRate fraction for the current interval [fundingTime, nextFundingTime)",
    ),
    Endpoint(
        "okx",
        "mark-price",
        "/api/v5/public/mark-price",
        {"instType": "SWAP", **_INST},
        kind="price",
        units="markPx USDT",
    ),
    Endpoint(
        "okx",
        "index-tickers",
        "/api/v5/market/index-tickers",
        {"instId": "{asset}-USDT"},
        kind="price",
        units="idxPx USDT",
    ),
    Endpoint(
        "okx",
        "funding-rate-history",
        "/api/v5/public/funding-rate-history",
        {**_INST, "limit": "100"},
        kind="funding",
        units="realizedRate fraction per interval at fundingTime, newest first",
    ),
    Endpoint(
        "okx",
        "long-short-account-ratio",
        "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract",
        {**_INST, "period": PERIOD},
        kind="long_short",
        units="rows [ts, long/short account ratio]",
    ),
    Endpoint(
        "okx",
        "taker-volume",
        "/api/v5/rubik/stat/taker-volume-contract",
        {**_INST, "period": PERIOD, "unit": "0"},
        kind="candles",
        units="rows [ts, sellVol, buyVol] (sell first), unit=0 → coin",
    ),
    Endpoint(
        "okx",
        "candles",
        "/api/v5/market/candles",
        {**_INST, "bar": PERIOD, "limit": "300"},
        kind="candles",
        units="[ts, o, h, l, c, vol contracts, volCcy coin, volCcyQuote USDT, confirm], newest first",
    ),
    Endpoint(
        "okx",
        "books",
        "/api/v5/market/books",
        {**_INST, "sz": "400"},
        kind="orderbook",
        units="[price USDT, size contracts, 0, orders]",
    ),
    Endpoint(
        "okx",
        "instruments_futures",
        "/api/v5/public/instruments",
        {"instType": "FUTURES", "instFamily": FUTURES_FAMILY},
        kind="futures",
        units="expTime ms (delivery, 08:00 UTC); ctType inverse (USD family: ctVal USD per contract); alias",
    ),
    Endpoint(
        "okx",
        "mark-price_futures",
        "/api/v5/public/mark-price",
        {"instType": "FUTURES", "instFamily": FUTURES_FAMILY},
        kind="futures",
        units="markPx USD per coin; ts ms; no index in this payload",
    ),
    Endpoint(
        "okx",
        "open-interest_futures",
        "/api/v5/public/open-interest",
        {"instType": "FUTURES", "instFamily": FUTURES_FAMILY},
        kind="futures",
        units="oi contracts, oiCcy coins (single-sided), oiUsd USD",
    ),
)

# History (backfill) endpoints, paged by ``before``/``after`` (exclusive bounds, ms); not part of the snapshot plan.
HISTORY_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "okx",
        "history-candles",
        "/api/v5/market/history-candles",
        {**_INST, "bar": PERIOD, "limit": "100"},
        kind="candles",
        units="as candles (max 100 rows per request, newest first)",
        fixture="candles.json",
    ),
)

# The instrument universe (``sources.universe``): every swap, linear and inverse (20 requests per 2 s).
INSTRUMENTS = Endpoint(
    "okx",
    "instruments",
    "/api/v5/public/instruments",
    {"instType": "SWAP"},
    per_asset=False,
    kind="instruments",
    units="data[]: instId, ctType linear|inverse, ctVal coins of ctValCcy per contract × ctMult, settleCcy "
    "USDT|USDC (linear), tickSz quote, state live; funding interval not listed (read from funding-rate)",
)

# ---- options (inverse, coin-margined: BTC-USD, ETH-USD) -------------------------------------------------------------
# A provider of its own so a failing options API is its own gap and never costs the swap datasets.
OPTIONS_PROVIDER = Provider(
    name="okx-options",
    base_url="https://www.okx.com",
    # opt-summary, tickers and open-interest each allow 20 requests per 2 s per IP; three requests per asset.
    rate_limit=RateLimit(requests_per_s=5.0, burst=10, max_concurrent=4),
    symbol_template="{asset}-USD",  # the underlying (uly) of the option family
    coin_template="{asset}",
    doc_url="https://www.okx.com/docs-v5/en/#public-data-rest-api-get-option-market-data",
    error_codes=PROVIDER.error_codes,
)
# OKX lists options on BTC-USD and ETH-USD only.
OPTION_ASSETS = frozenset({"BTC", "ETH"})
_ULY = {"uly": "{symbol}"}

OPTION_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "okx-options",
        "opt-summary",
        "/api/v5/public/opt-summary",
        _ULY,
        assets=OPTION_ASSETS,
        kind="options",
        units="markVol fraction (0.43 = 43 %); fwdPx forward USD; deltaBS, gammaBS Black-Scholes greeks in USD "
        "terms (delta/gamma without BS are in coin terms); ts ms",
        fixture="option_opt-summary.json",
    ),
    Endpoint(
        "okx-options",
        "tickers",
        "/api/v5/market/tickers",
        {"instType": "OPTION", **_ULY},
        assets=OPTION_ASSETS,
        kind="options",
        units="vol24h contracts; volCcy24h coin (24h volume in base currency); last coin",
        fixture="option_tickers.json",
    ),
    Endpoint(
        "okx-options",
        "open-interest",
        "/api/v5/public/open-interest",
        {"instType": "OPTION", **_ULY},
        assets=OPTION_ASSETS,
        kind="options",
        units="oi contracts; oiCcy coin (single-sided open interest in base currency); ts ms",
        fixture="option_open-interest.json",
    ),
)

# ``derivintel scan``: five requests answer for every SWAP instrument (USDT-, USDC- and coin-margined; the parser
# keeps the -USDT-SWAP ones). ``funding-rate`` takes ``instId=ANY`` for every swap at once: the documented parameter
# is one instrument, and ``ANY`` is what public OKX clients send for the all-market answer (the scan treats a refusal
# like any failure: OKX funding becomes a gap, the other columns stay).
SCAN_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "okx",
        "mark-price_all",
        "/api/v5/public/mark-price",
        {"instType": "SWAP"},
        per_asset=False,
        kind="price",
        units="markPx USD(T) per SWAP instId; ts ms",
        fixture="mark-price_all.json",
    ),
    Endpoint(
        "okx",
        "tickers_all",
        "/api/v5/market/tickers",
        {"instType": "SWAP"},
        per_asset=False,
        kind="price",
        units="last, open24h USD(T); volCcy24h 24h volume in BASE coin for swaps; ts ms",
        fixture="tickers_all.json",
    ),
    Endpoint(
        "okx",
        "funding-rate_all",
        "/api/v5/public/funding-rate",
        {"instId": "ANY"},
        per_asset=False,
        kind="funding",
        units="as funding-rate, one row per swap: fundingRate fraction per (nextFundingTime − fundingTime)",
        fixture="funding-rate_all.json",
    ),
    Endpoint(
        "okx",
        "open-interest_all",
        "/api/v5/public/open-interest",
        {"instType": "SWAP"},
        per_asset=False,
        kind="open_interest",
        units="oi contracts, oiCcy coin (single-sided), oiUsd USD per SWAP instId",
        fixture="open-interest_all.json",
    ),
    Endpoint(
        "okx",
        "index-tickers_all",
        "/api/v5/market/index-tickers",
        {"quoteCcy": "USDT"},
        per_asset=False,
        kind="price",
        units="idxPx USDT per index instId (BTC-USDT)",
        fixture="index-tickers_all.json",
    ),
)
