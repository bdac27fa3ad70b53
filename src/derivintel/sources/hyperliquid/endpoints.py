"""Hyperliquid info API: one POST endpoint, dataset chosen by the JSON ``type``; as data.

Docs: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint. All numbers are strings.
Funding is paid hourly (rate computed on an 8h basis, paid at 1/8 per hour); OI in coins.
"""

from __future__ import annotations

from derivintel.sources.declarations import Endpoint, Provider, RateLimit

PROVIDER = Provider(
    name="hyperliquid",
    base_url="https://api.hyperliquid.xyz",
    # 1200 weight per minute per IP; info requests weigh 2-20.
    rate_limit=RateLimit(requests_per_s=3.0, burst=6, max_concurrent=4),
    symbol_template="{asset}",
    funding_interval_hours=1.0,
    doc_url="https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint",
)

CANDLE_INTERVAL = "1h"
CANDLE_INTERVAL_S = 3600

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "hyperliquid",
        "metaAndAssetCtxs",
        "/info",
        method="POST",
        body={"type": "metaAndAssetCtxs"},
        per_asset=False,
        kind="funding",
        units="[meta, ctxs] aligned by index with meta.universe; funding per hour; openInterest coin",
    ),
    Endpoint(
        "hyperliquid",
        "fundingHistory",
        "/info",
        method="POST",
        body={"type": "fundingHistory", "coin": "{symbol}", "startTime": "{start_ms}"},
        lookback_hours=500,
        kind="funding",
        units="fundingRate fraction per hour at time (ms)",
    ),
    Endpoint(
        "hyperliquid",
        "l2Book",
        "/info",
        method="POST",
        body={"type": "l2Book", "coin": "{symbol}"},
        kind="orderbook",
        units="levels [bids, asks] of {px USD, sz coin, n}",
    ),
    Endpoint(
        "hyperliquid",
        "candleSnapshot",
        "/info",
        method="POST",
        body={
            "type": "candleSnapshot",
            "req": {"coin": "{symbol}", "interval": CANDLE_INTERVAL, "startTime": "{start_ms}", "endTime": "{end_ms}"},
        },
        lookback_hours=1000,
        kind="candles",
        units="{t, T, o, h, l, c, v coin, n}; last 5000 candles only",
    ),
)

# Declared and parsed (tests/fixtures) but NOT fetched: the snapshot has no slot for cross-venue predicted
# funding, so the answer was validated and thrown away.
# Move into ENDPOINTS with the assembly step once the snapshot has a slot for it.
NOT_FETCHED: tuple[Endpoint, ...] = (
    Endpoint(
        "hyperliquid",
        "predictedFundings",
        "/info",
        method="POST",
        body={"type": "predictedFundings"},
        per_asset=False,
        kind="funding",
        units="[[coin, [[venue, {fundingRate, nextFundingTime, fundingIntervalHours}]]]]; per venue interval",
    ),
)

# The instrument universe (``sources.universe``): the perp universe of the main dex (weight 20).
INSTRUMENTS = Endpoint(
    "hyperliquid",
    "meta",
    "/info",
    method="POST",
    body={"type": "meta"},
    per_asset=False,
    kind="instruments",
    units="universe[]: name (kPEPE = 1000 PEPE per unit), szDecimals, maxLeverage, isDelisted; USDC-margined, "
    "funding paid hourly; no tick size (prices: 5 significant figures)",
)

# ``derivintel scan``: ``metaAndAssetCtxs`` already answers for every perp in one request (the snapshot's own
# dataset, reused as the bulk scan dataset).
SCAN_ENDPOINTS: tuple[Endpoint, ...] = tuple(ep for ep in ENDPOINTS if ep.dataset == "metaAndAssetCtxs")
