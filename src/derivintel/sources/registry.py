"""Registry: every provider and endpoint this package knows (the capability list), and request planning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from derivintel.core.timeutil import to_ms
from derivintel.sources.binance import endpoints as binance
from derivintel.sources.bybit import endpoints as bybit
from derivintel.sources.coingecko import endpoints as coingecko
from derivintel.sources.coinglass import endpoints as coinglass
from derivintel.sources.config import SourceConfig
from derivintel.sources.cryptoquant import endpoints as cryptoquant
from derivintel.sources.declarations import Endpoint, Provider, fill
from derivintel.sources.defillama import endpoints as defillama
from derivintel.sources.deribit import endpoints as deribit
from derivintel.sources.fred import endpoints as fred
from derivintel.sources.http import RequestSpec
from derivintel.sources.hyperliquid import endpoints as hyperliquid
from derivintel.sources.okx import endpoints as okx

PROVIDERS: Mapping[str, Provider] = {
    p.name: p
    for p in (
        binance.USDM,
        binance.SPOT,
        bybit.PROVIDER,
        okx.PROVIDER,
        hyperliquid.PROVIDER,
        deribit.PROVIDER,
        coingecko.PROVIDER,
        defillama.PROVIDER,
        fred.PROVIDER,
    )
}
# Keyed providers: asked only when a key is configured (``SourceConfig.api_keys``); kept out of ``PROVIDERS`` /
# ``ENDPOINTS`` (the keyless snapshot plan) and added by ``plan`` for the providers with a key.
KEYED_PROVIDERS: Mapping[str, Provider] = {p.name: p for p in (coinglass.PROVIDER, cryptoquant.PROVIDER)}
ALL_PROVIDERS: Mapping[str, Provider] = {**PROVIDERS, **KEYED_PROVIDERS}
# Venue package (tests/fixtures/<venue>/) of each provider.
FIXTURE_DIR: Mapping[str, str] = {name: name.split("-")[0] for name in ALL_PROVIDERS}

ENDPOINTS: tuple[Endpoint, ...] = (
    *binance.ENDPOINTS,
    *bybit.ENDPOINTS,
    *okx.ENDPOINTS,
    *hyperliquid.ENDPOINTS,
    *deribit.ENDPOINTS,
    *coingecko.ENDPOINTS,
    *defillama.ENDPOINTS,
    *fred.ENDPOINTS,
)

KEYED_ENDPOINTS: tuple[Endpoint, ...] = (*coinglass.ENDPOINTS, *cryptoquant.ENDPOINTS)

# Keyed providers: the environment variables that may hold the key (first non-empty wins).
KEY_ENV: Mapping[str, tuple[str, ...]] = {"coinglass": coinglass.KEY_ENV, "cryptoquant": cryptoquant.KEY_ENV}
# Keyed providers: the env var named in "set ... to enable" messages. No keyless source exists for their data.
KEYED_SOURCES: Mapping[str, str] = {name: names[-1] for name, names in KEY_ENV.items()}
# How each keyed provider carries its key: (header name, value template with ``{key}``).
AUTH: Mapping[str, tuple[str, str]] = {
    "coinglass": (coinglass.AUTH_HEADER, coinglass.AUTH_TEMPLATE),
    "cryptoquant": (cryptoquant.AUTH_HEADER, cryptoquant.AUTH_TEMPLATE),
}

RequestKey = tuple[str, str, str | None]  # (provider, dataset, asset or None for market-wide data)


def endpoint(provider: str, dataset: str) -> Endpoint:
    """The declaration of ``provider/dataset`` (keyless or keyed); ``KeyError`` if unknown."""
    for ep in (*ENDPOINTS, *KEYED_ENDPOINTS):
        if ep.provider == provider and ep.dataset == dataset:
            return ep
    raise KeyError(f"unknown endpoint {provider}/{dataset}")


def expected_keys(
    assets: Sequence[str], *, disabled: Iterable[str] = (), keyed: Iterable[str] = ()
) -> list[RequestKey]:
    """Every (provider, dataset, asset) a snapshot of ``assets`` asks for, market-wide data once; endpoints of
    the keyed providers named in ``keyed`` (those with a key) are appended."""
    off = set(disabled)
    on = set(keyed) - off
    keys: list[RequestKey] = []
    for ep in (*ENDPOINTS, *(e for e in KEYED_ENDPOINTS if e.provider in on)):
        if ep.provider in off:
            continue
        if not ep.per_asset:
            keys.append((ep.provider, ep.dataset, None))
        else:
            keys.extend((ep.provider, ep.dataset, a) for a in assets if ep.applies_to(a))
    return keys


def build_request(key: RequestKey, config: SourceConfig, *, end: datetime) -> RequestSpec:
    """Fill the endpoint templates of ``key`` into a concrete request (times relative to ``end``)."""
    provider_name, dataset, asset = key
    ep = endpoint(provider_name, dataset)
    provider = ALL_PROVIDERS[provider_name]
    end_ms = to_ms(end)
    values = {
        "start_ms": str(end_ms - ep.lookback_hours * 3_600_000),
        "end_ms": str(end_ms),
    }
    if asset is not None:
        values |= {
            "asset": asset,
            "asset_lower": asset.lower(),
            "symbol": provider.symbol(asset),
            "coin": provider.coin(asset),
        }
    params = tuple((k, str(fill(v, values))) for k, v in ep.params.items())
    body = fill(dict(ep.body), values) if ep.body is not None else None
    url = config.base_url(provider_name, provider.base_url) + ep.path
    return RequestSpec(
        provider=provider_name,
        dataset=dataset,
        asset=asset,
        method=ep.method,
        url=url,
        params=params,
        json_body=body,
    )


def plan(assets: Sequence[str], config: SourceConfig, *, end: datetime, keyed: Iterable[str] = ()) -> list[RequestSpec]:
    """All requests for a snapshot of ``assets`` (providers in ``config.disabled`` left out; keyed providers only
    when named in ``keyed``). Keys never enter a ``RequestSpec``: they are added by the client's auth."""
    keys = expected_keys(assets, disabled=config.disabled, keyed=keyed)
    return [build_request(k, config, end=end) for k in keys]
