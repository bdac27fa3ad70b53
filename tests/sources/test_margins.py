"""Venue maintenance-margin declarations (``sources/<venue>/margins.py``) gathered in ``sources.margins``."""

from __future__ import annotations

import pytest

from derivintel.domain.margins import VenueMargin, find_margin, margin_book, venue_family
from derivintel.sources.binance.margins import leverage_brackets
from derivintel.sources.margins import VENUE_MARGINS


def test_venue_declarations() -> None:
    assert find_margin(VENUE_MARGINS, "binance-usdm", "BTC").mmr == 0.004
    assert find_margin(VENUE_MARGINS, "bybit", "btc").mmr == 0.005
    assert find_margin(VENUE_MARGINS, "OKX_swap", "BTC").mmr == 0.004
    assert find_margin(VENUE_MARGINS, "hyperliquid", "BTC").mmr == pytest.approx(1 / 80)
    assert find_margin(VENUE_MARGINS, "hyperliquid", "ETH").mmr == pytest.approx(1 / 50)
    assert find_margin(VENUE_MARGINS, "deribit", "BTC") is None
    assert venue_family("binance-usdm") == "binance"
    assert all("tier-1" in m.note or "maxLeverage" in m.note for m in VENUE_MARGINS.values())


def test_binance_bracket_table_is_consistent() -> None:
    # cum is Binance's maintenance amount: it keeps the maintenance margin (notional·MMR − cum) continuous at every
    # bracket floor, so it follows from the floors and rates; a mistyped row breaks this identity.
    t = leverage_brackets("BTCUSDT")
    assert t is not None
    assert "leverage_bracket" in t.source
    prev = None
    for b in t.brackets:
        if prev is None:
            assert b.floor_usd == 0
            assert b.maint_amount_usd == 0
        else:
            assert b.floor_usd == prev.cap_usd
            assert b.maint_amount_usd == pytest.approx(prev.maint_amount_usd + b.floor_usd * (b.mmr - prev.mmr))
            assert b.max_leverage <= prev.max_leverage
        prev = b
    assert leverage_brackets("NOPEUSDT") is None


def test_duplicate_declarations_are_refused() -> None:
    m = VenueMargin("bybit", "BTC", 0.005, 100.0, "x")
    with pytest.raises(ValueError, match="two margin declarations"):
        margin_book(m, m)
