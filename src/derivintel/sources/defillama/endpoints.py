"""DefiLlama stablecoins API (keyless), as data. Docs: https://api-docs.defillama.com/#tag/stablecoins"""

from __future__ import annotations

from derivintel.sources.declarations import Endpoint, Provider, RateLimit

PROVIDER = Provider(
    name="defillama",
    base_url="https://stablecoins.llama.fi",
    rate_limit=RateLimit(requests_per_s=1.0, burst=3, max_concurrent=2),
    doc_url="https://api-docs.defillama.com/#tag/stablecoins/get/stablecoincharts/all",
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "defillama",
        "stablecoincharts",
        "/stablecoincharts/all",
        per_asset=False,
        kind="macro",
        units="daily rows {date: epoch seconds (string), totalCirculatingUSD: {peggedUSD: USD, …}}",
    ),
)
