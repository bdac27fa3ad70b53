"""How Tardis.dev CSVs of Bybit linear perpetuals are read: USDT/USDC contracts, OI and amounts in coins;
``funding_rate`` is the rate for the current interval (its length from the spacing of ``funding_timestamp``)."""

from __future__ import annotations

import re

from derivintel.sources.declarations import TardisMarket

TARDIS = TardisMarket("bybit", "bybit", re.compile(r"^([A-Z0-9]+?)(?:USDT|USDC)$"), False, True)
