"""Gate's own ``derivintel doctor`` checks (OI sidedness and contract size) and its funding-interval declaration."""

from __future__ import annotations

from collections.abc import Mapping

from derivintel.domain.snapshot import AssetData
from derivintel.sources.checks import SAME_VENUE_BAND, Check, FundingCheck, Verdict, num, ratio_check, read_json
from derivintel.sources.gate.endpoints import PROVIDER
from derivintel.sources.gate.parse import VENUE
from derivintel.sources.gate.ws import WS_MULTIPLIER_BASE
from derivintel.sources.wire import RawResponse


def oi_checks(asset: str, ad: AssetData, latest: Mapping[tuple[str, str, str | None], RawResponse]) -> list[Check]:
    """OI sidedness: the contract's ``position_size`` (documented as the total LONG size) against the tickers'
    ``total_size``; contract size: ``contract_stats`` ``open_interest_usd`` against its ``open_interest`` ×
    ``quanto_multiplier`` × ``mark_price`` (USD = contracts × coins per contract × price, once), and the
    liquidation stream's declared contract size (``ws.WS_MULTIPLIER_BASE``) against ``quanto_multiplier``."""
    symbol = PROVIDER.symbol(asset)
    endpoint = f"{PROVIDER.name}/contract {asset}"
    contract = read_json(latest.get((PROVIDER.name, "contract", asset)))
    if not isinstance(contract, dict) or contract.get("name") != symbol:
        return [Check(endpoint, "OI sidedness", Verdict.NA, "no contract answer")]
    tickers = read_json(latest.get((PROVIDER.name, "tickers", asset)))
    ticker = next((r for r in tickers or [] if isinstance(r, dict) and r.get("contract") == symbol), None)
    out = []
    long_size, total = num(contract, "position_size"), num(ticker, "total_size")
    if long_size and total:
        out.append(
            ratio_check(
                endpoint,
                "OI sidedness",
                long_size / total,
                SAME_VENUE_BAND,
                f"position_size / tickers total_size = {long_size / total:.3f} (≈1: same side count)",
            )
        )
    else:
        out.append(Check(endpoint, "OI sidedness", Verdict.NA, "no position_size or total_size"))
    stats = read_json(latest.get((PROVIDER.name, "contract-stats", asset)))
    row = stats[-1] if isinstance(stats, list) and stats and isinstance(stats[-1], dict) else None
    mult = num(contract, "quanto_multiplier")
    contracts, usd, mark = num(row, "open_interest"), num(row, "open_interest_usd"), num(row, "mark_price")
    if mult and contracts and usd and mark:
        ratio = contracts * mult * mark / usd
        out.append(
            ratio_check(
                f"{PROVIDER.name}/contract-stats {asset}",
                "contract size",
                ratio,
                SAME_VENUE_BAND,
                f"open_interest × quanto_multiplier {mult:g} × mark / open_interest_usd = {ratio:.3f} (expected 1)",
            )
        )
    else:
        out.append(Check(f"{PROVIDER.name}/contract-stats {asset}", "contract size", Verdict.NA, "no stats row"))
    declared = WS_MULTIPLIER_BASE.get(asset)
    if declared and mult:
        verdict = Verdict.OK if abs(mult / declared - 1) <= 1e-9 else Verdict.FAIL
        evidence = f"quanto_multiplier {mult:g}, liquidation stream declares {declared:g} {asset} per contract"
        out.append(Check(endpoint, "contract size", verdict, evidence))
    return out


FUNDING = FundingCheck(VENUE, f"{PROVIDER.name}/funding-rate", "contract funding_interval (seconds)")
