"""Live snapshot: fetch every keyless endpoint concurrently, parse, and assemble a ``MarketSnapshot`` with gaps.

``fetch_snapshot`` does the I/O; ``build_snapshot_from_raw`` is the pure assembly from recorded responses, used
both live and for replay of an archive (``sources.archive``), so a replay gives the same snapshot.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from derivintel.core.errors import BlockedSourceError, NoPriceSourceError, SourceError
from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.assets import normalise_asset
from derivintel.domain.macro import MacroSeries
from derivintel.domain.options import OptionChain
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortSeries,
    OpenInterestSeries,
    TakerVolumeSeries,
)
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.sources import registry
from derivintel.sources.binance import endpoints as binance_ep
from derivintel.sources.binance import parse as binance
from derivintel.sources.bybit import endpoints as bybit_ep
from derivintel.sources.bybit import parse as bybit
from derivintel.sources.coingecko import parse as coingecko
from derivintel.sources.coinglass import endpoints as coinglass_ep
from derivintel.sources.coinglass import parse as coinglass
from derivintel.sources.config import Secret, SourceConfig, keys_from_env, redact, redact_bytes
from derivintel.sources.cryptoquant import endpoints as cryptoquant_ep
from derivintel.sources.cryptoquant import parse as cryptoquant
from derivintel.sources.defillama import parse as defillama
from derivintel.sources.deribit import parse as deribit
from derivintel.sources.fred import endpoints as fred_ep
from derivintel.sources.fred import parse as fred
from derivintel.sources.http import HttpFetcher, RawResponse, RequestSpec
from derivintel.sources.hyperliquid import endpoints as hyperliquid_ep
from derivintel.sources.hyperliquid import parse as hyperliquid
from derivintel.sources.okx import endpoints as okx_ep
from derivintel.sources.okx import parse as okx

T = TypeVar("T")
Key = tuple[str, str, str | None]
Progress = Callable[[str, str], None]

_KIND_TO_GAP = {
    "blocked": GapKind.BLOCKED,
    "bad_payload": GapKind.BAD_PAYLOAD,
    "not_covered": GapKind.NOT_COVERED,
}


def gap_kind(error: SourceError) -> GapKind:
    """Gap kind for a source error: blocked / bad_payload / not_covered, anything else unavailable."""
    return _KIND_TO_GAP.get(error.kind, GapKind.UNAVAILABLE)


def _gap_for_status(status: int) -> GapKind:
    return GapKind.BLOCKED if status in (403, 418, 451) else GapKind.UNAVAILABLE


REJECTED_KEY_STATUS = frozenset({401, 403})
_HTTP_STATUS = re.compile(r"^HTTP (\d{3})\b")


def _status_gap(provider: str, dataset: str, status: int, who: str) -> Gap:
    """Gap for a recorded non-2xx answer; a keyed provider's 401/403 means its key was rejected (not retried)."""
    if provider in registry.KEYED_PROVIDERS and status in REJECTED_KEY_STATUS:
        var = registry.KEYED_SOURCES[provider]
        reason = f"{who}rejected key (HTTP {status}: invalid key or endpoint not in the plan; not retried); check {var}"
        return Gap(provider, dataset, GapKind.NOT_CONFIGURED, reason)
    return Gap(provider, dataset, _gap_for_status(status), f"{who}HTTP {status}")


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


@dataclass
class _Parts:
    perps: list[PerpMetrics] = field(default_factory=list)
    candles: list[CandleSeries] = field(default_factory=list)
    open_interest: list[OpenInterestSeries] = field(default_factory=list)
    funding: list[FundingSeries] = field(default_factory=list)
    long_short: list[LongShortSeries] = field(default_factory=list)
    taker_volume: list[TakerVolumeSeries] = field(default_factory=list)
    books: list[OrderBook] = field(default_factory=list)
    options: OptionChain | None = None
    aggregate_open_interest: OpenInterestSeries | None = None
    aggregate_funding: FundingSeries | None = None

    def freeze(self, asset: str) -> AssetData:
        return AssetData(
            asset=asset,
            perps=tuple(self.perps),
            candles=tuple(self.candles),
            open_interest=tuple(self.open_interest),
            funding=tuple(self.funding),
            long_short=tuple(self.long_short),
            taker_volume=tuple(self.taker_volume),
            books=tuple(self.books),
            options=self.options,
            aggregate_open_interest=self.aggregate_open_interest,
            aggregate_funding=self.aggregate_funding,
        )


class _Assembler:
    """Looks up recorded responses, runs parsers, and turns every failure into one ``Gap``."""

    def __init__(self, responses: Sequence[RawResponse], failures: Mapping[Key, Gap]) -> None:
        self.latest: dict[Key, RawResponse] = {}
        for raw in responses:  # the last attempt per key wins
            self.latest[raw.key] = raw
        self.failures = dict(failures)
        self.gaps: dict[tuple[Key, str], Gap] = {}

    def _add_gap(self, key: Key, gap: Gap) -> None:
        self.gaps.setdefault((key, gap.reason), gap)

    def raw(self, provider: str, dataset: str, asset: str | None) -> RawResponse | None:
        key = (provider, dataset, asset)
        who = f"{asset}: " if asset else ""
        if key in self.failures:
            self._add_gap(key, self.failures[key])
            return None
        raw = self.latest.get(key)
        if raw is None:
            self._add_gap(key, Gap(provider, dataset, GapKind.UNAVAILABLE, f"{who}no response recorded"))
            return None
        if not raw.ok:
            self._add_gap(key, _status_gap(provider, dataset, raw.status, who))
            return None
        return raw

    def parse(self, provider: str, dataset: str, asset: str | None, fn: Callable[[RawResponse], T]) -> T | None:
        """``fn(raw)`` for the recorded response, or None with a gap recorded (missing response or parse error)."""
        raw = self.raw(provider, dataset, asset)
        if raw is None:
            return None
        who = f"{asset}: " if asset else ""
        try:
            return fn(raw)
        except SourceError as exc:
            self._add_gap(raw.key, Gap(provider, dataset, gap_kind(exc), f"{who}{exc.message}"))
        except (ValueError, TypeError, KeyError, IndexError) as exc:  # domain-type invariants on odd payloads
            self._add_gap(raw.key, Gap(provider, dataset, GapKind.BAD_PAYLOAD, f"{who}{type(exc).__name__}: {exc}"))
        return None

    def dependent(self, provider: str, dataset: str, asset: str | None, needs: Key) -> None:
        """``dataset`` cannot be used because ``needs`` failed: a gap of the same kind as ``needs``' gap."""
        raw = self.raw(provider, dataset, asset)
        if raw is None:
            return
        kinds = [g.kind for (key, _), g in self.gaps.items() if key == needs] or [GapKind.UNAVAILABLE]
        who = f"{asset}: " if asset else ""
        reason = f"{who}not usable without {needs[0]}/{needs[1]}"
        self._add_gap(raw.key, Gap(provider, dataset, kinds[0], reason))

    def flag(self, gap: Gap) -> None:
        """Record a caveat on data that was parsed (a convention the payload left unstated)."""
        self.gaps.setdefault(((gap.source, gap.dataset, None), gap.reason), gap)

    def gap_list(self) -> tuple[Gap, ...]:
        return tuple(self.gaps.values())


def _add(bucket: list[Any], value: Any) -> None:
    if value is not None:
        bucket.append(value)


def _binance(a: _Assembler, asset: str, parts: _Parts) -> None:
    usdm = binance_ep.USDM
    symbol = usdm.symbol(asset)
    intervals = a.parse(usdm.name, "fundingInfo", None, lambda r: binance.parse_funding_intervals(r.body))
    interval_h = None if intervals is None else binance.funding_interval_hours(intervals, symbol)
    oi = a.parse(
        usdm.name,
        "openInterest",
        asset,
        lambda r: binance.parse_open_interest(r.body, symbol=symbol, ts_recv=r.ts_received),
    )

    def perp(r: RawResponse) -> PerpMetrics:
        metrics = binance.parse_premium_index(
            r.body,
            asset=asset,
            symbol=symbol,
            ts_recv=r.ts_received,
            funding_interval_hours=interval_h or binance.DEFAULT_FUNDING_INTERVAL_H,
            oi_base=None if oi is None else oi[0],
        )
        if interval_h is None:  # interval unknown: do not publish a rate that may be per 4h or per 8h
            metrics = replace(metrics, funding_rate_interval=None)
        return metrics

    _add(parts.perps, a.parse(usdm.name, "premiumIndex", asset, perp))
    if interval_h is not None:
        _add(
            parts.funding,
            a.parse(
                usdm.name,
                "fundingRate",
                asset,
                lambda r: binance.parse_funding_history(
                    r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, interval_hours=interval_h
                ),
            ),
        )
    else:
        a.dependent(usdm.name, "fundingRate", asset, needs=(usdm.name, "fundingInfo", None))
    _add(
        parts.open_interest,
        a.parse(
            usdm.name,
            "openInterestHist",
            asset,
            lambda r: binance.parse_open_interest_hist(
                r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, period_s=binance_ep.RATIO_PERIOD_S
            ),
        ),
    )
    for dataset in binance.LONG_SHORT_KINDS:
        _add(
            parts.long_short,
            a.parse(
                usdm.name,
                dataset,
                asset,
                lambda r, d=dataset: binance.parse_long_short(
                    r.body,
                    dataset=d,
                    asset=asset,
                    symbol=symbol,
                    ts_recv=r.ts_received,
                    period_s=binance_ep.RATIO_PERIOD_S,
                ),
            ),
        )
    _add(
        parts.taker_volume,
        a.parse(
            usdm.name,
            "takerlongshortRatio",
            asset,
            lambda r: binance.parse_taker_volume(
                r.body, asset=asset, ts_recv=r.ts_received, period_s=binance_ep.RATIO_PERIOD_S
            ),
        ),
    )
    _binance_klines(a, asset, parts, usdm.name, "perp")
    _add(
        parts.books,
        a.parse(usdm.name, "depth", asset, lambda r: binance.parse_depth(r.body, asset=asset, ts_recv=r.ts_received)),
    )


def _binance_klines(a: _Assembler, asset: str, parts: _Parts, provider: str, market: str) -> None:
    for dataset, interval_s in (("klines_1h", 3600), ("klines_1d", 86_400)):
        _add(
            parts.candles,
            a.parse(
                provider,
                dataset,
                asset,
                lambda r, d=dataset, i=interval_s: binance.parse_klines(
                    r.body,
                    provider=provider,
                    dataset=d,
                    asset=asset,
                    market=market,
                    interval_s=i,
                    ts_recv=r.ts_received,
                ),
            ),
        )


def _binance_spot(a: _Assembler, asset: str, parts: _Parts) -> None:
    _binance_klines(a, asset, parts, binance_ep.SPOT.name, "spot")


def _bybit(a: _Assembler, asset: str, parts: _Parts) -> None:
    name = bybit_ep.PROVIDER.name
    symbol = bybit_ep.PROVIDER.symbol(asset)
    listed = a.parse(
        name,
        "instruments-info",
        asset,
        lambda r: bybit.parse_instruments_info(r.body, symbol=symbol, ts_recv=r.ts_received),
    )
    perp = a.parse(
        name,
        "tickers",
        asset,
        lambda r: bybit.parse_tickers(
            r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received, instrument_interval_hours=listed
        ),
    )
    if perp is not None and perp.funding_rate_interval is None:  # interval stated by neither endpoint
        reason = f"{asset}: funding interval unknown (no tickers fundingIntervalHour, no instruments-info "
        reason += "fundingInterval): rate left out rather than assumed per 8h"
        a.flag(Gap(name, "tickers", GapKind.NOT_COVERED, reason))
    _add(parts.perps, perp)
    kline = a.parse(
        name,
        "kline",
        asset,
        lambda r: bybit.parse_kline(r.body, asset=asset, ts_recv=r.ts_received, interval_s=bybit_ep.PERIOD_S),
    )
    _add(parts.candles, kline)
    opens = bybit.open_prices_by_ts(kline)
    _add(
        parts.open_interest,
        a.parse(
            name,
            "open-interest",
            asset,
            lambda r: bybit.parse_open_interest(
                r.body, asset=asset, ts_recv=r.ts_received, period_s=bybit_ep.PERIOD_S, price_by_ts=opens
            ),
        ),
    )
    if perp is not None:
        _add(
            parts.funding,
            a.parse(
                name,
                "funding-history",
                asset,
                lambda r: bybit.parse_funding_history(
                    r.body,
                    asset=asset,
                    symbol=symbol,
                    ts_recv=r.ts_received,
                    interval_hours=perp.funding_interval_hours,
                ),
            ),
        )
    else:
        a.dependent(name, "funding-history", asset, needs=(name, "tickers", asset))
    _add(
        parts.long_short,
        a.parse(
            name,
            "account-ratio",
            asset,
            lambda r: bybit.parse_account_ratio(r.body, asset=asset, ts_recv=r.ts_received, period_s=bybit_ep.PERIOD_S),
        ),
    )
    _add(
        parts.books,
        a.parse(
            name,
            "orderbook",
            asset,
            lambda r: bybit.parse_orderbook(r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received),
        ),
    )


def _okx(a: _Assembler, asset: str, parts: _Parts) -> None:
    name = okx_ep.PROVIDER.name
    symbol = okx_ep.PROVIDER.symbol(asset)
    oi = a.parse(
        name, "open-interest", asset, lambda r: okx.parse_open_interest(r.body, symbol=symbol, ts_recv=r.ts_received)
    )
    mark = a.parse(
        name, "mark-price", asset, lambda r: okx.parse_mark_price(r.body, symbol=symbol, ts_recv=r.ts_received)
    )
    index = a.parse(name, "index-tickers", asset, lambda r: okx.parse_index_price(r.body, index_id=f"{asset}-USDT"))
    perp = None
    if mark is not None:
        perp = a.parse(
            name,
            "funding-rate",
            asset,
            lambda r: okx.parse_funding_rate(
                r.body,
                asset=asset,
                symbol=symbol,
                ts_recv=r.ts_received,
                mark_price_usd=mark[0],
                index_price_usd=index,
                oi_base=None if oi is None else oi[0],
            ),
        )
        _add(parts.perps, perp)
    else:
        a.dependent(name, "funding-rate", asset, needs=(name, "mark-price", asset))
    _add(
        parts.funding,
        a.parse(
            name,
            "funding-rate-history",
            asset,
            lambda r: okx.parse_funding_history(
                r.body,
                asset=asset,
                symbol=symbol,
                ts_recv=r.ts_received,
                interval_hours=None if perp is None else perp.funding_interval_hours,
            ),
        ),
    )
    _add(
        parts.long_short,
        a.parse(
            name,
            "long-short-account-ratio",
            asset,
            lambda r: okx.parse_long_short_ratio(r.body, asset=asset, ts_recv=r.ts_received, period_s=okx_ep.PERIOD_S),
        ),
    )
    _add(
        parts.taker_volume,
        a.parse(
            name,
            "taker-volume",
            asset,
            lambda r: okx.parse_taker_volume(r.body, asset=asset, ts_recv=r.ts_received, period_s=okx_ep.PERIOD_S),
        ),
    )
    _add(
        parts.candles,
        a.parse(
            name,
            "candles",
            asset,
            lambda r: okx.parse_candles(r.body, asset=asset, ts_recv=r.ts_received, interval_s=okx_ep.PERIOD_S),
        ),
    )
    ct_val = oi[1] if oi is not None and oi[1] > 0 else okx_ep.CONTRACT_VALUE_BASE.get(asset, float("nan"))
    _add(
        parts.books,
        a.parse(
            name,
            "books",
            asset,
            lambda r: okx.parse_books(r.body, asset=asset, ts_recv=r.ts_received, contract_value_base=ct_val),
        ),
    )


def _hyperliquid(a: _Assembler, asset: str, parts: _Parts) -> None:
    name = hyperliquid_ep.PROVIDER.name
    _add(
        parts.perps,
        a.parse(
            name,
            "metaAndAssetCtxs",
            None,
            lambda r: hyperliquid.parse_meta_and_asset_ctxs(r.body, asset=asset, ts_recv=r.ts_received),
        ),
    )
    _add(
        parts.funding,
        a.parse(
            name,
            "fundingHistory",
            asset,
            lambda r: hyperliquid.parse_funding_history(r.body, asset=asset, ts_recv=r.ts_received),
        ),
    )
    _add(
        parts.books,
        a.parse(name, "l2Book", asset, lambda r: hyperliquid.parse_l2_book(r.body, asset=asset, ts_recv=r.ts_received)),
    )
    _add(
        parts.candles,
        a.parse(
            name,
            "candleSnapshot",
            asset,
            lambda r: hyperliquid.parse_candle_snapshot(
                r.body, asset=asset, ts_recv=r.ts_received, interval_s=hyperliquid_ep.CANDLE_INTERVAL_S
            ),
        ),
    )
    # predictedFundings is validated here; MarketSnapshot has no slot for cross-venue predictions yet.
    a.parse(
        name,
        "predictedFundings",
        None,
        lambda r: hyperliquid.parse_predicted_fundings(r.body, asset=asset, ts_recv=r.ts_received),
    )


def _deribit(a: _Assembler, asset: str, parts: _Parts, macro: dict[str, MacroSeries]) -> None:
    name = "deribit"
    if not registry.endpoint(name, "ticker").applies_to(asset):
        return
    symbol = registry.PROVIDERS[name].symbol(asset)
    _add(
        parts.perps,
        a.parse(
            name,
            "ticker",
            asset,
            lambda r: deribit.parse_ticker(r.body, asset=asset, symbol=symbol, ts_recv=r.ts_received),
        ),
    )
    index = a.parse(name, "index_price", asset, lambda r: deribit.parse_index_price(r.body))
    parts.options = a.parse(
        name,
        "book_summary_option",
        asset,
        lambda r: deribit.parse_option_chain(r.body, asset=asset, ts_recv=r.ts_received, index_price_usd=index),
    )
    a.parse(name, "book_summary_future", asset, lambda r: deribit.parse_future_summary(r.body))
    dvol = a.parse(name, "dvol", asset, lambda r: deribit.parse_dvol(r.body, asset=asset, ts_recv=r.ts_received))
    if dvol is not None:
        macro[dvol.name] = dvol


def _macro(a: _Assembler, macro: dict[str, MacroSeries]) -> None:
    for series, (name, unit) in fred_ep.SERIES.items():
        value = a.parse(
            "fred",
            series,
            None,
            lambda r, s=series, n=name, u=unit: fred.parse_fred_csv(
                r.body, series=s, name=n, unit=u, ts_recv=r.ts_received
            ),
        )
        if value is not None:
            macro[name] = value
    dominance = a.parse("coingecko", "global", None, lambda r: coingecko.parse_global(r.body, ts_recv=r.ts_received))
    if dominance is not None:
        macro[dominance.name] = dominance
    stables = a.parse(
        "defillama",
        "stablecoincharts",
        None,
        lambda r: defillama.parse_stablecoin_charts(r.body, ts_recv=r.ts_received),
    )
    if stables is not None:
        macro[stables.name] = stables


def _coinglass(a: _Assembler, asset: str, parts: _Parts) -> None:
    """Coinglass all-exchange aggregates go to ``AssetData.aggregate_*`` (cross-checks), never into the per-venue
    series: summed with the venues they would double-count OI. See docs/keyed_sources.md."""
    name = coinglass_ep.PROVIDER.name
    interval_s = coinglass_ep.INTERVAL_S
    coin = a.parse(name, "oi-aggregated-coin", asset, lambda r: r.body)
    parts.aggregate_open_interest = a.parse(
        name,
        "oi-aggregated-usd",
        asset,
        lambda r: coinglass.parse_oi_aggregated(
            r.body, coin, asset=asset, interval_s=interval_s, ts_recv=r.ts_received
        ),
    )
    if coin is not None:
        a.parse(
            name,
            "oi-aggregated-coin",
            asset,
            lambda r: coinglass.parse_oi_aggregated(
                r.body, None, asset=asset, interval_s=interval_s, ts_recv=r.ts_received, dataset="oi-aggregated-coin"
            ),
        )
    parts.aggregate_funding = a.parse(
        name,
        "funding-oi-weighted",
        asset,
        lambda r: coinglass.parse_funding_oi_weighted(r.body, asset=asset, ts_recv=r.ts_received),
    )
    exchanges = tuple(coinglass_ep.LIQUIDATION_EXCHANGES.split(","))
    a.parse(
        name,
        "liquidation-aggregated",
        asset,
        lambda r: coinglass.parse_liquidation_aggregated(
            r.body, asset=asset, interval_s=interval_s, exchanges=exchanges, ts_recv=r.ts_received
        ),
    )


def _cryptoquant(a: _Assembler, macro: dict[str, MacroSeries]) -> None:
    for dataset, (series, unit, value_field) in cryptoquant_ep.SERIES.items():
        value = a.parse(
            cryptoquant_ep.PROVIDER.name,
            dataset,
            None,
            lambda r, d=dataset, n=series, u=unit, f=value_field: cryptoquant.parse_daily_flow(
                r.body, dataset=d, name=n, unit=u, value_field=f, ts_recv=r.ts_received
            ),
        )
        if value is not None:
            macro[series] = value


_VENUES: tuple[tuple[str, Callable[[_Assembler, str, _Parts], None]], ...] = (
    ("binance-usdm", _binance),
    ("binance-spot", _binance_spot),
    ("bybit", _bybit),
    ("okx", _okx),
    ("hyperliquid", _hyperliquid),
)


def _assets(primary: str, secondary: Sequence[str]) -> list[str]:
    out = [normalise_asset(primary)]
    for s in secondary:
        a = normalise_asset(s)
        if a not in out:
            out.append(a)
    return out


def _collect(
    responses: Sequence[RawResponse],
    failures: Mapping[Key, Gap],
    assets: Sequence[str],
    *,
    disabled: frozenset[str],
    env: Mapping[str, str],
    keyed: frozenset[str] = frozenset(),
) -> tuple[dict[str, AssetData], dict[str, MacroSeries], list[Gap]]:
    """Parse every recorded response into per-asset data, macro series and gaps (no price required)."""
    a = _Assembler(responses, failures)
    keyed = keyed - disabled
    macro: dict[str, MacroSeries] = {}
    data: dict[str, AssetData] = {}
    for asset in assets:
        parts = _Parts()
        for provider, build in _VENUES:
            if provider not in disabled:
                build(a, asset, parts)
        if "deribit" not in disabled:
            _deribit(a, asset, parts, macro)
        if "coinglass" in keyed:
            _coinglass(a, asset, parts)
        data[asset] = parts.freeze(asset)
    _macro(a, macro)
    if "cryptoquant" in keyed:
        _cryptoquant(a, macro)
    gaps = [g for g in a.gap_list() if g.source not in disabled]
    gaps += [Gap(p, "all", GapKind.NOT_CONFIGURED, "disabled in source config") for p in sorted(disabled)]
    gaps += keyed_source_gaps(env, covered=keyed | disabled)
    return data, macro, gaps


def assemble_partial(
    responses: Sequence[RawResponse], assets: Sequence[str], failures: Mapping[Key, Gap] | None = None
) -> tuple[dict[str, AssetData], tuple[Gap, ...]]:
    """Per-asset data and gaps of recorded responses, without requiring a price (``derivintel doctor``). Pure."""
    keyed = frozenset(r.provider for r in responses if r.provider in registry.KEYED_PROVIDERS)
    data, _macro, gaps = _collect(
        responses, failures or {}, _assets(assets[0], assets[1:]), disabled=frozenset(), env={}, keyed=keyed
    )
    return data, tuple(gaps)


def _assemble(
    responses: Sequence[RawResponse],
    failures: Mapping[Key, Gap],
    assets: Sequence[str],
    as_of: datetime,
    *,
    disabled: frozenset[str],
    env: Mapping[str, str],
    keyed: frozenset[str] = frozenset(),
) -> MarketSnapshot:
    data, macro, gaps = _collect(responses, failures, assets, disabled=disabled, env=env, keyed=keyed)
    primary = data[assets[0]]
    if not primary.perps and not primary.candles:
        failed = [g for g in gaps if g.kind is not GapKind.NOT_CONFIGURED]
        first = f"; first: {failed[0].label}: {failed[0].reason[:160]}" if failed else ""
        raise NoPriceSourceError(f"no price source answered for {assets[0]} ({len(failed)} sources failed{first})")
    return MarketSnapshot(as_of=as_of, primary=assets[0], assets=data, macro=macro, gaps=tuple(gaps))


def build_snapshot_from_raw(
    responses: Sequence[RawResponse],
    primary: str,
    secondary: Sequence[str] = (),
    *,
    as_of: datetime | None = None,
    disabled: frozenset[str] = frozenset(),
    env: Mapping[str, str] | None = None,
) -> MarketSnapshot:
    """Assemble a snapshot from recorded responses (same parsers as live). Pure: no I/O, no clock.

    ``as_of`` defaults to the latest ``ts_received``. Expected datasets without a successful response become
    gaps (blocked for 451/403, unavailable otherwise). A keyed provider is assembled when ``responses`` hold any
    answer of it; else ``env`` (default: none set) decides its gap.
    Raises ``NoPriceSourceError`` when nothing priced the primary asset.
    """
    assets = _assets(primary, secondary)
    if as_of is None:
        if not responses:
            raise NoPriceSourceError(f"no responses recorded for {assets[0]}")
        as_of = max(r.ts_received for r in responses)
    keyed = frozenset(r.provider for r in responses if r.provider in registry.KEYED_PROVIDERS)
    return _assemble(responses, {}, assets, as_of, disabled=frozenset(disabled), env=env or {}, keyed=keyed)


async def fetch_snapshot(
    primary: str,
    secondary: Sequence[str] = (),
    *,
    config: SourceConfig,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[MarketSnapshot, list[RawResponse]]:
    """Fetch every keyless endpoint for ``primary`` (+ ``secondary``) concurrently and build the snapshot.

    Each failure becomes a ``Gap`` (blocked / unavailable / bad_payload) and the rest continues. ``progress``
    is called with ``(label, "ok" | "failed: reason")`` per request. ``as_of`` is when the fetch completed.
    Returns the snapshot and every recorded response (for ``archive.save_raw``). Raises ``NoPriceSourceError``
    when no price source answered for the primary asset.
    """
    assets = _assets(primary, secondary)
    responses, failures, keys = await fetch_raw(assets, config=config, progress=progress, transport=transport)
    as_of = datetime.now(UTC)
    snapshot = _assemble(
        responses, failures, assets, as_of, disabled=config.disabled, env=os.environ, keyed=frozenset(keys)
    )
    return snapshot, responses


async def fetch_raw(
    assets: Sequence[str],
    *,
    config: SourceConfig,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[list[RawResponse], dict[Key, Gap], dict[str, Secret]]:
    """Fetch one response per planned endpoint for ``assets`` (normalised) concurrently.

    Returns every recorded response (secrets redacted), the gap of each request that failed, and the keys used.
    """
    start = datetime.now(UTC)
    keys = {k: v for k, v in effective_keys(config, os.environ).items() if k not in config.disabled}
    secrets = tuple(keys.values())
    specs = registry.plan(assets, config, end=start, keyed=keys)
    failures: dict[Key, Gap] = {}
    async with httpx.AsyncClient(
        headers={"User-Agent": config.user_agent},
        transport=transport,
        follow_redirects=True,
        auth=key_auth(config, keys),
    ) as client:
        fetcher = HttpFetcher(
            client=client,
            config=config,
            rate_limits={n: p.rate_limit for n, p in registry.ALL_PROVIDERS.items()},
            retry_markers={n: p.retry_markers for n, p in registry.ALL_PROVIDERS.items()},
        )

        async def one(spec: RequestSpec) -> None:
            try:
                await fetcher.fetch(spec)
            except SourceError as exc:
                who = f"{spec.asset}: " if spec.asset else ""
                message = redact(exc.message, secrets)
                status = _HTTP_STATUS.match(message)
                if spec.provider in registry.KEYED_PROVIDERS and status and int(status[1]) in REJECTED_KEY_STATUS:
                    failures[spec.key] = _status_gap(spec.provider, spec.dataset, int(status[1]), who)
                else:
                    kind = GapKind.BLOCKED if isinstance(exc, BlockedSourceError) else gap_kind(exc)
                    failures[spec.key] = Gap(spec.provider, spec.dataset, kind, f"{who}{message}")
                if progress:
                    progress(spec.label, f"failed: {failures[spec.key].reason}")
            else:
                if progress:
                    progress(spec.label, "ok")

        tasks = {asyncio.ensure_future(one(s)): s for s in specs}
        _done, pending = await asyncio.wait(tasks, timeout=config.total_timeout_s)
        for task in pending:
            task.cancel()
            spec = tasks[task]
            reason = f"no answer within the fetch budget of {config.total_timeout_s:g} s"
            failures.setdefault(spec.key, Gap(spec.provider, spec.dataset, GapKind.UNAVAILABLE, reason))
            if progress:
                progress(spec.label, f"failed: {reason}")
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        responses = [redact_response(r, secrets) for r in fetcher.responses]
    return responses, failures, keys
