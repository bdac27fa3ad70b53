"""Pure parser: DefiLlama ``stablecoincharts/all`` → total USD-pegged stablecoin supply (USD, daily)."""

from __future__ import annotations

from datetime import datetime

from derivintel.domain.macro import MacroSeries
from derivintel.sources.payload import (
    Where,
    columns,
    field,
    last_ts,
    load_json,
    make_source,
    non_empty,
    to_float,
    to_ms,
)

PROVIDER = "defillama"


def parse_stablecoin_charts(body: bytes, *, ts_recv: datetime) -> MacroSeries:
    """Rows ``{date (epoch s), totalCirculatingUSD: {peggedUSD}}`` → ``MacroSeries`` ``stablecoin_supply`` in USD.

    Daily values at UTC midnight; a day's value is taken as known from the next midnight (``available_ts``).
    """
    where = Where(PROVIDER, "stablecoincharts", ts_recv)
    rows = non_empty(load_json(body, where), where, "stablecoincharts")
    ts, vals = [], []
    for i, row in enumerate(rows):
        ts.append(to_ms(field(row, "date", where), where, f"[{i}].date"))  # epoch seconds per the docs
        usd = field(field(row, "totalCirculatingUSD", where), "peggedUSD", where)
        vals.append(to_float(usd, where, f"[{i}].totalCirculatingUSD.peggedUSD"))
    ts64, v = columns(vals, ts, where)
    return MacroSeries(
        name="stablecoin_supply",
        unit="usd",
        ts=ts64,
        values=v[:, 0],
        source=make_source(where, last_ts(ts64, where), ts_recv),
        available_ts=ts64 + 86_400_000,
    )
