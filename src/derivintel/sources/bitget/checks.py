"""Bitget's own ``derivintel doctor`` checks (OI unit) and its funding-interval declaration."""

from __future__ import annotations

from collections.abc import Mapping

from derivintel.domain.snapshot import AssetData
from derivintel.sources.bitget.endpoints import PROVIDER
from derivintel.sources.bitget.parse import VENUE
from derivintel.sources.checks import SAME_VENUE_BAND, Check, FundingCheck, Verdict, num, ratio_check, read_json
from derivintel.sources.wire import RawResponse


def _row(obj: object, symbol: str) -> dict | None:
    rows = obj.get("data") if isinstance(obj, dict) else None
    if isinstance(rows, dict):  # open-interest: data.openInterestList
        rows = rows.get("openInterestList")
    return next((r for r in rows or [] if isinstance(r, dict) and r.get("symbol") == symbol), None)


def oi_checks(asset: str, ad: AssetData, latest: Mapping[tuple[str, str, str | None], RawResponse]) -> list[Check]:
    """OI unit: the ticker's ``holdingAmount`` (read as coins, single-sided) against ``/open-interest`` ``size``
    (documented in coins): the same figure, so a ratio far from 1 means one of them changed unit."""
    endpoint = f"{PROVIDER.name}/ticker {asset}"
    symbol = PROVIDER.symbol(asset)
    ticker = _row(read_json(latest.get((PROVIDER.name, "ticker", asset))), symbol)
    oi = _row(read_json(latest.get((PROVIDER.name, "open-interest", asset))), symbol)
    holding, size = num(ticker, "holdingAmount"), num(oi, "size")
    if not holding or not size:
        return [Check(endpoint, "OI unit", Verdict.NA, "no holdingAmount or open-interest size")]
    ratio = holding / size
    return [
        ratio_check(
            endpoint,
            "OI unit",
            ratio,
            SAME_VENUE_BAND,
            f"holdingAmount / open-interest size = {ratio:.3f} (expected ≈1)",
        )
    ]


FUNDING = FundingCheck(VENUE, f"{PROVIDER.name}/history-fund-rate", "current-fund-rate fundingRateInterval")
