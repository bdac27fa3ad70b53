"""Demo observed Hyperliquid positions (SYNTHETIC): accounts' open positions with liquidation prices.

Per asset, ``N_ACCOUNTS`` accounts hold one position each, together ``COVERAGE`` of the venue's open interest on
each side (both sides sized from the Hyperliquid perp's ``oi_base``). Entries are hourly closes of the last 30 days
(recent hours more likely); leverage follows ``LEVERAGE_MIX`` (an assumption of the demo, not a measurement);
55 % of positions are long. Isolated positions and 60 % of cross ones get the isolated liquidation price with
Hyperliquid's MMR (cross accounts with spare collateral have none: ``NaN``). Positions whose liquidation price the
path has already traded through since entry are gone (liquidated), as on the venue. Each account was read within
the 50 minutes before ``as_of``. Source ``demo``/``hyperliquid/clearinghouseState``, ``synthetic=True``.
"""

from __future__ import annotations

import numpy as np

from derivintel.analytics.liquidity.liquidation_price import liquidation_price
from derivintel.core.timeutil import from_ms, to_ms
from derivintel.domain.margins import find_margin
from derivintel.domain.perp import PerpMetrics
from derivintel.domain.positions import ObservedPositions
from derivintel.sources.demo.price_path import PricePath
from derivintel.sources.demo.profiles import demo_source
from derivintel.sources.demo.timeline import Timeline
from derivintel.sources.margins import VENUE_MARGINS

_STREAM_POSITIONS = 12
N_ACCOUNTS = 600
COVERAGE = 0.35
LONG_SHARE = 0.55
LEVERAGE_MIX: dict[float, float] = {2.0: 0.08, 3.0: 0.1, 5.0: 0.2, 10.0: 0.3, 20.0: 0.2, 25.0: 0.08, 40.0: 0.04}
ENTRY_DAYS = 30
READ_WINDOW_S = 50 * 60
SAFETY = 0.002


def build_observed_positions(
    timeline: Timeline, asset: str, asset_code: int, path: PricePath, perps: tuple[PerpMetrics, ...]
) -> ObservedPositions | None:
    """Synthetic observed positions of ``asset`` on Hyperliquid (None without a Hyperliquid perp)."""
    hl = next((p for p in perps if p.venue == "hyperliquid"), None)
    margin = find_margin(VENUE_MARGINS, "hyperliquid", asset)
    if hl is None or hl.oi_base is None or margin is None:
        return None
    rng = timeline.rng(asset_code, _STREAM_POSITIONS)
    n = N_ACCOUNTS
    closes = path.close_usd[-ENTRY_DAYS * 24 :]
    hours = len(closes)
    recency = np.exp(np.linspace(-2.0, 0.0, hours))
    entry_bar = rng.choice(hours, size=n, p=recency / recency.sum())
    entry = closes[entry_bar]
    is_long = rng.random(n) < LONG_SHARE
    tiers = np.array(list(LEVERAGE_MIX))
    lev = rng.choice(tiers, size=n, p=np.array(list(LEVERAGE_MIX.values())))
    lev = np.minimum(lev, margin.max_leverage or lev.max())
    liq = np.asarray(liquidation_price(entry, lev, margin.mmr, is_long), dtype=np.float64)
    is_cross = rng.random(n) < 0.7
    liq[is_cross & (rng.random(n) < 0.4)] = np.nan
    # Survivors only: the path's low (high) since the entry bar has not reached a long's (short's) liquidation price.
    # The current mark counts too, with a 0.2 % margin for the other venues' prices the report references.
    low_since = np.minimum(np.minimum.accumulate(closes[::-1])[::-1][entry_bar], hl.mark_price_usd * (1 - SAFETY))
    high_since = np.maximum(np.maximum.accumulate(closes[::-1])[::-1][entry_bar], hl.mark_price_usd * (1 + SAFETY))
    alive = np.isnan(liq) | np.where(is_long, liq < low_since, liq > high_since)
    sizes = rng.lognormal(0.0, 1.2, n)
    for side in (True, False):  # scale each side to COVERAGE of the single-sided OI (before removing the dead)
        m = is_long == side
        sizes[m] *= COVERAGE * hl.oi_base / sizes[m].sum()
    keep = alive
    signed = np.where(is_long, sizes, -sizes)[keep]
    as_of_ms = to_ms(timeline.as_of)
    read_ms = as_of_ms - rng.integers(0, READ_WINDOW_S * 1000, n)[keep]
    oldest = from_ms(int(read_ms.min()))  # the map is as fresh as its oldest read
    return ObservedPositions(
        venue="hyperliquid",
        coin=asset,
        observed_at=read_ms.astype("datetime64[ms]"),
        size_base=signed,
        liquidation_price_usd=liq[keep],
        leverage=lev[keep],
        is_cross=is_cross[keep],
        position_value_usd=np.abs(signed) * hl.mark_price_usd,
        accounts_observed=n,
        accounts_failed=0,
        source=demo_source("hyperliquid/clearinghouseState", oldest, timeline.as_of),
    )
