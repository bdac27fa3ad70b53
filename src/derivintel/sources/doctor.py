"""Self-check of the venue conventions this package relies on, run on recorded responses (``derivintel doctor``).

Pure: takes the responses of one fetch (live, an archive saved with ``snapshot save``, or the test suite's fake
venues) and returns one ``Check`` per (endpoint, convention). A check FAILS when the payload contradicts a
convention the parsers assume; it is ``n/a`` when the response needed to judge it is missing or the payload does
not carry the evidence. Conventions checked:

- envelope: every answered endpoint parses (shape, fields, numbers);
- timestamps: event times parse as s/ms/µs inside the venue's life (``payload.to_ms``); the lag to the fetch shown;
- OI sidedness: the single-sided OI we read, times the mark, against the venue's own USD figure (Bybit
  ``singleOpenInterestValue`` and ``openInterest = 2 × singleOpenInterest``, OKX ``oiUsd``, Binance's
  ``openInterestHist`` coins), plus every venue's OI as a ratio to Binance's;
- funding interval: the declared interval against the spacing of the latest settlements;
- contract size: OKX ``oiCcy / oi`` against the declared ``CONTRACT_VALUE_BASE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np

from derivintel.core.errors import SourceError
from derivintel.core.provenance import Gap, GapKind
from derivintel.domain.snapshot import AssetData
from derivintel.sources import registry
from derivintel.sources.live import Key, assemble_partial
from derivintel.sources.okx import endpoints as okx_ep
from derivintel.sources.payload import Where, load_json, to_float
from derivintel.sources.wire import RawResponse

# Relative tolerance between two figures of the SAME payload and instant (rounding only).
SAME_PAYLOAD_RTOL = 0.01
# Band for figures of one venue taken up to an hour apart (OI moves a few % an hour; a sidedness error is × 2).
SAME_VENUE_BAND = (0.75, 1.0 / 0.75)


class Verdict(StrEnum):
    OK = "ok"
    FAIL = "FAIL"
    NA = "n/a"


@dataclass(frozen=True, slots=True)
class Check:
    """One convention checked on one endpoint: ``verdict`` and the ``evidence`` (numbers) behind it."""

    endpoint: str
    check: str
    verdict: Verdict
    evidence: str


def failed(checks: Iterable[Check]) -> list[Check]:
    """The checks whose convention no longer holds."""
    return [c for c in checks if c.verdict is Verdict.FAIL]


def _label(key: Key) -> str:
    provider, dataset, asset = key
    return f"{provider}/{dataset}" + (f" {asset}" if asset else "")


def _gap_for(key: Key, gaps: Sequence[Gap]) -> Gap | None:
    provider, dataset, asset = key
    for gap in gaps:
        if gap.source == provider and gap.dataset == dataset and (asset is None or gap.reason.startswith(f"{asset}:")):
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


def _json(raw: RawResponse | None) -> Any:
    if raw is None or not raw.ok:
        return None
    try:
        return load_json(raw.body, Where(raw.provider, raw.dataset))
    except SourceError:
        return None


def _num(obj: Any, key: str) -> float | None:
    if not isinstance(obj, dict) or obj.get(key) in (None, ""):
        return None
    try:
        return to_float(obj[key], Where("doctor", key), key)
    except SourceError:
        return None


def _ratio_check(endpoint: str, check: str, ratio: float, band: tuple[float, float], evidence: str) -> Check:
    verdict = Verdict.OK if band[0] <= ratio <= band[1] else Verdict.FAIL
    return Check(endpoint, check, verdict, evidence)


def _bybit_oi(asset: str, raw: RawResponse | None) -> list[Check]:
    endpoint = f"bybit/tickers {asset}"
    obj = _json(raw)
    rows = ((obj or {}).get("result") or {}).get("list") if isinstance(obj, dict) else None
    symbol = registry.PROVIDERS["bybit"].symbol(asset)
    row = next((r for r in rows or [] if isinstance(r, dict) and r.get("symbol") == symbol), None)
    if row is None:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "no tickers row")]
    both, single = _num(row, "openInterest"), _num(row, "singleOpenInterest")
    mark, single_usd = _num(row, "markPrice"), _num(row, "singleOpenInterestValue")
    if both is None or single is None or not single > 0:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "no singleOpenInterest: openInterest/2 used (v5 docs)")]
    out = [
        _ratio_check(
            endpoint,
            "OI sidedness",
            both / single,
            (2 * (1 - SAME_PAYLOAD_RTOL), 2 * (1 + SAME_PAYLOAD_RTOL)),
            f"openInterest / singleOpenInterest = {both / single:.3f} (documented: 2, both sides / one side)",
        )
    ]
    if mark and single_usd:
        ratio = single * mark / single_usd
        out.append(
            _ratio_check(
                endpoint,
                "OI sidedness",
                ratio,
                (1 - SAME_PAYLOAD_RTOL, 1 + SAME_PAYLOAD_RTOL),
                f"singleOpenInterest × markPrice / singleOpenInterestValue = {ratio:.3f} (expected 1)",
            )
        )
    return out


def _okx_oi(asset: str, raw: RawResponse | None, mark: float | None) -> list[Check]:
    endpoint = f"okx/open-interest {asset}"
    obj = _json(raw)
    symbol = okx_ep.PROVIDER.symbol(asset)
    rows = obj.get("data") if isinstance(obj, dict) else None
    row = next((r for r in rows or [] if isinstance(r, dict) and r.get("instId") == symbol), None)
    if row is None:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "no open-interest row")]
    out = []
    coins, contracts, usd = _num(row, "oiCcy"), _num(row, "oi"), _num(row, "oiUsd")
    if coins and usd and mark:
        ratio = coins * mark / usd
        out.append(
            _ratio_check(
                endpoint,
                "OI sidedness",
                ratio,
                SAME_VENUE_BAND,
                f"oiCcy × mark / oiUsd = {ratio:.3f} (expected ≈1)",
            )
        )
    else:
        out.append(Check(endpoint, "OI sidedness", Verdict.NA, "no oiUsd or mark to compare"))
    declared = okx_ep.CONTRACT_VALUE_BASE.get(asset)
    if coins and contracts and declared:
        ct = coins / contracts
        verdict = Verdict.OK if abs(ct / declared - 1) <= 1e-6 else Verdict.FAIL
        out.append(Check(endpoint, "contract size", verdict, f"oiCcy / oi = {ct:g} {asset}, declared {declared:g}"))
    else:
        out.append(Check(endpoint, "contract size", Verdict.NA, "no oi/oiCcy or no declared contract value"))
    return out


def _binance_oi(asset: str, ad: AssetData) -> list[Check]:
    endpoint = f"binance-usdm/openInterest {asset}"
    perp = next((p for p in ad.perps if p.venue == "binance"), None)
    hist = next((s for s in ad.open_interest if s.venue == "binance"), None)
    if perp is None or perp.oi_base is None or hist is None or not hist.oi_base[-1] > 0:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "openInterest or openInterestHist missing")]
    ratio = perp.oi_base / float(hist.oi_base[-1])
    evidence = f"openInterest / openInterestHist newest sumOpenInterest = {ratio:.3f} (expected ≈1)"
    return [_ratio_check(endpoint, "OI sidedness", ratio, SAME_VENUE_BAND, evidence)]


def _cross_venue(asset: str, ad: AssetData) -> list[Check]:
    usd = {p.venue: p.oi_usd for p in ad.perps if p.oi_usd is not None and p.venue != "deribit"}
    base = usd.get("binance")
    if not base or len(usd) < 2:
        return [Check(f"all venues {asset}", "OI cross-venue", Verdict.NA, "needs Binance and another venue")]
    parts = ", ".join(f"{v} {x / base:.2f}" for v, x in sorted(usd.items()) if v != "binance")
    total = sum(usd.values())
    shares = ", ".join(f"{v} {x / total:.0%}" for v, x in sorted(usd.items()))
    return [Check(f"all venues {asset}", "OI cross-venue", Verdict.OK, f"OI USD / Binance: {parts}; shares {shares}")]


_DECLARED_BY = {
    "binance": "fundingInfo (absent: 8h)",
    "bybit": "tickers fundingIntervalHour / instruments-info",
    "okx": "nextFundingTime − fundingTime",
    "hyperliquid": "hourly (docs)",
}
_HISTORY = {
    "binance": "binance-usdm/fundingRate",
    "bybit": "bybit/funding-history",
    "okx": "okx/funding-rate-history",
    "hyperliquid": "hyperliquid/fundingHistory",
}


def _funding_checks(asset: str, ad: AssetData) -> list[Check]:
    out = []
    for venue, history in _HISTORY.items():
        endpoint = f"{history} {asset}"
        perp = next((p for p in ad.perps if p.venue == venue), None)
        series = next((f for f in ad.funding if f.venue == venue), None)
        if perp is None or perp.funding_rate_interval is None or series is None or len(series.ts) < 2:
            out.append(Check(endpoint, "funding interval", Verdict.NA, "declared interval or two settlements missing"))
            continue
        ts = series.ts.astype(np.int64)
        observed = float(ts[-1] - ts[-2]) / 3_600_000
        declared = perp.funding_interval_hours
        verdict = Verdict.OK if abs(observed - declared) < 1e-6 else Verdict.FAIL
        evidence = f"declared {declared:g}h ({_DECLARED_BY[venue]}); latest settlements {observed:g}h apart"
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
        okx_perp = next((p for p in ad.perps if p.venue == "okx"), None)
        checks += _bybit_oi(asset, latest.get(("bybit", "tickers", asset)))
        checks += _okx_oi(asset, latest.get(("okx", "open-interest", asset)), okx_perp and okx_perp.mark_price_usd)
        checks += _binance_oi(asset, ad)
        checks += _cross_venue(asset, ad)
        checks += _funding_checks(asset, ad)
    return checks


def newest_fetch(responses: Sequence[RawResponse]) -> datetime | None:
    """When the last response of the fetch arrived (None for no responses)."""
    return max((r.ts_received for r in responses), default=None)
