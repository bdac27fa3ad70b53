"""Pure parser: CoinGecko ``/global`` → BTC dominance as a fraction."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from derivintel.core.timeutil import from_ms
from derivintel.domain.macro import MacroSeries
from derivintel.sources.payload import Where, field, load_json, make_source, to_float, to_ms

PROVIDER = "coingecko"


def parse_global(body: bytes, *, ts_recv: datetime) -> MacroSeries:
    """``/global`` → one-point ``MacroSeries`` ``btc_dominance`` (fraction: 52.1 % → 0.521) at ``updated_at``."""
    where = Where(PROVIDER, "global", ts_recv)
    data = field(load_json(body, where), "data", where)
    pct = to_float(field(field(data, "market_cap_percentage", where), "btc", where), where, "market_cap_percentage.btc")
    if not 0 < pct <= 100:
        raise where.fail(f"market_cap_percentage.btc out of range: {pct}")
    updated_ms = to_ms(field(data, "updated_at", where), where, "updated_at")  # epoch seconds per the docs
    return MacroSeries(
        name="btc_dominance",
        unit="fraction",
        ts=np.array([updated_ms], dtype="datetime64[ms]"),
        values=np.array([pct / 100.0]),
        source=make_source(where, from_ms(updated_ms), ts_recv),
    )
