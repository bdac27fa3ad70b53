"""Request planning: fill the registry's endpoint declarations into concrete ``RequestSpec``s for one fetch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from derivintel.core.timeutil import to_ms
from derivintel.domain.universe import Universe
from derivintel.sources.config import SourceConfig
from derivintel.sources.declarations import fill, venue_symbol
from derivintel.sources.registry import ALL_PROVIDERS, RequestKey, endpoint, expected_keys
from derivintel.sources.wire import RequestSpec


def build_request(
    key: RequestKey, config: SourceConfig, *, end: datetime, universe: Universe | None = None
) -> RequestSpec:
    """Fill the endpoint templates of ``key`` into a concrete request (times relative to ``end``); the venue symbol
    comes from ``universe`` when it lists the asset there, else from the provider's template."""
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
            "symbol": venue_symbol(provider, asset, universe),
            "coin": provider.coin(asset),
        }
    params = tuple((k, str(fill(v, values))) for k, v in ep.params.items())
    body = fill(dict(ep.body), values) if ep.body is not None else None
    url = config.base_url(provider_name, provider.base_url) + fill(ep.path, values)  # path templates: {symbol}
    return RequestSpec(
        provider=provider_name,
        dataset=dataset,
        asset=asset,
        method=ep.method,
        url=url,
        params=params,
        json_body=body,
    )


def plan(
    assets: Sequence[str],
    config: SourceConfig,
    *,
    end: datetime,
    keyed: Iterable[str] = (),
    universe: Universe | None = None,
) -> list[RequestSpec]:
    """All requests for a snapshot of ``assets`` (providers in ``config.disabled`` left out; keyed providers only
    when named in ``keyed``; a venue whose instrument list lacks the asset left out, see ``Universe.skip_reason``).
    Keys never enter a ``RequestSpec``: they are added by the client's auth."""
    keys = expected_keys(assets, disabled=config.disabled, keyed=keyed)
    if universe is not None:
        keys = [k for k in keys if k[2] is None or universe.skip_reason(k[0], k[2]) is None]
    return [build_request(k, config, end=end, universe=universe) for k in keys]
