"""Binance USD-M futures and spot: endpoints, units and funding rules, as data.

Docs: https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info and
https://developers.binance.com/docs/binance-spot-api-docs/rest-api. Binance answers HTTP 451 from restricted
regions and some cloud IPs: every dataset is optional.
"""

from __future__ import annotations

from derivintel.core.errors import RetryableSourceError
from derivintel.sources.declarations import Endpoint, ErrorCodes, Provider, RateLimit

USDM = Provider(
    name="binance-usdm",
    base_url="https://fapi.binance.com",
    # 2400 request weight per minute per IP; most calls here weigh 1-10.
    rate_limit=RateLimit(requests_per_s=10.0, burst=24, max_concurrent=12),
    symbol_template="{asset}USDT",
    # 8h unless /fapi/v1/fundingInfo lists the symbol with another fundingIntervalHours (absent means 8h).
    funding_interval_hours=8.0,
    doc_url="https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api",
)
# COIN-M (inverse) futures: quarterlies BTCUSD_YYMMDD, the larger Binance delivery book. Same weight budget as USD-M.
COINM = Provider(
    name="binance-coinm",
    base_url="https://dapi.binance.com",
    rate_limit=RateLimit(requests_per_s=10.0, burst=24, max_concurrent=12),
    symbol_template="{asset}USD_PERP",
    doc_url="https://developers.binance.com/docs/derivatives/coin-margined-futures/market-data/rest-api",
)
SPOT = Provider(
    name="binance-spot",
    base_url="https://api.binance.com",
    rate_limit=RateLimit(requests_per_s=10.0, burst=24, max_concurrent=12),
    symbol_template="{asset}USDT",
    doc_url="https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints",
)

_SYM = {"symbol": "{symbol}"}
RATIO_PERIOD = "1h"  # period of the /futures/data series (5m..1d; 30 days kept)
RATIO_PERIOD_S = 3600

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "binance-usdm",
        "premiumIndex",
        "/fapi/v1/premiumIndex",
        _SYM,
        kind="funding",
        units="markPrice/indexPrice USDT; lastFundingRate fraction per funding interval (running, predicted)",
    ),
    Endpoint(
        "binance-usdm",
        "fundingInfo",
        "/fapi/v1/fundingInfo",
        per_asset=False,
        kind="funding",
        units="fundingIntervalHours per adjusted symbol; symbols not listed use 8h",
    ),
    Endpoint(
        "binance-usdm",
        "fundingRate",
        "/fapi/v1/fundingRate",
        {**_SYM, "limit": "1000"},
        kind="funding",
        units="settled fundingRate fraction per interval at fundingTime (ms)",
    ),
    Endpoint(
        "binance-usdm",
        "openInterest",
        "/fapi/v1/openInterest",
        _SYM,
        kind="open_interest",
        units="openInterest in base coin, single-sided",
    ),
    Endpoint(
        "binance-usdm",
        "openInterestHist",
        "/futures/data/openInterestHist",
        {**_SYM, "period": RATIO_PERIOD, "limit": "500"},
        kind="open_interest",
        units="sumOpenInterest coin, sumOpenInterestValue USDT; last 30 days only",
    ),
    Endpoint(
        "binance-usdm",
        "globalLongShortAccountRatio",
        "/futures/data/globalLongShortAccountRatio",
        {**_SYM, "period": RATIO_PERIOD, "limit": "500"},
        kind="long_short",
        units="longShortRatio = long accounts / short accounts (all accounts)",
    ),
    Endpoint(
        "binance-usdm",
        "topLongShortAccountRatio",
        "/futures/data/topLongShortAccountRatio",
        {**_SYM, "period": RATIO_PERIOD, "limit": "500"},
        kind="long_short",
        units="longShortRatio of top traders by account count",
    ),
    Endpoint(
        "binance-usdm",
        "topLongShortPositionRatio",
        "/futures/data/topLongShortPositionRatio",
        {**_SYM, "period": RATIO_PERIOD, "limit": "500"},
        kind="long_short",
        units="longShortRatio of top traders by position (notional)",
    ),
    Endpoint(
        "binance-usdm",
        "takerlongshortRatio",
        "/futures/data/takerlongshortRatio",
        {**_SYM, "period": RATIO_PERIOD, "limit": "500"},
        kind="candles",
        units="buyVol / sellVol taker volume in base coin per period",
    ),
    Endpoint(
        "binance-usdm",
        "klines_1h",
        "/fapi/v1/klines",
        {**_SYM, "interval": "1h", "limit": "1500"},
        kind="candles",
        units="[openTime ms, o, h, l, c, volume coin, closeTime, quoteVol, n, takerBuyBase coin, "
        "takerBuyQuote, ignore]",
        fixture="klines_1h.json",
    ),
    Endpoint(
        "binance-usdm",
        "klines_1d",
        "/fapi/v1/klines",
        {**_SYM, "interval": "1d", "limit": "1500"},
        kind="candles",
        units="as klines_1h",
        fixture="klines_1d.json",
    ),
    Endpoint(
        "binance-usdm",
        "depth",
        "/fapi/v1/depth",
        {**_SYM, "limit": "500"},
        kind="orderbook",
        units="bids/asks [price USDT, qty coin]; E/T event/transaction time ms",
    ),
    Endpoint(
        "binance-usdm",
        "exchangeInfo",
        "/fapi/v1/exchangeInfo",
        per_asset=False,
        kind="futures",
        units="symbols[]: contractType (PERPETUAL, CURRENT_QUARTER, NEXT_QUARTER), deliveryDate ms, baseAsset",
    ),
    Endpoint(
        "binance-usdm",
        "premiumIndex_all",
        "/fapi/v1/premiumIndex",
        per_asset=False,
        kind="futures",
        units="every symbol (perps and quarterlies, e.g. BTCUSDT_260626): markPrice/indexPrice USDT; time ms; "
        "weight 10",
        fixture="premiumIndex_all.json",
    ),
    Endpoint(
        "binance-coinm",
        "exchangeInfo",
        "/dapi/v1/exchangeInfo",
        per_asset=False,
        kind="futures",
        units="symbols[]: contractType (PERPETUAL, CURRENT_QUARTER, NEXT_QUARTER), deliveryDate ms, baseAsset, "
        "contractStatus; contractSize USD per contract",
        fixture="coinm_exchangeInfo.json",
    ),
    Endpoint(
        "binance-coinm",
        "premiumIndex",
        "/dapi/v1/premiumIndex",
        {"pair": "{asset}USD"},
        kind="futures",
        units="the pair's perpetual and quarterlies: markPrice/indexPrice USD; time ms",
        fixture="coinm_premiumIndex.json",
    ),
    Endpoint(
        "binance-spot",
        "klines_1h",
        "/api/v3/klines",
        {**_SYM, "interval": "1h", "limit": "1000"},
        kind="candles",
        units="as USD-M klines (spot, max 1000 bars)",
        fixture="spot_klines_1h.json",
    ),
    Endpoint(
        "binance-spot",
        "klines_1d",
        "/api/v3/klines",
        {**_SYM, "interval": "1d", "limit": "1000"},
        kind="candles",
        units="as USD-M klines (spot, max 1000 bars)",
        fixture="spot_klines_1d.json",
    ),
)

# The instrument universe (``sources.universe``): every USD-M symbol with its filters, fetched once per TTL (weight 1).
INSTRUMENTS = Endpoint(
    "binance-usdm",
    "instruments-list",
    "/fapi/v1/exchangeInfo",
    per_asset=False,
    kind="instruments",
    units="symbols[]: contractType PERPETUAL, status TRADING, baseAsset (1000PEPE = 1000 PEPE per unit), quoteAsset/"
    "marginAsset USDT|USDC, PRICE_FILTER tickSize in quote; quantities in base coin (contract size 1); funding "
    "interval not listed here (fundingInfo)",
)

# ---- European options (eapi, USDT-settled) --------------------------------------------------------------------------
OPTIONS = Provider(
    name="binance-options",
    base_url="https://eapi.binance.com",
    # Request weight: exchangeInfo 1, mark 5, ticker 5 (per minute budget far above three calls per snapshot).
    rate_limit=RateLimit(requests_per_s=2.0, burst=4, max_concurrent=2),
    coin_template="{asset}",
    doc_url="https://developers.binance.com/docs/derivatives/option/market-data",
    error_codes=ErrorCodes("code", {"-1003": RetryableSourceError}),  # TOO_MANY_REQUESTS
)
# Underlyings listed on Binance options; an asset missing from the live listing is reported as not covered.
OPTION_ASSETS = frozenset({"BTC", "ETH", "SOL", "BNB", "XRP", "DOGE"})

# One call each returns every listed option of every underlying (market-wide), filtered per asset by the parser.
OPTION_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "binance-options",
        "exchangeInfo",
        "/eapi/v1/exchangeInfo",
        per_asset=False,
        kind="options",
        units="optionSymbols[]: expiryDate ms, strikePrice USDT, side CALL/PUT, underlying (BTCUSDT), unit = coins "
        "per contract",
        fixture="options_exchangeInfo.json",
    ),
    Endpoint(
        "binance-options",
        "mark",
        "/eapi/v1/mark",
        per_asset=False,
        kind="options",
        units="markPrice USDT; markIV/bidIV/askIV fraction; delta per coin, gamma per USDT; riskFreeInterest "
        "fraction per year (continuous, used for the forward)",
        fixture="options_mark.json",
    ),
    Endpoint(
        "binance-options",
        "ticker",
        "/eapi/v1/ticker",
        per_asset=False,
        kind="options",
        units="volume contracts (24h; amount is the USDT turnover); exercisePrice USDT = the underlying index "
        "(the estimated settlement price in the last half hour before expiry); closeTime ms",
        fixture="options_ticker.json",
    ),
)

# Declared, not fetched: open interest needs ``expiration`` (YYMMDD) per request, one request per listed expiry, and
# the snapshot plan sends one request per dataset and asset. Binance chains therefore carry no open interest.
OPTIONS_NOT_FETCHED: tuple[Endpoint, ...] = (
    Endpoint(
        "binance-options",
        "openInterest",
        "/eapi/v1/openInterest",
        {"underlyingAsset": "{coin}", "expiration": "{yymmdd}"},
        kind="options",
        units="sumOpenInterest contracts (× unit = coins), sumOpenInterestUsd USDT, per symbol of one expiry",
    ),
)

# ``derivintel scan``: one request per dataset answers for every USD-M symbol (no ``symbol`` parameter). Binance
# publishes open interest per symbol only (``/fapi/v1/openInterest``), so the scan's Binance rows carry no OI.
SCAN_ENDPOINTS: tuple[Endpoint, ...] = (
    *(ep for ep in ENDPOINTS if ep.dataset == "premiumIndex_all"),  # the snapshot's own (dated futures)
    Endpoint(
        "binance-usdm",
        "ticker24hr_all",
        "/fapi/v1/ticker/24hr",
        per_asset=False,
        kind="price",
        units="rolling 24h per symbol: priceChangePercent in PERCENT, quoteVolume in USDT, lastPrice USDT; "
        "request weight 40",
        fixture="ticker24hr_all.json",
    ),
)
