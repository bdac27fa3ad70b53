"""Live snapshot: fetch every planned endpoint concurrently, parse, and assemble a ``MarketSnapshot`` with gaps.

A generic driver: what to fetch comes from the venues' endpoint declarations (``registry`` / ``plan``), how each
venue's answers become its part of the snapshot from its ``<venue>/assemble.py`` (listed in ``registry.ASSEMBLY``).
``fetch_snapshot`` does the I/O; ``build_snapshot_from_raw`` is the pure assembly from recorded responses, used
both live and for replay of an archive (``sources.archive``), so a replay gives the same snapshot.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import httpx

from derivintel.core.errors import NoPriceSourceError, SourceError
from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.assets import normalise_asset
from derivintel.domain.macro import MacroSeries
from derivintel.domain.snapshot import AssetData, MarketSnapshot
from derivintel.domain.universe import Universe
from derivintel.sources import registry
from derivintel.sources.assembly import Assembler, Key, Parts, error_gap
from derivintel.sources.auth import effective_keys, key_auth, keyed_source_gaps, redact_response
from derivintel.sources.config import Secret, SourceConfig, redact
from derivintel.sources.http import HttpFetcher
from derivintel.sources.plan import plan
from derivintel.sources.wire import RawResponse, RequestSpec

__all__ = ["Key", "assemble_partial", "build_snapshot_from_raw", "fetch_raw", "fetch_snapshot", "keyed_source_gaps"]

Progress = Callable[[str, str], None]


def _assets(primary: str, secondary: Sequence[str], universe: Universe | None = None) -> list[str]:
    out = [normalise_asset(primary, universe)]
    for s in secondary:
        a = normalise_asset(s, universe)
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
    universe: Universe | None = None,
) -> tuple[dict[str, AssetData], dict[str, MacroSeries], list[Gap]]:
    """Parse every recorded response into per-asset data, macro series and gaps (no price required). A venue whose
    instrument list (``universe``) lacks an asset is not assembled for it: one not-covered gap says why; a venue
    listing it in bundles (``1000PEPEUSDT``) has its observations restated per coin."""
    a = Assembler(responses, failures, registry.KEYED_SOURCES, universe)
    unlisted: list[Gap] = []
    keyed = keyed - disabled

    def active(provider: str) -> bool:
        return provider in keyed if provider in registry.KEYED_PROVIDERS else provider not in disabled

    macro: dict[str, MacroSeries] = {}
    data: dict[str, AssetData] = {}
    steps = [s for s in registry.ASSEMBLY if active(s.provider)]
    for asset in assets:
        parts = Parts()
        for step in steps:
            if step.per_asset is None:
                continue
            skip = None if universe is None else universe.skip_reason(step.provider, asset)
            if skip is not None:
                unlisted.append(Gap(step.provider, "all", GapKind.NOT_COVERED, skip, asset))
                continue
            listing = None if universe is None else universe.listing(step.provider, asset)
            before = parts.sizes()
            step.per_asset(a, asset, parts, macro)
            if listing is not None and listing.unit_multiplier != 1.0:  # 1000PEPEUSDT: prices per 1000 PEPE
                parts.restate_per_coin(before, asset, listing.unit_multiplier)
        data[asset] = parts.freeze(asset)
    for step in steps:
        if step.market is not None:
            step.market(a, macro)
    gaps = [g for g in (*unlisted, *a.gap_list()) if g.source not in disabled]
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
    universe: Universe | None = None,
) -> MarketSnapshot:
    data, macro, gaps = _collect(
        responses, failures, assets, disabled=disabled, env=env, keyed=keyed, universe=universe
    )
    if universe is not None:
        gaps = [*universe.gaps, *gaps]
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
    universe: Universe | None = None,
) -> MarketSnapshot:
    """Assemble a snapshot from recorded responses (same parsers as live). Pure: no I/O, no clock.

    ``as_of`` defaults to the latest ``ts_received``. Expected datasets without a successful response become
    gaps (blocked for 451/403, unavailable otherwise). A keyed provider is assembled when ``responses`` hold any
    answer of it; else ``env`` (default: none set) decides its gap.
    Raises ``NoPriceSourceError`` when nothing priced the primary asset.
    """
    assets = _assets(primary, secondary, universe)
    if as_of is None:
        if not responses:
            raise NoPriceSourceError(f"no responses recorded for {assets[0]}")
        as_of = max(r.ts_received for r in responses)
    keyed = frozenset(r.provider for r in responses if r.provider in registry.KEYED_PROVIDERS)
    return _assemble(
        responses, {}, assets, as_of, disabled=frozenset(disabled), env=env or {}, keyed=keyed, universe=universe
    )


async def fetch_snapshot(
    primary: str,
    secondary: Sequence[str] = (),
    *,
    config: SourceConfig,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    universe: Universe | None = None,
) -> tuple[MarketSnapshot, list[RawResponse]]:
    """Fetch every keyless endpoint for ``primary`` (+ ``secondary``) concurrently and build the snapshot.

    Each failure becomes a ``Gap`` (blocked / unavailable / bad_payload) and the rest continues. ``progress``
    is called with ``(label, "ok" | "failed: reason")`` per request. ``as_of`` is when the fetch completed.
    Returns the snapshot and every recorded response (for ``archive.save_raw``). Raises ``NoPriceSourceError``
    when no price source answered for the primary asset. ``universe`` (the venues' instrument lists) gives each
    venue's symbol and leaves out the venues that do not list an asset; None: the declared symbol templates.
    """
    assets = _assets(primary, secondary, universe)
    responses, failures, keys = await fetch_raw(
        assets, config=config, progress=progress, transport=transport, universe=universe
    )
    as_of = datetime.now(UTC)
    snapshot = _assemble(
        responses,
        failures,
        assets,
        as_of,
        disabled=config.disabled,
        env=os.environ,
        keyed=frozenset(keys),
        universe=universe,
    )
    return snapshot, responses


async def fetch_pages(fetcher: HttpFetcher, spec: RequestSpec) -> int:
    """Fetch ``spec``; for a paged endpoint (``Endpoint.pages``) follow its pages up to the declared limit.
    Returns the number of pages fetched; a failed page raises (the dataset becomes a gap)."""
    raw = await fetcher.fetch(spec)
    pages = registry.endpoint(spec.provider, spec.dataset).pages
    if pages is None:
        return 1
    n = 1
    while n < pages.max_pages:
        try:
            params = pages.next_params(raw.body, dict(spec.params))
        except (SourceError, ValueError, TypeError, KeyError):
            break  # a page that does not read: the parser reports it; nothing to page on
        if params is None:
            break
        spec = replace(spec, params=tuple(params.items()), page=n)
        raw = await fetcher.fetch(spec)
        n += 1
    return n


async def fetch_raw(
    assets: Sequence[str],
    *,
    config: SourceConfig,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    universe: Universe | None = None,
) -> tuple[list[RawResponse], dict[Key, Gap], dict[str, Secret]]:
    """Fetch one response per planned endpoint for ``assets`` (normalised) concurrently.

    Returns every recorded response (secrets redacted), the gap of each request that failed, and the keys used.
    """
    start = datetime.now(UTC)
    keys = {k: v for k, v in effective_keys(config, os.environ).items() if k not in config.disabled}
    secrets = tuple(keys.values())
    specs = plan(assets, config, end=start, keyed=keys, universe=universe)
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
            error_codes={n: p.error_codes for n, p in registry.ALL_PROVIDERS.items()},
            key_env=registry.KEYED_SOURCES,
        )

        async def one(spec: RequestSpec) -> None:
            try:
                pages = await fetch_pages(fetcher, spec)
            except SourceError as exc:
                failures[spec.key] = error_gap(
                    exc, spec.provider, spec.dataset, spec.asset, redact(exc.message, secrets)
                )
                if progress:
                    progress(spec.label, f"failed: {failures[spec.key].reason}")
            else:
                if progress:
                    progress(spec.label, "ok" if pages == 1 else f"ok ({pages} pages)")

        tasks = {asyncio.ensure_future(one(s)): s for s in specs}
        _done, pending = await asyncio.wait(tasks, timeout=config.total_timeout_s)
        for task in pending:
            task.cancel()
            spec = tasks[task]
            reason = f"no answer within the fetch budget of {config.total_timeout_s:g} s"
            failures.setdefault(spec.key, Gap(spec.provider, spec.dataset, GapKind.UNAVAILABLE, reason, spec.asset))
            if progress:
                progress(spec.label, f"failed: {reason}")
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        responses = [redact_response(r, secrets) for r in fetcher.responses]
    return responses, failures, keys
