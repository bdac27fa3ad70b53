"""Binance USD-M's own ``derivintel doctor`` checks (OI sidedness) and its funding-interval declaration."""

from __future__ import annotations

from collections.abc import Mapping

from derivintel.domain.snapshot import AssetData
from derivintel.sources.binance.endpoints import USDM
from derivintel.sources.binance.parse import VENUE
from derivintel.sources.checks import (
    SAME_VENUE_BAND,
    Check,
    FundingCheck,
    Verdict,
    ratio_check,
)
from derivintel.sources.wire import RawResponse


def oi_checks(asset: str, ad: AssetData, latest: Mapping[tuple[str, str, str | None], RawResponse]) -> list[Check]:
    """OI sidedness: ``openInterest`` against the newest ``openInterestHist`` coins."""
    endpoint = f"{USDM.name}/openInterest {asset}"
    perp = next((p for p in ad.perps if p.venue == VENUE), None)
    hist = next((s for s in ad.open_interest if s.venue == VENUE), None)
    if perp is None or perp.oi_base is None or hist is None or not hist.oi_base[-1] > 0:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "openInterest or openInterestHist missing")]
    ratio = perp.oi_base / float(hist.oi_base[-1])
    evidence = f"openInterest / openInterestHist newest sumOpenInterest = {ratio:.3f} (expected ≈1)"
    return [ratio_check(endpoint, "OI sidedness", ratio, SAME_VENUE_BAND, evidence)]


FUNDING = FundingCheck(VENUE, f"{USDM.name}/fundingRate", "fundingInfo (absent: 8h)")
