"""``SourceConfig``: base URLs, timeouts, retries and backoff, loadable from TOML and ``DERIVINTEL_<VENUE>_URL``."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from derivintel.core.errors import UserInputError


def env_key(provider: str) -> str:
    """``binance-usdm`` → ``DERIVINTEL_BINANCE_USDM_URL``."""
    return "DERIVINTEL_" + provider.upper().replace("-", "_") + "_URL"


@dataclass(frozen=True)
class SourceConfig:
    """How the fetch layer talks to providers.

    ``base_urls`` overrides the declared base URL per provider (``{"bybit": "http://127.0.0.1:8000/bybit"}``).
    ``timeout_s`` is per request; a request is tried ``1 + max_retries`` times on timeouts, 429 and 5xx, waiting
    ``min(backoff_max_s, backoff_base_s · 2^attempt) · U(0.5, 1)`` or the server's ``Retry-After`` (capped at
    ``retry_after_cap_s``). Connection failures (DNS, refused) are retried at most ``connect_retries`` times: they
    rarely heal within seconds. ``total_timeout_s`` bounds the whole fetch phase: requests still pending then are
    cancelled and reported as gaps. ``disabled`` providers are skipped (reported as gaps). ``rate_limit_scale``
    multiplies every declared request rate (tests use a large value).
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_urls", MappingProxyType(dict(self.base_urls)))
        object.__setattr__(self, "disabled", frozenset(self.disabled))
        if self.timeout_s <= 0 or self.max_retries < 0 or self.backoff_base_s < 0 or self.rate_limit_scale <= 0:
            raise UserInputError("source config: timeout_s, rate_limit_scale must be > 0; retries, backoff >= 0")

    def base_url(self, provider: str, default: str) -> str:
        """Configured base URL for ``provider`` (without trailing slash), else ``default``."""
        return self.base_urls.get(provider, default).rstrip("/")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SourceConfig:
        """Build from a mapping shaped like the TOML file (unknown keys are an error)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise UserInputError(f"source config: unknown keys {sorted(unknown)}; known: {sorted(known)}")
        kwargs = dict(data)
        if "disabled" in kwargs:
            kwargs["disabled"] = frozenset(kwargs["disabled"])
        return cls(**kwargs)

    @classmethod
    def load(cls, path: str | Path | None = None, env: Mapping[str, str] | None = None) -> SourceConfig:
        """Read ``path`` (TOML; a ``[sources]`` table or top-level keys), then apply ``DERIVINTEL_<VENUE>_URL``
        environment overrides for every known provider."""
        from derivintel.sources.registry import PROVIDERS  # registry imports this module

        data: dict[str, Any] = {}
        if path is not None:
            try:
                raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise UserInputError(f"cannot read source config {path}: {exc}") from exc
            data = dict(raw.get("sources", raw))
        config = cls.from_mapping(data)
        env = os.environ if env is None else env
        urls = dict(config.base_urls)
        for name in PROVIDERS:
            if env.get(env_key(name)):
                urls[name] = env[env_key(name)]
        return replace(config, base_urls=urls)
