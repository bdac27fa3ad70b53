"""Bybit's own ``derivintel doctor`` checks (OI sidedness) and its funding-interval declaration."""

from __future__ import annotations

from collections.abc import Mapping

from derivintel.domain.snapshot import AssetData
from derivintel.sources.bybit.endpoints import PROVIDER
from derivintel.sources.bybit.parse import VENUE
from derivintel.sources.checks import (
    SAME_PAYLOAD_RTOL,
    Check,
    FundingCheck,
    Verdict,
    num,
    ratio_check,
    read_json,
)
from derivintel.sources.wire import RawResponse


def oi_checks(asset: str, ad: AssetData, latest: Mapping[tuple[str, str, str | None], RawResponse]) -> list[Check]:
    """OI sidedness: ``openInterest = 2 × singleOpenInterest`` and ``singleOpenInterest × mark`` against
    ``singleOpenInterestValue``."""
    raw = latest.get((PROVIDER.name, "tickers", asset))
    endpoint = f"{PROVIDER.name}/tickers {asset}"
    obj = read_json(raw)
    rows = ((obj or {}).get("result") or {}).get("list") if isinstance(obj, dict) else None
    symbol = PROVIDER.symbol(asset)
    row = next((r for r in rows or [] if isinstance(r, dict) and r.get("symbol") == symbol), None)
    if row is None:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "no tickers row")]
    both, single = num(row, "openInterest"), num(row, "singleOpenInterest")
    mark, single_usd = num(row, "markPrice"), num(row, "singleOpenInterestValue")
    if both is None or single is None or not single > 0:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "no singleOpenInterest: openInterest/2 used (v5 docs)")]
    out = [
        ratio_check(
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
            ratio_check(
                endpoint,
                "OI sidedness",
                ratio,
                (1 - SAME_PAYLOAD_RTOL, 1 + SAME_PAYLOAD_RTOL),
                f"singleOpenInterest × markPrice / singleOpenInterestValue = {ratio:.3f} (expected 1)",
            )
        )
    return out


FUNDING = FundingCheck(VENUE, f"{PROVIDER.name}/funding-history", "tickers fundingIntervalHour / instruments-info")
