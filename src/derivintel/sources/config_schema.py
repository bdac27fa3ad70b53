"""The schema of the source config file (``--config sources.toml``), validated with pydantic before use.

Every problem is reported in ONE line naming the key, what was expected and the value found, e.g.
``timeout_s: expected a number, got 'ten'`` or ``disabled: expected a list of provider names, got 'okx'``. Types are
strict (a string is never split into characters, ``"10"`` is not a number); ranges are bounded (a 0 s timeout or
10,000 retries is an error); provider names must be known (``base_urls``, ``disabled``, ``api_keys``); base URLs
must be absolute ``http(s)://host[...]`` URLs. API keys are never echoed in a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from derivintel.core.errors import UserInputError
from derivintel.sources.registry import ALL_PROVIDERS, KEY_ENV

_SECRET_KEYS = ("api_keys",)


def check_url(key: str, value: str) -> str:
    """``value`` when it is an absolute http(s) URL with a host; ``ValueError`` otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value.strip():
        raise ValueError(f"expected an http(s)://host URL for {key}, got {value!r}")
    return value.strip()


class SourceConfigFile(BaseModel):
    """The ``[sources]`` table (or top-level keys) of the config file. Units: seconds; rates are multipliers."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    base_urls: dict[str, str] = Field(default_factory=dict)
    timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    max_retries: Annotated[int, Field(ge=0, le=20)] = 3
    backoff_base_s: Annotated[float, Field(ge=0, le=60)] = 0.5
    backoff_max_s: Annotated[float, Field(ge=0, le=600)] = 8.0
    retry_after_cap_s: Annotated[float, Field(ge=0, le=3600)] = 30.0
    connect_retries: Annotated[int, Field(ge=0, le=20)] = 1
    total_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 25.0
    disabled: list[str] = Field(default_factory=list)
    rate_limit_scale: Annotated[float, Field(gt=0, le=1e6)] = 1.0
    user_agent: Annotated[str, Field(min_length=1, max_length=300)] = "derivintel (+https://github.com/derivintel)"
    api_keys: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)

    @field_validator("base_urls")
    @classmethod
    def _urls(cls, v: dict[str, str]) -> dict[str, str]:
        _known(v, "base_urls", _providers())
        return {name: check_url(f"base_urls.{name}", url) for name, url in v.items()}

    @field_validator("disabled")
    @classmethod
    def _disabled(cls, v: list[str]) -> list[str]:
        _known(v, "disabled", _providers())
        return v

    @field_validator("api_keys")
    @classmethod
    def _keys(cls, v: dict[str, str]) -> dict[str, str]:
        _known(v, "api_keys", sorted(KEY_ENV))
        return v


def _providers() -> list[str]:
    return sorted(ALL_PROVIDERS)


def _known(names: Iterable[str], key: str, known: list[str]) -> None:
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown provider(s) {', '.join(map(repr, unknown))} in {key}; known: {', '.join(known)}")


_EXPECTED = {
    "float_type": "a number",
    "int_type": "an integer",
    "string_type": "a string",
    "list_type": "a list of provider names",
    "dict_type": "a table",
    "bool_type": "true or false",
}


def _describe(err: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ())) or "config"
    kind = str(err.get("type", ""))
    secret = any(str(p) in _SECRET_KEYS for p in err.get("loc", ()))
    got = "" if secret else f", got {err.get('input')!r}"
    if kind in _EXPECTED:
        return f"{loc}: expected {_EXPECTED[kind]}{got}"
    if kind == "value_error":  # our validators name the offending value themselves
        return f"{loc}: {str(err.get('msg', '')).removeprefix('Value error, ')}"
    msg = str(err.get("msg", "invalid")).replace("Input should be ", "expected ").replace("String should", "expected")
    return f"{loc}: {msg}{got}"


def validate_config(data: Mapping[str, Any], *, origin: str) -> SourceConfigFile:
    """Validate the mapping read from ``origin`` (a file name, or ``environment``); ``UserInputError`` in one line
    listing every problem (unknown keys first)."""
    try:
        return SourceConfigFile.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors()
        unknown = [str(e["loc"][0]) for e in errors if e.get("type") == "extra_forbidden" and len(e["loc"]) == 1]
        problems = [_describe(e) for e in errors if not (e.get("type") == "extra_forbidden" and len(e["loc"]) == 1)]
        if unknown:
            known = ", ".join(SourceConfigFile.model_fields)
            problems.insert(0, f"unknown keys {sorted(unknown)}; known: {known}")
        raise UserInputError(f"source config {origin}: {'; '.join(problems)}") from exc
