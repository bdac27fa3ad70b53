import pytest

from derivintel.core.result import Status
from derivintel.synthesis.trade_plan import Level, build_trade_plan


def test_hand_computed_long_and_short():
    plan = build_trade_plan(
        price_usd=100.0,
        atr_usd=2.0,
        supports=[Level(95.0, "VAL"), Level(90.0, "put wall")],
        resistances=[Level(105.0, "VAH"), Level(110.0, "call wall")],
        bias="bullish",
        risk_fraction=0.01,
        zone_atr=0.25,
        stop_atr=1.0,
    ).value
    long = plan.long
    # zone 95 .. 95.5 (0.25 ATR), mid 95.25; stop 95 - 2 = 93; risk 2.25; target1 105 → RR = 9.75/2.25
    assert (long.entry_low_usd, long.entry_high_usd, long.stop_usd) == (95.0, 95.5, 93.0)
    assert long.reward_risk == pytest.approx(9.75 / 2.25)
    assert long.stop_distance_fraction == pytest.approx(2.25 / 95.25)
    assert long.notional_fraction_of_equity == pytest.approx(0.01 / (2.25 / 95.25))
    short = plan.short
    # zone 104.5 .. 105, mid 104.75; stop 107; target1 95 (VAL) → RR 9.75/2.25
    assert (short.entry_low_usd, short.entry_high_usd, short.stop_usd, short.target1_usd) == (104.5, 105.0, 107.0, 95.0)
    assert plan.preferred == "long"


def test_missing_atr_and_one_sided_levels():
    assert build_trade_plan(price_usd=100, atr_usd=None, supports=[], resistances=[], bias=None).status is (
        Status.INSUFFICIENT_DATA
    )
    one_side = build_trade_plan(price_usd=100, atr_usd=1.0, supports=[Level(99, "a")], resistances=[], bias=None)
    assert one_side.status is Status.INSUFFICIENT_DATA
