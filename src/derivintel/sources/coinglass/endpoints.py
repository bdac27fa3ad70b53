"""Coinglass API v4 (keyed): endpoints, units and auth, as data.

Docs: https://docs.coinglass.com/reference (v4 reference; base https://open-api-v4.coinglass.com). Auth: header
``CG-API-KEY: <key>``. Envelope ``{"code":"0","msg":"success","data":[…]}`` (rows oldest first, ``time`` in ms).
HTTP 401 = key rejected or endpoint not in the plan (not retried); 429 = rate limited. The cheapest plan
(Hobbyist) only serves intervals >= 4h, so the snapshot asks for 4h bars (works on every plan).
"""

from __future__ import annotations

from derivintel.domain.venue import VenueId
from derivintel.sources.declarations import Endpoint, Provider, RateLimit

PROVIDER = Provider(
    name="coinglass",
    base_url="https://open-api-v4.coinglass.com",
    # Hobbyist plan: 30 requests per minute. Stay under it.
    rate_limit=RateLimit(requests_per_s=0.5, burst=4, max_concurrent=2),
    symbol_template="{asset}",
    doc_url="https://docs.coinglass.com/reference/getting-started-with-your-api",
)

AUTH_HEADER = "CG-API-KEY"
AUTH_TEMPLATE = "{key}"
KEY_ENV: tuple[str, ...] = ("DERIVINTEL_COINGLASS_KEY", "COINGLASS_API_KEY")

INTERVAL = "4h"
INTERVAL_S = 4 * 3600
LIMIT = "180"  # 30 days of 4h bars
# Exchanges summed by the aggregated liquidation endpoint (a required parameter).
LIQUIDATION_EXCHANGES = "Binance,OKX,Bybit,Bitget,Hyperliquid"
# Funding rates are published in percent per 8h-equivalent (verify live): 0.01 → 0.0001 per 8h.
FUNDING_INTERVAL_HOURS = 8.0
VENUE = VenueId("coinglass-aggregate")

_Q = {"symbol": "{symbol}", "interval": INTERVAL, "limit": LIMIT}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "coinglass",
        "oi-aggregated-usd",
        "/api/futures/open-interest/aggregated-history",
        {**_Q, "unit": "usd"},
        kind="open_interest",
        units="OHLC of aggregated single-sided OI across exchanges, USD; time = bar open (ms)",
        fixture="oi-aggregated-usd.json",
    ),
    Endpoint(
        "coinglass",
        "oi-aggregated-coin",
        "/api/futures/open-interest/aggregated-history",
        {**_Q, "unit": "coin"},
        kind="open_interest",
        units="OHLC of aggregated single-sided OI across exchanges, coins",
        fixture="oi-aggregated-coin.json",
    ),
    Endpoint(
        "coinglass",
        "funding-oi-weighted",
        "/api/futures/funding-rate/oi-weight-history",
        _Q,
        kind="funding",
        units="OHLC of the OI-weighted funding rate, PERCENT per 8h (verify live)",
        fixture="funding-oi-weighted.json",
    ),
)

# History (backfill) variants: paged by start_time/end_time, 1000 rows per page.
HISTORY_PAGE_LIMIT = 1000

# Declared and parsed (tests/fixtures) but NOT fetched: the snapshot has no slot for aggregated liquidations
# (realised liquidations come from the venues' own streams), so the answer was validated and thrown away.
# Move into ENDPOINTS with the assembly step once the snapshot has a slot for it.
NOT_FETCHED: tuple[Endpoint, ...] = (
    Endpoint(
        "coinglass",
        "liquidation-aggregated",
        "/api/futures/liquidation/aggregated-history",
        {**_Q, "exchange_list": LIQUIDATION_EXCHANGES},
        kind="liquidations",
        units="aggregated_long_liquidation_usd / aggregated_short_liquidation_usd per bar, USD",
        fixture="liquidation-aggregated.json",
    ),
)
