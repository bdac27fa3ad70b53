from datetime import UTC, datetime, timedelta

import pytest

from derivintel.analytics.liquidity.realised import realised_liquidations
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent

AS_OF = datetime(2026, 3, 14, 12, tzinfo=UTC)


def _event(venue: str, side: LiquidatedSide, price: float, size: float, hours_ago: float) -> LiquidationEvent:
    t = AS_OF - timedelta(hours=hours_ago)
    return LiquidationEvent(venue, "BTC", side, price, size, Source(venue, "liquidations", t, t))


def test_window_sums_per_venue_and_side():
    events = [
        _event("bybit", LiquidatedSide.LONG, 100.0, 2.0, 1),  # 200
        _event("bybit", LiquidatedSide.SHORT, 110.0, 1.0, 2),  # 110
        _event("bybit", LiquidatedSide.LONG, 90.0, 1.0, 25),  # outside the 24h window
        _event("okx", LiquidatedSide.LONG, 100.0, 0.5, 23.9),  # 50
        _event("okx", LiquidatedSide.LONG, 100.0, 0.5, -0.1),  # after as_of: not known yet
    ]
    r = realised_liquidations(events, as_of=AS_OF)
    assert r.status is Status.OK
    v = {x.venue: x for x in r.value.venues}
    assert (v["bybit"].long_usd, v["bybit"].short_usd, v["bybit"].long_count) == (200.0, 110.0, 1)
    assert v["okx"].long_usd == pytest.approx(50.0)
    assert r.value.long_usd == pytest.approx(250.0)
    assert r.value.short_usd == pytest.approx(110.0)


def test_binance_is_flagged_as_sampled():
    """Binance's stream declares it pushes a sample (``sources/binance/ws.py``); the analytics flag what they are
    told is sampled, and the declarations gathered from the venue folders say Binance's is."""
    from derivintel.sources.stream_notes import LIQUIDATION_SAMPLING

    assert set(LIQUIDATION_SAMPLING) == {"binance-usdm"}
    event = _event("binance-usdm", LiquidatedSide.SHORT, 100.0, 1.0, 1)
    assert realised_liquidations([event], as_of=AS_OF).status is Status.OK  # told nothing: nothing flagged
    r = realised_liquidations([event], as_of=AS_OF, sampled=LIQUIDATION_SAMPLING)
    assert r.status is Status.PARTIAL
    assert r.value.venues[0].sampled
    assert "one liquidation per symbol per second" in r.reasons[0]


def test_no_feed_is_missing_not_zero():
    r = realised_liquidations([], as_of=AS_OF)
    assert r.value is None
    assert "no realised liquidation feed" in r.reasons[0]
