"""Binance USD-M futures and spot: endpoints, units and funding rules, as data.

Docs: https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info and
https://developers.binance.com/docs/binance-spot-api-docs/rest-api. Binance answers HTTP 451 from restricted
regions and some cloud IPs: every dataset is optional.
"""

from __future__ import annotations

from derivintel.sources.declarations import Endpoint, Provider, RateLimit

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

# ``derivintel scan``: one request per dataset answers for every USD-M symbol (no ``symbol`` parameter). Binance
# publishes open interest per symbol only (``/fapi/v1/openInterest``), so the scan's Binance rows carry no OI.
SCAN_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "binance-usdm",
        "premiumIndex_all",
        "/fapi/v1/premiumIndex",
        per_asset=False,
        kind="funding",
        units="list of premiumIndex rows, every symbol (perps and dated futures, whose nextFundingTime is 0); "
        "request weight 10",
        fixture="premiumIndex_all.json",
    ),
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
