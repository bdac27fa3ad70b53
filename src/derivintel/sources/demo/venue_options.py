"""SYNTHETIC option chains of the other option venues (OKX, Bybit, Binance) for the demo scenario.

Each is derived from the demo's Deribit-like chain: a subset of its expiries, OI scaled to a venue share of Deribit's
(with seeded lognormal noise per option), 24h volume scaled the same way, and mark IVs shifted by a venue offset
plus seeded noise (marks in coin recomputed with Black-76 from the shifted IV). Like the live connector, the Binance
chain carries no open interest (its endpoint needs one request per expiry and is not fetched). Every ``Source`` is
the demo's, marked synthetic, its dataset naming the endpoint it imitates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from derivintel.core.black76 import years_to_expiry
from derivintel.domain.options import OptionChain
from derivintel.sources.demo.options_chain import black76_coin_price
from derivintel.sources.demo.profiles import demo_source
from derivintel.sources.demo.timeline import Timeline

_STREAM_VENUE_OPTIONS = 20


@dataclass(frozen=True, slots=True)
class DemoOptionVenue:
    """``oi_share``: OI as a fraction of Deribit's; ``iv_offset``: added to Deribit's IV (fraction); ``expiries``:
    how many of Deribit's expiries the venue lists (nearest first); ``has_oi``: whether its chain carries OI."""

    venue: str
    dataset: str
    oi_share: float
    iv_offset: float
    expiries: int
    has_oi: bool


DEMO_OPTION_VENUES: tuple[DemoOptionVenue, ...] = (
    DemoOptionVenue("okx", "okx-options/opt-summary", 0.09, 0.004, 11, True),
    DemoOptionVenue("bybit", "bybit-options/tickers", 0.06, 0.009, 9, True),
    DemoOptionVenue("binance", "binance-options/mark", 0.03, -0.006, 6, False),
)


def build_venue_chains(timeline: Timeline, asset_code: int, deribit: OptionChain) -> dict[str, OptionChain]:
    """venue → synthetic chain derived from the demo's Deribit chain (module doc)."""
    out: dict[str, OptionChain] = {}
    for i, v in enumerate(DEMO_OPTION_VENUES):
        rng = timeline.rng(asset_code, _STREAM_VENUE_OPTIONS + i)
        listed = deribit.select(np.isin(deribit.expiry, deribit.expiries[: v.expiries]))
        n = len(listed)
        scale = v.oi_share * np.exp(0.4 * rng.standard_normal(n))
        iv = np.clip(listed.mark_iv + v.iv_offset + 0.003 * rng.standard_normal(n), 0.08, 2.5)
        t = years_to_expiry(listed.expiry, timeline.as_of)
        out[v.venue] = replace(
            listed,
            mark_iv=iv,
            oi_base=np.round(listed.oi_base * scale, 1) if v.has_oi else np.full(n, np.nan),
            volume_base=np.round(listed.volume_base * scale, 1),
            mark_price_coin=black76_coin_price(listed.underlying_price_usd, listed.strike, t, iv, listed.is_call),
            source=demo_source(v.dataset, timeline.last_close, timeline.as_of),
        )
    return out
