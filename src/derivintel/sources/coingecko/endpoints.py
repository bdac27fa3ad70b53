"""CoinGecko (keyless public API): market-wide data, as data. Docs: https://docs.coingecko.com/v3.0.1/reference/crypto-global"""

from __future__ import annotations

from derivintel.sources.declarations import Endpoint, Provider, RateLimit

PROVIDER = Provider(
    name="coingecko",
    base_url="https://api.coingecko.com/api/v3",
    # Keyless public plan: roughly 5-15 calls per minute.
    rate_limit=RateLimit(requests_per_s=0.2, burst=3, max_concurrent=1),
    doc_url="https://docs.coingecko.com/v3.0.1/reference/crypto-global",
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "coingecko",
        "global",
        "/global",
        per_asset=False,
        kind="macro",
        units="data.market_cap_percentage.btc in PERCENT; updated_at epoch seconds (refreshed ~10 min)",
    ),
)
