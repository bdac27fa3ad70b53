"""How Tardis.dev CSVs of Binance USD-M perpetuals are read: linear USDT/USDC contracts, OI and amounts in coins;
``funding_rate`` is the rate for the current interval (its length from the spacing of ``funding_timestamp``)."""

from __future__ import annotations

import re

from derivintel.sources.declarations import TardisMarket

TARDIS = TardisMarket("binance-futures", "binance", re.compile(r"^([A-Z0-9]+?)(?:USDT|USDC)$"), False, True)
