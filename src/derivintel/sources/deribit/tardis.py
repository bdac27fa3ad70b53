"""How Tardis.dev CSVs of Deribit perpetuals are read: inverse contracts, OI and amounts in USD (coins = USD ÷
price). ``funding_rate`` is not imported: Tardis has filled it from ``current_funding`` and from ``funding_8h`` in
different versions, so its period is not known from the file."""

from __future__ import annotations

import re

from derivintel.sources.declarations import TardisMarket

TARDIS = TardisMarket("deribit", "deribit", re.compile(r"^([A-Z]+)-PERPETUAL$"), True, False)
