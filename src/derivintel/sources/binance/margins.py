"""Binance USD-M maintenance margins: the tier-1 declaration the liquidation map uses, and the recorded
leverage-bracket table (``data/binance_usdm_leverage_brackets.json``) for the bracket formula."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from derivintel.domain.margins import BracketTable, MarginBracket, VenueMargin

MARGINS = (VenueMargin("binance-usdm", "BTC", 0.004, 125.0, "Binance USD-M BTCUSDT tier-1 MMR 0.4 %"),)


@cache
def _brackets_file() -> dict:
    return json.loads(
        files("derivintel.sources.binance").joinpath("data/binance_usdm_leverage_brackets.json").read_text()
    )


def leverage_brackets(symbol: str = "BTCUSDT") -> BracketTable | None:
    """Binance USD-M's recorded bracket table for ``symbol``, or None when the file has no table for it."""
    raw = _brackets_file()
    rows = raw["symbols"].get(symbol.upper())
    if rows is None:
        return None
    brackets = tuple(
        MarginBracket(
            floor_usd=float(r["notionalFloor"]),
            cap_usd=float(r["notionalCap"]),
            mmr=float(r["maintMarginRatio"]),
            maint_amount_usd=float(r["cum"]),
            max_leverage=float(r["initialLeverage"]),
        )
        for r in rows
    )
    return BracketTable(raw["venue"], symbol.upper(), brackets, raw["source"], raw["recorded"])
