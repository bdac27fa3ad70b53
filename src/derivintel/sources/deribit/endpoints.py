"""Deribit public API v2 (JSON-RPC over GET, ``{"result": …}``): endpoints and units, as data.

Docs: https://docs.deribit.com/. ``mark_iv`` and DVOL are in PERCENT (converted to fractions by the parsers);
option prices in coin; perpetual/inverse-future ``open_interest`` in USD, option OI in coins.
"""

from __future__ import annotations

from derivintel.core.errors import RetryableSourceError
from derivintel.domain.assets import OPTION_ASSETS
from derivintel.sources.declarations import Endpoint, ErrorCodes, Pages, Provider, RateLimit
from derivintel.sources.deribit.trades import next_page_params

RATE_LIMIT_ERROR_CODE = 10028

PROVIDER = Provider(
    name="deribit",
    base_url="https://www.deribit.com/api/v2",
    # Non-matching-engine requests: a credit pool refilled at ~20 requests/s; error 10028 when exceeded.
    rate_limit=RateLimit(requests_per_s=5.0, burst=10, max_concurrent=4),
    symbol_template="{asset}-PERPETUAL",
    coin_template="{asset}",
    funding_interval_hours=8.0,  # funding_8h is an 8h-equivalent rate
    doc_url="https://docs.deribit.com/",
    error_codes=ErrorCodes("code", {str(RATE_LIMIT_ERROR_CODE): RetryableSourceError}),  # too_many_requests
)

DVOL_RESOLUTION_S = 3600
# Option trades of the last 24 h (all the venue keeps for this method): 1000 per page (the venue's maximum), at
# most 40 pages (40,000 trades, ~8 s at the declared 5 requests/s, inside the 25 s fetch budget). A busier day is
# cut at the limit and the record says from when it is complete.
TRADES_PAGE_SIZE = 1000
TRADES_MAX_PAGES = 40
_OPT = frozenset(OPTION_ASSETS)
# USDC-settled (linear) options: one book for every underlying (BTC_USDC-…, SOL_USDC-…), filtered per asset.
USDC_OPTION_ASSETS = frozenset({"BTC", "ETH", "SOL", "XRP"})

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "deribit",
        "book_summary_option",
        "/public/get_book_summary_by_currency",
        {"currency": "{coin}", "kind": "option"},
        assets=_OPT,
        kind="options",
        units="mark_iv percent; mark_price coin; open_interest/volume coins; underlying_price USD forward",
    ),
    Endpoint(
        "deribit",
        "index_price",
        "/public/get_index_price",
        {"index_name": "{asset_lower}_usd"},
        assets=_OPT,
        kind="price",
        units="index_price USD",
    ),
    Endpoint(
        "deribit",
        "dvol",
        "/public/get_volatility_index_data",
        {
            "currency": "{coin}",
            "resolution": str(DVOL_RESOLUTION_S),
            "start_timestamp": "{start_ms}",
            "end_timestamp": "{end_ms}",
        },
        assets=_OPT,
        lookback_hours=720,
        kind="options",
        units="data rows [ts ms, open, high, low, close] in percent (30-day implied vol index)",
    ),
    Endpoint(
        "deribit",
        "option_trades",
        "/public/get_last_trades_by_currency_and_time",
        {
            "currency": "{coin}",
            "kind": "option",
            "start_timestamp": "{start_ms}",
            "end_timestamp": "{end_ms}",
            "count": str(TRADES_PAGE_SIZE),
            "sorting": "desc",
        },
        assets=_OPT,
        lookback_hours=24,
        kind="options",
        units="trades: amount coins, price coin, iv percent, index_price USD, timestamp ms, direction = taker side",
        fixture="last_trades_by_currency_option.json",
        pages=Pages(TRADES_MAX_PAGES, next_page_params),
    ),
    Endpoint(
        "deribit",
        "ticker",
        "/public/ticker",
        {"instrument_name": "{symbol}"},
        assets=_OPT,
        kind="funding",
        units="BTC-PERPETUAL: mark/index USD, funding_8h fraction per 8h, open_interest USD",
    ),
    Endpoint(
        "deribit",
        "book_summary_option_usdc",
        "/public/get_book_summary_by_currency",
        {"currency": "USDC", "kind": "option"},
        per_asset=False,
        kind="options",
        units="linear options: mark_price USDC; mark_iv percent; open_interest/volume in the base coin; "
        "underlying_price USD forward",
    ),
    Endpoint(
        "deribit",
        "book_summary_future",
        "/public/get_book_summary_by_currency",
        {"currency": "{coin}", "kind": "future"},
        assets=_OPT,
        kind="futures",
        units="dated inverse futures + perpetual: mark_price USD; estimated_delivery_price = index USD; "
        "open_interest USD (inverse); expiry from the name (DDMMMYY) at 08:00 UTC",
    ),
)
