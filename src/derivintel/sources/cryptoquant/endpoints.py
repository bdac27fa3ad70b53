"""CryptoQuant API v1 (keyed): exchange flows, as data.

Docs: https://cryptoquant.com/docs (BTC ``/v1/btc/exchange-flows/netflow``, stablecoin
``/v1/stablecoin/exchange-flows/netflow``). Auth: ``Authorization: Bearer <key>``. Envelope
``{"status":{"code":200,"message":"success"},"result":{"window":"DAY","data":[…]}}``; rows newest first with
``date`` (``YYYY-MM-DD`` for ``window=day``). These are market-wide series (``per_asset=False``).
"""

from __future__ import annotations

from derivintel.sources.declarations import Endpoint, Provider, RateLimit

PROVIDER = Provider(
    name="cryptoquant",
    base_url="https://api.cryptoquant.com",
    rate_limit=RateLimit(requests_per_s=1.0, burst=4, max_concurrent=2),
    doc_url="https://cryptoquant.com/docs",
)

AUTH_HEADER = "Authorization"
AUTH_TEMPLATE = "Bearer {key}"
KEY_ENV: tuple[str, ...] = ("DERIVINTEL_CRYPTOQUANT_KEY", "CRYPTOQUANT_API_KEY")

LIMIT = "90"  # days

# dataset → (macro series name, unit, value field)
SERIES: dict[str, tuple[str, str, str]] = {
    "btc-exchange-netflow": ("exchange_netflow_btc", "btc", "netflow_total"),
    # Stablecoin amounts are token units; all tracked tokens are USD stablecoins (1 token ≈ 1 USD).
    "stablecoin-exchange-netflow": ("stablecoin_exchange_netflow_usd", "usd", "netflow_total"),
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "cryptoquant",
        "btc-exchange-netflow",
        "/v1/btc/exchange-flows/netflow",
        {"exchange": "all_exchange", "window": "day", "limit": LIMIT},
        per_asset=False,
        kind="macro",
        units="netflow_total = inflow − outflow of BTC to all exchanges per UTC day, BTC (positive = into exchanges)",
        fixture="btc-exchange-netflow.json",
    ),
    Endpoint(
        "cryptoquant",
        "stablecoin-exchange-netflow",
        "/v1/stablecoin/exchange-flows/netflow",
        {"token": "all_token", "exchange": "all_exchange", "window": "day", "limit": LIMIT},
        per_asset=False,
        kind="macro",
        units="netflow_total of all USD stablecoins to all exchanges per UTC day, token units ≈ USD",
        fixture="stablecoin-exchange-netflow.json",
    ),
)
