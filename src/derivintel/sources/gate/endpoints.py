"""Gate API v4 (USDT-settled perpetual futures): endpoints, units, limits and error codes, as data.

Docs: https://www.gate.com/docs/developers/apiv4/en/#futures. No envelope: a list or object on success, and
``{"label": "…", "message": "…"}`` with a 4xx/5xx status on error. Times are Unix SECONDS (``t``, ``time``,
``funding_next_apply``; the order book's ``current`` is fractional seconds). Sizes are CONTRACTS: × the contract's
``quanto_multiplier`` (coins per contract; BTC_USDT 0.0001) for coins. ``position_size`` is the total LONG size,
i.e. single-sided open interest. Funding is a fraction per ``funding_interval`` SECONDS (per contract).
"""

from __future__ import annotations

from derivintel.core.errors import RetryableSourceError
from derivintel.sources.declarations import Endpoint, ErrorCodes, Provider, RateLimit

PROVIDER = Provider(
    name="gate",
    base_url="https://api.gateio.ws",
    # Public endpoints: 200 requests per 10 s per endpoint per IP (x-gate-ratelimit-* headers); a snapshot sends
    # one request per endpoint per asset, so 10/s provider-wide with a burst of 20 stays far inside it.
    rate_limit=RateLimit(requests_per_s=10.0, burst=20, max_concurrent=8),
    symbol_template="{asset}_USDT",
    # Per contract (1h, 4h or 8h seen): the contract's funding_interval in seconds; 8h only as a placeholder.
    funding_interval_hours=8.0,
    doc_url="https://www.gate.com/docs/developers/apiv4/en/#futures",
    error_codes=ErrorCodes(
        "label",
        {
            "TOO_MANY_REQUESTS": RetryableSourceError,  # HTTP 429
            "SERVER_ERROR": RetryableSourceError,  # HTTP 5xx with a label
        },
    ),
)

SETTLE_PATH = "/api/v4/futures/usdt"
_C = {"contract": "{symbol}"}
PERIOD = "1h"
PERIOD_S = 3600

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "gate",
        "contract",
        SETTLE_PATH + "/contracts/{symbol}",
        kind="funding",
        units="mark_price/index_price USDT; funding_rate fraction per funding_interval s; funding_next_apply s; "
        "quanto_multiplier coins per contract; position_size contracts, LONG side (single-sided OI)",
    ),
    Endpoint(
        "gate",
        "tickers",
        SETTLE_PATH + "/tickers",
        _C,
        kind="price",
        units="volume_24h_quote USDT; total_size contracts; mark_price/index_price USDT",
    ),
    Endpoint(
        "gate",
        "funding-rate",
        SETTLE_PATH + "/funding_rate",
        {**_C, "limit": "1000"},
        kind="funding",
        units="settled rows {t: s, r: fraction per interval}, newest first",
    ),
    Endpoint(
        "gate",
        "candlesticks",
        SETTLE_PATH + "/candlesticks",
        {**_C, "interval": PERIOD, "limit": "1000"},
        kind="candles",
        units="rows {t: s, o, h, l, c USDT, v contracts, sum USDT}, oldest first",
    ),
    Endpoint(
        "gate",
        "order-book",
        SETTLE_PATH + "/order_book",
        {**_C, "interval": "0", "limit": "50", "with_id": "true"},
        kind="orderbook",
        units="asks/bids [{p: USDT, s: contracts}]; current s (fractional)",
    ),
    Endpoint(
        "gate",
        "contract-stats",
        SETTLE_PATH + "/contract_stats",
        {**_C, "interval": PERIOD, "limit": "100"},
        kind="open_interest",
        units="rows per hour {time s, open_interest contracts, open_interest_usd USD, mark_price, lsr_account, "
        "top_lsr_account, top_lsr_size, long/short_liq_size contracts, long/short_liq_usd}",
    ),
)

# All perps at once (market-wide, not part of the per-asset snapshot plan): the scanner's bulk datasets.
BULK_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "gate",
        "contracts",
        SETTLE_PATH + "/contracts",
        per_asset=False,
        kind="funding",
        units="every USDT contract, fields as contract (one request, no limit parameter: limit=100 truncates)",
    ),
    Endpoint(
        "gate",
        "tickers-all",
        SETTLE_PATH + "/tickers",
        per_asset=False,
        kind="price",
        units="one ticker row per USDT contract, fields as tickers",
    ),
)
