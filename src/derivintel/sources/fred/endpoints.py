"""FRED graph CSV (keyless), as data. One endpoint per series; ``"."`` marks a missing day.

Docs: https://fred.stlouisfed.org/docs/api/fred/ (the graph CSV at /graph/fredgraph.csv needs no key).
"""

from __future__ import annotations

from derivintel.sources.declarations import Endpoint, Provider, RateLimit

PROVIDER = Provider(
    name="fred",
    base_url="https://fred.stlouisfed.org",
    rate_limit=RateLimit(requests_per_s=2.0, burst=4, max_concurrent=2),
    doc_url="https://fred.stlouisfed.org/",
)

# FRED series id → (canonical macro name, unit). DTWEXBGS is the broad trade-weighted dollar, not ICE DXY.
SERIES: dict[str, tuple[str, str]] = {
    "VIXCLS": ("vix", "index_points"),
    "NASDAQCOM": ("nasdaq", "index_points"),
    "DCOILWTICO": ("wti", "usd_per_barrel"),
    "DTWEXBGS": ("dxy", "index_points"),
}

ENDPOINTS: tuple[Endpoint, ...] = tuple(
    Endpoint(
        "fred",
        series,
        "/graph/fredgraph.csv",
        {"id": series},
        per_asset=False,
        kind="macro",
        units=f"CSV observation_date,{series}; daily; '.' = missing; one business day behind",
        fixture=f"{series}.csv",
    )
    for series in SERIES
)
