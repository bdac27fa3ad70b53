"""Keyed providers: which keys are in effect, how they ride on requests, and how they are kept out of records.

A key lives only in outgoing request headers (``KeyAuth``): never in a ``RequestSpec``, a ``RawResponse`` (see
``redact_response``) or an error message.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import replace

import httpx

from derivintel.core.provenance import Gap, GapKind
from derivintel.sources import registry
from derivintel.sources.config import Secret, SourceConfig, keys_from_env, redact, redact_bytes
from derivintel.sources.wire import RawResponse


def keyed_source_gaps(env: Mapping[str, str], *, covered: Iterable[str] = ()) -> list[Gap]:
    """Gaps of the keyed providers NOT in ``covered`` (those whose data was asked for): NOT_CONFIGURED without
    their key env var; with a key but not asked for (no connector in use), NOT_COVERED."""
    gaps = []
    done = set(covered)
    for name, var in registry.KEYED_SOURCES.items():
        if name in done:
            continue
        if any(env.get(v) for v in registry.KEY_ENV[name]):
            gaps.append(Gap(name, "all", GapKind.NOT_COVERED, f"{var} is set but no {name} connector is implemented"))
        else:
            gaps.append(Gap(name, "all", GapKind.NOT_CONFIGURED, f"keyed source; set {var} to enable"))
    return gaps


def effective_keys(config: SourceConfig, env: Mapping[str, str]) -> dict[str, Secret]:
    """Keys of the keyed providers: ``config.api_keys`` first, else their environment variables."""
    return {**keys_from_env(registry.KEY_ENV, env), **config.api_keys}


class KeyAuth(httpx.Auth):
    """Adds each keyed provider's auth header to requests under its base URL. The key lives only in the outgoing
    request headers: never in a ``RequestSpec``, a ``RawResponse`` or an error message."""

    def __init__(self, routes: Sequence[tuple[str, str, str, Secret]]) -> None:
        self._routes = tuple(routes)  # (base url, header, template, key)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = str(request.url)
        for base, header, template, key in self._routes:
            if url.startswith(base + "/") or url == base:
                request.headers[header] = template.format(key=key.reveal())
                break
        yield request


def key_auth(config: SourceConfig, keys: Mapping[str, Secret]) -> KeyAuth:
    """``KeyAuth`` for the keyed providers in ``keys`` at their configured base URLs."""
    routes = []
    for name, key in keys.items():
        if name in registry.KEYED_PROVIDERS:
            header, template = registry.AUTH[name]
            routes.append((config.base_url(name, registry.KEYED_PROVIDERS[name].base_url), header, template, key))
    return KeyAuth(routes)


def redact_response(raw: RawResponse, secrets: Sequence[Secret]) -> RawResponse:
    """``raw`` with every secret removed from its URL, params, headers and body (a server may echo a key)."""
    if not secrets:
        return raw
    return replace(
        raw,
        url=redact(raw.url, secrets),
        params={k: redact(v, secrets) for k, v in raw.params.items()},
        headers={k: redact(v, secrets) for k, v in raw.headers.items()},
        body=redact_bytes(raw.body, secrets),
        request_body=None if raw.request_body is None else redact_bytes(raw.request_body, secrets),
    )
