"""The trade plan's record: one plan followed bar by bar on hand cases (fill, stop, target, the conservative order
within a bar, costs in R), the record's arithmetic, the decision grid, and no look-ahead."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.research.plan_track import (
    PlanOutcome,
    _mondays,
    follow_plan,
    plan_record_from_outcomes,
    replay_weekly,
)
from derivintel.research.vectors import DAY_MS
from derivintel.synthesis.trade_plan import Level, SidePlan
from tests.research.test_bias_track import synthetic_candles

LONG = SidePlan("long", "enter", None, entry_usd=100.0, stop_usd=95.0, targets=(Level(110.0, "untouched high"),))
SHORT = SidePlan("short", "enter", None, entry_usd=100.0, stop_usd=105.0, targets=(Level(90.0, "untouched low"),))


def follow(side: SidePlan, bars: list[tuple[float, float, float]], fill_bars: int = 2, cost: float = 0.0):
    hi, lo, close = (np.array(x, float) for x in zip(*bars, strict=True))
    return follow_plan(side, high=hi, low=lo, close=close, fill_bars=fill_bars, cost_per_fill=cost)


def test_long_fills_then_reaches_the_target():
    outcome, r = follow(LONG, [(101, 99.5, 100.5), (108, 100, 107), (111, 106, 110)])
    assert outcome == "target"
    assert r == pytest.approx(10 / 5)  # reward / risk without costs


def test_stop_first_and_r_is_minus_one_with_costs_included():
    outcome, r = follow(LONG, [(101, 99, 99.5), (99, 94, 95)], cost=0.001)
    assert outcome == "stop"
    assert r == pytest.approx(-1.0)  # the loss at the stop is the unit, costs included


def test_a_bar_reaching_both_counts_as_the_stop():
    assert follow(LONG, [(101, 99, 100), (112, 94, 100)])[0] == "stop"
    assert follow(SHORT, [(100.5, 99, 100), (106, 89, 100)])[0] == "stop"


def test_the_target_on_the_fill_bar_does_not_count_but_the_stop_does():
    assert follow(LONG, [(112, 99, 111), (109, 100, 105)])[0] == "open"  # target only on the fill bar
    assert follow(LONG, [(101, 94, 96)])[0] == "stop"  # filled and stopped within one bar


def test_unfilled_when_price_never_reaches_the_entry_within_the_fill_window():
    assert follow(LONG, [(103, 101, 102), (104, 100.5, 103), (105, 99, 104)], fill_bars=2) == ("unfilled", None)
    assert follow(SHORT, [(99, 97, 98)]) == ("unfilled", None)


def test_open_plan_is_marked_at_the_last_close():
    outcome, r = follow(SHORT, [(100.2, 99, 99.5), (101, 97, 98)])
    assert outcome == "open"
    assert r == pytest.approx((100 - 98) / 5)


def test_record_arithmetic_on_hand_outcomes():
    t = [datetime(2026, 1, 5 + 7 * k, tzinfo=UTC) for k in range(4)]

    def o(i: int, outcome: str, r: float | None, p: float) -> PlanOutcome:
        return PlanOutcome(t[i], "long", "enter", 100, 95, 110, outcome, r, p)

    outs = [o(0, "target", 2.0, 1 / 3), o(1, "stop", -1.0, 1 / 3), o(2, "stop", -1.0, 0.5), o(3, "open", 0.4, 0.2)]
    outs.append(o(3, "unfilled", None, 0.2))
    rec = plan_record_from_outcomes("BTC", 14_400, outs, 4, horizon_days=7, fill_days=2, min_plans=3, n_boot=200)
    v = rec.value
    assert (v.n_plans, v.n_filled, v.n_target, v.n_stop, v.n_open) == (5, 4, 1, 2, 1)
    assert v.hit_rate == pytest.approx(1 / 3)
    assert v.base_hit_rate == pytest.approx((1 / 3 + 1 / 3 + 0.5) / 3)
    assert v.edge == pytest.approx(v.hit_rate - v.base_hit_rate)
    assert v.mean_r_net == pytest.approx((2.0 - 1.0 - 1.0 + 0.4) / 4)
    assert v.hit_ci_low <= v.hit_rate <= v.hit_ci_high
    thin = plan_record_from_outcomes("BTC", 14_400, outs, 4, horizon_days=7, fill_days=2, min_plans=30)
    assert thin.value.hit_rate is None
    assert any("too few resolved plans" in r for r in thin.reasons)
    none = plan_record_from_outcomes("BTC", 14_400, [], 4, horizon_days=7, fill_days=2)
    assert none.value is None
    assert "no actionable plan" in none.reasons[0]


def test_mondays_grid():
    first = int(datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp() * 1000)  # a Thursday
    last = int(datetime(2026, 1, 26, tzinfo=UTC).timestamp() * 1000)
    days = [datetime.fromtimestamp(m / 1000, UTC) for m in _mondays(first, last)]
    assert days == [datetime(2026, 1, d, tzinfo=UTC) for d in (5, 12, 19, 26)]


def test_outcomes_use_no_bar_after_their_horizon():
    """Changing every bar after the last decision's horizon changes no outcome: nothing after it is read."""
    c = synthetic_candles(2400, start=datetime(2025, 1, 6, tzinfo=UTC))
    t0 = int(datetime(2025, 6, 2, tzinfo=UTC).timestamp() * 1000)
    decisions = np.arange(t0, t0 + 20 * 7 * DAY_MS, 7 * DAY_MS)
    replay = replay_weekly(c, decisions)
    outs, built = replay.outcomes, replay.built
    cut = int(np.searchsorted(c.ts.astype("datetime64[ms]").astype(np.int64), decisions[-1] + 7 * DAY_MS))
    assert cut < len(c)
    noisy = replace(
        c,
        high=np.concatenate([c.high[:cut], c.high[cut:] * 3]),
        low=np.concatenate([c.low[:cut], c.low[cut:] / 3]),
        close=np.concatenate([c.close[:cut], c.close[cut:] * 2]),
    )
    again_replay = replay_weekly(noisy, decisions)
    again, built_again = again_replay.outcomes, again_replay.built
    assert built == built_again == len(decisions)
    assert again == outs
    assert again_replay.phase_calls == replay.phase_calls  # the phase record reads nothing after its horizon either
    assert any(o.outcome != "unfilled" for o in outs)  # the case exercises fills
