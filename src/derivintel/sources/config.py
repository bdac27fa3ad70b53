"""``SourceConfig``: base URLs, timeouts, retries and backoff, loadable from TOML and ``DERIVINTEL_<VENUE>_URL``;
API keys of the keyed providers (``Secret``: never shown by ``repr``/``str``) and their redaction."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from derivintel.core.errors import UserInputError
from derivintel.sources.registry import ALL_PROVIDERS, KEY_ENV


def env_key(provider: str) -> str:
    """``binance-usdm`` → ``DERIVINTEL_BINANCE_USDM_URL``."""
    return "DERIVINTEL_" + provider.upper().replace("-", "_") + "_URL"


REDACTED = "<redacted>"


@dataclass(frozen=True, slots=True)
class Secret:
    """An API key. ``repr``/``str`` never show it; only ``reveal()`` does (when building the auth header)."""

    _value: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self._value, str) or not self._value.strip():
            raise UserInputError("an API key must be a non-empty string")
        object.__setattr__(self, "_value", self._value.strip())

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    __str__ = __repr__


def redact(text: str, secrets: Iterable[Secret]) -> str:
    """``text`` with every occurrence of every secret replaced by ``<redacted>``."""
    for secret in secrets:
        text = text.replace(secret.reveal(), REDACTED)
    return text


def redact_bytes(data: bytes, secrets: Iterable[Secret]) -> bytes:
    """``data`` with every occurrence (UTF-8) of every secret replaced by ``<redacted>``."""
    for secret in secrets:
        data = data.replace(secret.reveal().encode("utf-8"), REDACTED.encode("utf-8"))
    return data


def keys_from_env(key_env: Mapping[str, tuple[str, ...]], env: Mapping[str, str]) -> dict[str, Secret]:
    """``{provider: Secret}`` from the first non-empty environment variable of each provider's list."""
    out: dict[str, Secret] = {}
    for provider, names in key_env.items():
        value = next((env[n] for n in names if env.get(n, "").strip()), None)
        if value is not None:
            out[provider] = Secret(value)
    return out


@dataclass(frozen=True)
class SourceConfig:
    """How the fetch layer talks to providers.

    ``base_urls`` overrides the declared base URL per provider (``{"bybit": "http://127.0.0.1:8000/bybit"}``).
    ``timeout_s`` is per request; a request is tried ``1 + max_retries`` times on timeouts, 429 and 5xx, waiting
    ``min(backoff_max_s, backoff_base_s · 2^attempt) · U(0.5, 1)`` or the server's ``Retry-After`` (capped at
    ``retry_after_cap_s``). Connection failures (DNS, refused) are retried at most ``connect_retries`` times: they
    rarely heal within seconds. ``total_timeout_s`` bounds the whole fetch phase: requests still pending then are
    cancelled and reported as gaps. ``disabled`` providers are skipped (reported as gaps). ``rate_limit_scale``
    multiplies every declared request rate (tests use a large value). ``api_keys`` holds the keys of keyed
    providers (``{"coinglass": Secret(...)}``; plain strings are wrapped); they are excluded from ``repr``.
    """

    base_urls: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 10.0
    max_retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    retry_after_cap_s: float = 30.0
    connect_retries: int = 1
    total_timeout_s: float = 25.0
    disabled: frozenset[str] = frozenset()
    rate_limit_scale: float = 1.0
    user_agent: str = "derivintel (+https://github.com/derivintel)"
    api_keys: Mapping[str, Secret] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_urls", MappingProxyType(dict(self.base_urls)))
        keys = {k: v if isinstance(v, Secret) else Secret(v) for k, v in self.api_keys.items()}
        object.__setattr__(self, "api_keys", MappingProxyType(keys))
        object.__setattr__(self, "disabled", frozenset(self.disabled))
        if self.timeout_s <= 0 or self.max_retries < 0 or self.backoff_base_s < 0 or self.rate_limit_scale <= 0:
            raise UserInputError("source config: timeout_s, rate_limit_scale must be > 0; retries, backoff >= 0")

    def base_url(self, provider: str, default: str) -> str:
        """Configured base URL for ``provider`` (without trailing slash), else ``default``."""
        return self.base_urls.get(provider, default).rstrip("/")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, origin: str = "(mapping)") -> SourceConfig:
        """Build from a mapping shaped like the TOML file, validated by ``config_schema.SourceConfigFile`` (types,
        ranges, known providers, URLs; unknown keys are an error; one-line ``UserInputError`` naming each key)."""
        from derivintel.sources.config_schema import validate_config

        valid = validate_config(data, origin=origin)
        kwargs = {f.name: getattr(valid, f.name) for f in fields(cls) if f.name in data}
        if "disabled" in kwargs:
            kwargs["disabled"] = frozenset(kwargs["disabled"])
        return cls(**kwargs)

    @classmethod
    def load(cls, path: str | Path | None = None, env: Mapping[str, str] | None = None) -> SourceConfig:
        """Read ``path`` (TOML; a ``[sources]`` table or top-level keys), then apply ``DERIVINTEL_<VENUE>_URL``
        environment overrides for every known provider, and the keyed providers' key variables (``registry.KEY_ENV``,
        e.g. ``DERIVINTEL_COINGLASS_KEY`` or ``COINGLASS_API_KEY``) over the file's ``[sources.api_keys]``."""
        from derivintel.sources.config_schema import check_url

        data: dict[str, Any] = {}
        if path is not None:
            try:
                raw = tomllib.loads(Path(path).read_bytes().decode("utf-8"))
            except OSError as exc:
                raise UserInputError(f"cannot read source config {path}: {exc.strerror or exc}") from exc
            except UnicodeDecodeError as exc:
                raise UserInputError(f"cannot read source config {path}: not UTF-8 text (byte {exc.start})") from exc
            except tomllib.TOMLDecodeError as exc:
                raise UserInputError(f"cannot read source config {path}: not TOML ({exc})") from exc
            sources = raw.get("sources", raw)
            if not isinstance(sources, dict):
                raise UserInputError(f"source config {path}: sources: expected a table, got {sources!r}")
            data = dict(sources)
        config = cls.from_mapping(data, origin=str(path) if path is not None else "(defaults)")
        env = os.environ if env is None else env
        urls = dict(config.base_urls)
        for name in ALL_PROVIDERS:
            if env.get(env_key(name)):
                try:
                    urls[name] = check_url(env_key(name), env[env_key(name)])
                except ValueError as exc:
                    raise UserInputError(f"environment {env_key(name)}: {exc}") from exc
        keys = {**config.api_keys, **keys_from_env(KEY_ENV, env)}
        return replace(config, base_urls=urls, api_keys=keys)
