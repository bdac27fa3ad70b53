"""Venue quirks as data: providers, endpoints, rate limits (declared per venue in ``<venue>/endpoints.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from derivintel.core.errors import SourceError

if TYPE_CHECKING:
    from derivintel.domain.universe import Universe

# An error envelope sits at the start of a venue's answer; reading the head only keeps a multi-megabyte body from
# being decoded twice (its parser decodes it once, with the venue's own error wording).
ERROR_HEAD_BYTES = 512


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Client-side limits for one provider: a token bucket (``requests_per_s`` refill, ``burst`` capacity)
    and at most ``max_concurrent`` requests in flight."""

    requests_per_s: float
    burst: int
    max_concurrent: int


@dataclass(frozen=True, slots=True)
class ErrorCodes:
    """A venue's own error codes → error classes (the model is ccxt's ``exceptions["exact"]``).

    ``field`` names the envelope key holding the code (``retCode``, ``code``; for Deribit the ``code`` inside
    ``error``); ``exact`` maps the code, as text, to the ``SourceError`` subclass it means. The fetch layer retries
    a ``RetryableSourceError`` code even under HTTP 200/400 and raises any other class at once.
    """

    field: str
    exact: Mapping[str, type[SourceError]]

    def classify(self, body: bytes) -> tuple[str, type[SourceError]] | None:
        """``(code, error class)`` when the head of ``body`` carries a code of the table, else None."""
        head = body[:ERROR_HEAD_BYTES].decode("utf-8", "replace")
        match = re.search(rf'"{re.escape(self.field)}"\s*:\s*"?(-?\w+)"?', head)
        if match is None or match[1] not in self.exact:
            return None
        return match[1], self.exact[match[1]]


@dataclass(frozen=True, slots=True)
class Provider:
    """One provider (venue or data vendor): default base URL, limits and symbol formats.

    ``symbol_template`` turns an asset into the venue symbol (``{asset}USDT``); ``coin_template`` into the
    venue's coin/currency parameter. ``funding_interval_hours`` is the default funding interval (None for
    non-perp providers). ``error_codes`` maps the venue's own error codes to error classes (Bybit ``retCode``
    10006, OKX ``code`` 50011, Deribit error 10028: rate limited, retry even under HTTP 200/400).
    """

    name: str
    base_url: str
    rate_limit: RateLimit
    symbol_template: str = "{asset}"
    coin_template: str = "{asset}"
    funding_interval_hours: float | None = None
    doc_url: str = ""
    error_codes: ErrorCodes | None = None

    def symbol(self, asset: str) -> str:
        return self.symbol_template.format(asset=asset)

    def coin(self, asset: str) -> str:
        return self.coin_template.format(asset=asset)


@dataclass(frozen=True, slots=True)
class Pages:
    """A snapshot dataset fetched in several pages (declared in the venue's folder, driven by ``sources/live.py``).

    ``next_params(body, params)`` reads one page and returns the params of the next request, or None when the
    window is complete; at most ``max_pages`` requests are sent (the declared limit: the parser then states that
    the record stops short). A failed page makes the whole dataset a gap.
    """

    max_pages: int
    next_params: Callable[[bytes, Mapping[str, str]], Mapping[str, str] | None] = field(compare=False)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One (provider, dataset) request, declared as data.

    ``params`` and ``body`` values may hold templates: ``{symbol}``, ``{coin}``, ``{asset}``, ``{asset_lower}``,
    ``{start_ms}``, ``{end_ms}`` (filled at request time). Literal values are also the route keys the fake
    server matches on. ``per_asset`` is False for market-wide data (macro). ``assets`` restricts the assets
    the endpoint exists for (options: BTC, ETH). ``units`` documents what the payload's numbers mean.
    ``lookback_hours`` sets ``{start_ms}`` = end − lookback. ``pages``: fetched page by page (``Pages``).
    """

    provider: str
    dataset: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    method: str = "GET"
    body: Mapping[str, Any] | None = None
    per_asset: bool = True
    assets: frozenset[str] | None = None
    kind: str = "price"
    units: str = ""
    lookback_hours: int = 0
    fixture: str = ""
    pages: Pages | None = None

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.dataset}"

    @property
    def fixture_name(self) -> str:
        """File name of the recorded payload under ``tests/fixtures/<venue>/``."""
        return self.fixture or f"{self.dataset}.json"

    def applies_to(self, asset: str | None) -> bool:
        if not self.per_asset:
            return asset is None
        return asset is not None and (self.assets is None or asset in self.assets)


def fill(template: Any, values: Mapping[str, str]) -> Any:
    """Fill ``{name}`` templates inside strings, dicts and lists; numbers pass through."""
    if isinstance(template, str):
        if template.startswith("{") and template.endswith("}") and template[1:-1] in values:
            raw = values[template[1:-1]]
            return int(raw) if template[1:-1] in ("start_ms", "end_ms") else raw
        return template.format(**values) if "{" in template else template
    if isinstance(template, Mapping):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list | tuple):
        return [fill(v, values) for v in template]
    return template


def literal_items(template: Mapping[str, Any] | None) -> dict[str, Any]:
    """The template entries without placeholders (flattened one level for nested bodies): the route key."""
    out: dict[str, Any] = {}
    for key, value in (template or {}).items():
        if isinstance(value, Mapping):
            for sub, inner in literal_items(value).items():
                out[f"{key}.{sub}"] = inner
        elif not (isinstance(value, str) and "{" in value):
            out[key] = value
    return out


HOUR_MS = 3_600_000
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Paging:
    """How one history dataset pages, and how its pages parse (declared per venue in ``<venue>/history.py``).

    ``page_size`` rows per request at most ``min_step_ms`` apart give the window width. ``lo_param``/``hi_param``
    carry the window bounds; ``exclusive`` bounds (OKX ``before``/``after``) are sent as ``lo − 1`` / ``hi + 1``.
    ``max_age_ms`` clamps the start (Binance keeps OI history for 30 days only). ``parser(asset, interval_h)``
    returns the page parser (``RawResponse → series``); ``interval_h`` is what ``needs`` read (None without).
    ``needs`` names a prerequisite fetched once per provider (Binance funding needs ``fundingInfo``); if it fails,
    this dataset is a gap of the same kind. ``intervals_h`` are the funding intervals the venue uses (hours).
    """

    provider: str
    dataset: str
    page_size: int
    min_step_ms: int
    lo_param: str
    hi_param: str
    exclusive: bool = False
    max_age_ms: int | None = None
    parser: Callable[[str, float | None], Callable[[Any], Any]] | None = field(default=None, compare=False)
    needs: Prerequisite | None = None
    intervals_h: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)

    @property
    def window_ms(self) -> int:
        return self.page_size * self.min_step_ms


@dataclass(frozen=True, slots=True)
class Prerequisite:
    """A keyless market-wide request a history dataset cannot be parsed without: ``dataset`` of the same provider,
    read by ``interval_h(body, asset)`` into the funding interval in hours (None when the venue does not say)."""

    dataset: str
    interval_h: Callable[[bytes, str], float | None] = field(compare=False)


@dataclass(frozen=True, slots=True)
class InstrumentList:
    """A venue's instrument list (the universe of its USD-margined perps): the market-wide ``endpoint`` and its pure
    ``parser(body, ts_recv) → tuple[Listing, ...]`` (declared per venue, listed in ``registry.INSTRUMENT_LISTS``)."""

    endpoint: Endpoint
    parser: Callable[..., tuple[Any, ...]] = field(compare=False)


def venue_symbol(provider: Provider, asset: str, universe: Universe | None) -> str:
    """``asset``'s instrument name on ``provider``: the universe's listing when there is one, else the provider's
    declared symbol template (``{asset}USDT``)."""
    item = None if universe is None else universe.listing(provider.name, asset)
    return provider.symbol(asset) if item is None else item.symbol


@dataclass(frozen=True, slots=True)
class TardisMarket:
    """How the Tardis.dev CSVs of one exchange's perpetuals are read, declared in the venue's folder
    (``sources/<venue>/tardis.py``, gathered by ``sources.tardis.markets``): ``exchange`` as Tardis names it, the
    ``venue`` id the collectors store, the ``symbol`` pattern (group 1 = the coin), whether OI and amounts are USD
    (inverse contracts; coins = USD ÷ price) rather than coins, whether its ``funding_rate`` is imported, and the
    funding interval in hours used when a file holds a single funding time."""

    exchange: str
    venue: str
    symbol: re.Pattern[str]
    usd_amounts: bool
    funding: bool
    default_funding_hours: float = 8.0
