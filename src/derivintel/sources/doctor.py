"""Self-check of the venue conventions this package relies on, run on recorded responses (``derivintel doctor``).

Pure: takes the responses of one fetch (live, an archive saved with ``snapshot save``, or the test suite's fake
venues) and returns one ``Check`` per (endpoint, convention). A check FAILS when the payload contradicts a
convention the parsers assume; it is ``n/a`` when the response needed to judge it is missing or the payload does
not carry the evidence. Conventions checked:

- envelope: every answered endpoint parses (shape, fields, numbers);
- timestamps: event times parse as s/ms/µs inside the venue's life (``payload.to_ms``); the lag to the fetch shown;
- each venue's own checks (``sources/<venue>/checks.py``, listed in ``registry.DOCTOR_CHECKS``): OI sidedness, the
  single-sided OI we read, times the mark, against the venue's own USD figure, and contract sizes;
- every venue's OI as a ratio to the reference venue's (``registry.OI_REFERENCE_VENUE``);
- funding interval: the declared interval against the spacing of the latest settlements (``FUNDING_CHECKS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.snapshot import AssetData
from derivintel.sources import registry
from derivintel.sources.checks import Check, Verdict, failed
from derivintel.sources.live import Key, assemble_partial
from derivintel.sources.wire import RawResponse

__all__ = ["Check", "Verdict", "failed", "newest_fetch", "run_checks"]


def _label(key: Key) -> str:
    provider, dataset, asset = key
    return f"{provider}/{dataset}" + (f" {asset}" if asset else "")


def _gap_for(key: Key, gaps: Sequence[Gap]) -> Gap | None:
    provider, dataset, asset = key
    for gap in gaps:
        if gap.source == provider and gap.dataset == dataset and (asset is None or gap.asset == asset):
            return gap
    return None


def _envelope_checks(
    responses: Sequence[RawResponse], failures: dict[Key, Gap], gaps: Sequence[Gap], assets: Sequence[str]
) -> list[Check]:
    latest = {r.key: r for r in responses}
    out = []
    for key in registry.expected_keys(assets):
        label = _label(key)
        raw = latest.get(key)
        if raw is None:
            why = failures[key].reason if key in failures else "no response recorded"
            out.append(Check(label, "envelope", Verdict.NA, why[:120]))
            continue
        if not raw.ok:
            out.append(Check(label, "envelope", Verdict.NA, f"HTTP {raw.status}"))
            continue
        gap = _gap_for(key, gaps)
        if gap is not None and gap.kind is GapKind.BAD_PAYLOAD:
            check = "timestamps" if "timestamp" in gap.reason else "envelope"
            out.append(Check(label, check, Verdict.FAIL, gap.reason[:160]))
        elif gap is not None and "not usable without" in gap.reason:
            out.append(Check(label, "envelope", Verdict.NA, gap.reason[:120]))
        else:
            out.append(Check(label, "envelope", Verdict.OK, f"{len(raw.body)} bytes parsed"))
    return out


def _timestamp_checks(data: dict[str, AssetData]) -> list[Check]:
    out = []
    for asset, ad in data.items():
        items: list[Any] = [*ad.perps, *ad.candles, *ad.open_interest, *ad.funding, *ad.long_short]
        items += [*ad.taker_volume, *ad.books]
        for item in items:
            src = item.source
            lag_h = (src.fetched_at - src.as_of).total_seconds() / 3600
            evidence = f"newest {src.as_of:%Y-%m-%d %H:%M} UTC, {lag_h:+.1f} h before the fetch"
            out.append(Check(f"{src.label} {asset}", "timestamps", Verdict.OK, evidence))
    return out


def _cross_venue(asset: str, ad: AssetData) -> list[Check]:
    ref, left_out = registry.OI_REFERENCE_VENUE, registry.OI_CROSS_CHECK_EXCLUDED
    usd = {p.venue: p.oi_usd for p in ad.perps if p.oi_usd is not None and p.venue not in left_out}
    base = usd.get(ref)
    name = ref.capitalize()
    if not base or len(usd) < 2:
        return [Check(f"all venues {asset}", "OI cross-venue", Verdict.NA, f"needs {name} and another venue")]
    parts = ", ".join(f"{v} {x / base:.2f}" for v, x in sorted(usd.items()) if v != ref)
    total = sum(usd.values())
    shares = ", ".join(f"{v} {x / total:.0%}" for v, x in sorted(usd.items()))
    return [Check(f"all venues {asset}", "OI cross-venue", Verdict.OK, f"OI USD / {name}: {parts}; shares {shares}")]


def _funding_checks(asset: str, ad: AssetData) -> list[Check]:
    out = []
    for declared_check in registry.FUNDING_CHECKS:
        venue = declared_check.venue
        endpoint = f"{declared_check.history} {asset}"
        perp = next((p for p in ad.perps if p.venue == venue), None)
        series = next((f for f in ad.funding if f.venue == venue), None)
        if perp is None or perp.funding_rate_interval is None or series is None or len(series.ts) < 2:
            out.append(Check(endpoint, "funding interval", Verdict.NA, "declared interval or two settlements missing"))
            continue
        ts = series.ts.astype(np.int64)
        observed = float(ts[-1] - ts[-2]) / 3_600_000
        declared = perp.funding_interval_hours
        verdict = Verdict.OK if abs(observed - declared) < 1e-6 else Verdict.FAIL
        evidence = f"declared {declared:g}h ({declared_check.declared_by}); latest settlements {observed:g}h apart"
        out.append(Check(endpoint, "funding interval", verdict, evidence))
    return out


def run_checks(
    responses: Sequence[RawResponse], assets: Sequence[str], failures: dict[Key, Gap] | None = None
) -> list[Check]:
    """Every convention check on ``responses`` (one fetch) for ``assets`` (first = primary); ``failures`` are the
    requests that got no answer (live fetch)."""
    failures = dict(failures or {})
    data, gaps = assemble_partial(responses, assets, failures)
    latest = {r.key: r for r in responses}
    checks = _envelope_checks(responses, failures, gaps, list(data))
    checks += _timestamp_checks(data)
    for asset, ad in data.items():
        for venue_checks in registry.DOCTOR_CHECKS:
            checks += venue_checks(asset, ad, latest)
        checks += _cross_venue(asset, ad)
        checks += _funding_checks(asset, ad)
    return checks


def newest_fetch(responses: Sequence[RawResponse]) -> datetime | None:
    """When the last response of the fetch arrived (None for no responses)."""
    return max((r.ts_received for r in responses), default=None)
