"""Trade plan by construction: own ladders per side, reachable entries, disjoint zones, stops beyond structure,
reward/risk after costs with a minimum, size within the leverage cap (issue 11 item 3)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.core.result import Status
from derivintel.synthesis.trade_plan import Level, PlanParams, build_trade_plan

ENTRIES = [Level(98.0, "VAL"), Level(103.0, "VAH")]
TARGETS = [Level(110.0, "swing high"), Level(90.0, "swing low"), Level(86.0, "range low")]
PARAMS = PlanParams(zone_atr=0.25, stop_buffer_atr=1.0, taker_fee_frac=0.0005, slippage_frac=0.0005)


def test_hand_computed_long_and_short() -> None:
    plan = build_trade_plan(
        price_usd=100.0, atr_usd=2.0, entry_levels=ENTRIES, target_levels=TARGETS, bias="bullish", params=PARAMS
    ).value
    assert plan is not None
    long, short = plan.long, plan.short
    # Long: zone 98 .. 98.5 (0.25 ATR), entry 98.25; stop one ATR under VAL = 96; first target 110 (its own ladder).
    # Costs 0.1 % per fill: reward 11.75 − 0.001·(98.25 + 110), risk 2.25 + 0.001·(98.25 + 96).
    assert (long.status, long.entry_low_usd, long.entry_high_usd, long.stop_usd) == ("enter", 98.0, 98.5, 96.0)
    assert long.stop_beyond == Level(98.0, "VAL")
    assert [t.price_usd for t in long.targets] == [110.0]
    assert long.reward_risk == pytest.approx((11.75 - 0.20825) / (2.25 + 0.19425))
    assert long.reward_risk_gross == pytest.approx(11.75 / 2.25)
    assert long.loss_fraction_at_stop == pytest.approx(2.44425 / 98.25)
    assert long.notional_fraction_of_equity == pytest.approx(0.01 / (2.44425 / 98.25))
    assert long.risk_at_stop_fraction == pytest.approx(0.01)
    # Short: zone 102.5 .. 103, entry 102.75, stop 105; targets 90 then 86 (below, its own ladder).
    assert (short.status, short.entry_low_usd, short.entry_high_usd, short.stop_usd) == ("enter", 102.5, 103.0, 105.0)
    assert [t.price_usd for t in short.targets] == [90.0, 86.0]
    assert short.reward_risk == pytest.approx((12.75 - 0.19275) / (2.25 + 0.20775))
    assert plan.preferred == "long"


def test_defect_targets_are_not_the_other_sides_entry_so_reward_risk_differs() -> None:
    # Before: each side's target was the other side's entry, so long and short R/R were equal by construction
    # (15.65 / 15.65 on the demo).
    plan = build_trade_plan(
        price_usd=100.0, atr_usd=2.0, entry_levels=ENTRIES, target_levels=TARGETS, bias=None, params=PARAMS
    ).value
    assert plan is not None
    assert plan.long.targets[0] != plan.short.entry_level
    assert plan.short.targets[0] != plan.long.entry_level
    assert plan.long.reward_risk != pytest.approx(plan.short.reward_risk)


def test_defect_low_reward_risk_is_no_trade_with_the_figure() -> None:
    # 2026-04-01 replay: R/R 0.19 on the preferred side. A target barely above the entry is not a plan.
    plan = build_trade_plan(
        price_usd=100.0,
        atr_usd=2.0,
        entry_levels=ENTRIES,
        target_levels=[Level(100.5, "swing high"), Level(90.0, "swing low")],
        bias="bullish",
        params=PARAMS,
    ).value
    assert plan is not None
    assert plan.long.status == "no_trade"
    assert plan.long.reward_risk is None
    assert plan.long.notional_fraction_of_equity is None
    assert plan.long.reason is not None
    assert plan.long.reason.startswith("R/R 0.")
    assert plan.long.label.startswith("no trade: R/R 0.") and plan.long.label.endswith("< 1.5")  # noqa: PT018
    assert plan.short.status == "enter"


def test_defect_unreachable_entry_is_wait_for_the_level() -> None:
    # Demo: the long entry sat 8.6 % below price. With a 1 % ATR that is 8.6 ATRs: wait for it, do not enter.
    plan = build_trade_plan(
        price_usd=100.0,
        atr_usd=1.0,
        entry_levels=[Level(91.4, "range low"), Level(101.0, "VAH")],
        target_levels=[Level(114.0, "swing high"), Level(88.0, "swing low")],
        bias=None,
        params=PARAMS,
    ).value
    assert plan is not None
    assert plan.long.status == "wait"
    assert plan.long.entry_distance_atr == pytest.approx(8.6)
    assert plan.long.label == "wait for 91.4 (range low)"
    assert plan.short.status == "enter"


def test_defect_zones_never_overlap_when_levels_crowd_the_price() -> None:
    # Before: buy and sell zones overlapped when the entry levels were within a zone width of each other.
    plan = build_trade_plan(
        price_usd=100.0,
        atr_usd=2.0,
        entry_levels=[Level(99.9, "month AVWAP"), Level(100.1, "cycle_low AVWAP")],
        target_levels=TARGETS,
        bias=None,
        params=PARAMS,
    ).value
    assert plan is not None
    assert plan.long.entry_high_usd < plan.short.entry_low_usd


def test_leverage_cap_bounds_the_size() -> None:
    # A 0.1 ATR stop on a tight level would need 1/(~0.3 %) ≈ 3× at 1 % risk; cap at 2×.
    plan = build_trade_plan(
        price_usd=100.0,
        atr_usd=0.2,
        entry_levels=[Level(99.9, "VAL"), Level(100.5, "VAH")],
        target_levels=[Level(103.0, "swing high"), Level(97.0, "swing low")],
        bias=None,
        params=PlanParams(max_leverage=2.0),
    ).value
    assert plan is not None
    assert plan.long.leverage_capped
    assert plan.long.notional_fraction_of_equity == 2.0
    assert plan.long.risk_at_stop_fraction < 0.01


def test_missing_atr_and_sides_without_levels() -> None:
    assert build_trade_plan(price_usd=100, atr_usd=None, entry_levels=[], target_levels=[], bias=None).status is (
        Status.INSUFFICIENT_DATA
    )
    one = build_trade_plan(price_usd=100, atr_usd=1.0, entry_levels=[Level(99, "a")], target_levels=[], bias=None).value
    assert one is not None
    assert one.long.label == "no trade: no target level above the entry zone within 15%"
    assert one.short.label == "no trade: no entry level above price within 15%"


def test_bad_parameters_raise() -> None:
    with pytest.raises(ValueError, match="risk_fraction"):
        PlanParams(risk_fraction=0.5)
    with pytest.raises(ValueError, match="fees"):
        PlanParams(taker_fee_frac=-0.001)


_levels = st.lists(
    st.tuples(st.floats(80.0, 120.0, allow_nan=False), st.sampled_from(["a", "b", "c"])), min_size=0, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(
    entries=_levels,
    targets=_levels,
    atr=st.floats(0.05, 6.0),
    min_rr=st.floats(0.5, 4.0),
    max_lev=st.floats(0.5, 25.0),
    fee=st.floats(0.0, 0.002),
    slip=st.floats(0.0, 0.002),
    risk=st.floats(0.001, 0.05),
)
def test_plan_properties(entries, targets, atr, min_rr, max_lev, fee, slip, risk) -> None:
    price = 100.0
    p = PlanParams(
        risk_fraction=risk, max_leverage=max_lev, min_reward_risk=min_rr, taker_fee_frac=fee, slippage_frac=slip
    )
    e = [Level(x, n) for x, n in entries]
    t = [Level(x, n) for x, n in targets]
    plan = build_trade_plan(price_usd=price, atr_usd=atr, entry_levels=e, target_levels=t, bias=None, params=p).value
    assert plan is not None
    structure = [lv.price_usd for lv in (*e, *t)]
    for sp, sign in ((plan.long, 1.0), (plan.short, -1.0)):
        if sp.entry_low_usd is not None:
            # Stop beyond the entry on the right side, beyond the structural level it names, none in between.
            assert sp.entry_low_usd <= sp.entry_high_usd
            assert sign * (sp.entry_low_usd if sign > 0 else sp.entry_high_usd) > sign * sp.stop_usd
            anchor = sp.stop_beyond.price_usd
            assert sign * (anchor - sp.stop_usd) == pytest.approx(p.stop_buffer_atr * atr)
            lo, hi = sorted((anchor, sp.stop_usd))
            assert not any(lo < x < hi for x in structure)
            # The zone is on the side's side of price.
            assert (sp.entry_high_usd <= price) if sign > 0 else (sp.entry_low_usd >= price)
        if sp.actionable:
            assert sp.reward_risk >= min_rr
            assert sp.notional_fraction_of_equity <= max_lev
            assert sp.risk_at_stop_fraction <= risk * (1 + 1e-12)
            assert sign * (sp.targets[0].price_usd - price) > 0
            assert sign * (sp.targets[0].price_usd - (sp.entry_high_usd if sign > 0 else sp.entry_low_usd)) > 0
        else:
            assert sp.reward_risk is None
            assert sp.label.startswith("no trade: ")
            if sp.reward_risk_gross is not None:
                assert sp.reason.startswith("R/R ")
                assert sp.reason.endswith(f"< {min_rr:g}")
    if plan.long.entry_high_usd is not None and plan.short.entry_low_usd is not None:
        assert plan.long.entry_high_usd < plan.short.entry_low_usd  # zones disjoint
