"""OKX's own ``derivintel doctor`` checks (OI sidedness, contract size) and its funding-interval declaration."""

from __future__ import annotations

from collections.abc import Mapping

from derivintel.domain.snapshot import AssetData
from derivintel.sources.checks import (
    SAME_VENUE_BAND,
    Check,
    FundingCheck,
    Verdict,
    num,
    ratio_check,
    read_json,
)
from derivintel.sources.okx import endpoints as okx_ep
from derivintel.sources.okx.parse import VENUE
from derivintel.sources.wire import RawResponse


def oi_checks(asset: str, ad: AssetData, latest: Mapping[tuple[str, str, str | None], RawResponse]) -> list[Check]:
    """OI sidedness (``oiCcy × mark`` against ``oiUsd``) and contract size (``oiCcy / oi`` against the declared
    ``CONTRACT_VALUE_BASE``)."""
    raw = latest.get((okx_ep.PROVIDER.name, "open-interest", asset))
    perp = next((p for p in ad.perps if p.venue == VENUE), None)
    mark = perp and perp.mark_price_usd
    endpoint = f"{okx_ep.PROVIDER.name}/open-interest {asset}"
    obj = read_json(raw)
    symbol = okx_ep.PROVIDER.symbol(asset)
    rows = obj.get("data") if isinstance(obj, dict) else None
    row = next((r for r in rows or [] if isinstance(r, dict) and r.get("instId") == symbol), None)
    if row is None:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "no open-interest row")]
    out = []
    coins, contracts, usd = num(row, "oiCcy"), num(row, "oi"), num(row, "oiUsd")
    if coins and usd and mark:
        ratio = coins * mark / usd
        out.append(
            ratio_check(
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


FUNDING = FundingCheck(VENUE, f"{okx_ep.PROVIDER.name}/funding-rate-history", "nextFundingTime − fundingTime")
