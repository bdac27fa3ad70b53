"""Hand cases for macro components, correlation alignment and the rule-based regime."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.analytics.macro import (
    MacroComponent,
    MacroParams,
    Rule,
    Signal,
    analyze_macro,
    log_return_correlation,
    regime_score,
)
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.macro import MacroSeries

AS_OF = datetime(2024, 3, 1, 12, tzinfo=UTC)


def src(name: str) -> Source:
    return Source("test", name, AS_OF, AS_OF)


def daily(name: str, unit: str, dates: list[str], values: list[float]) -> MacroSeries:
    ts = np.array([np.datetime64(d, "ms") for d in dates])
    return MacroSeries(name, unit, ts, np.array(values, dtype=float), src(name))


def trading_days(end: str, n: int) -> list[str]:
    return [d.strftime("%Y-%m-%d") for d in pd.bdate_range(end=end, periods=n)]


# ---------------------------------------------------------------- correlation


def test_correlation_matches_numpy_on_aligned_series_with_holiday_gap():
    # BTC trades every day; NASDAQ on weekdays except a holiday (2024-02-19, Presidents' Day).
    days = pd.date_range("2024-01-15", "2024-02-29", freq="D")
    rng = np.random.default_rng(7)
    btc = pd.Series(40_000 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days)))), index=days)
    ndx_days = [d for d in days if d.weekday() < 5 and d != pd.Timestamp("2024-02-19")]
    ndx = pd.Series(15_000 * np.exp(np.cumsum(rng.normal(0, 0.01, len(ndx_days)))), index=pd.DatetimeIndex(ndx_days))
    # reference by hand: common dates = NASDAQ dates (BTC has all days); returns between consecutive common dates,
    # so Fri 16 Feb -> Tue 20 Feb is one return for both series; window = return dates in (29 Feb − 30 d, 29 Feb].
    common = list(ndx.index)
    end = common[-1]
    a, b = [], []
    for prev, cur in itertools.pairwise(common):
        if cur > end - pd.Timedelta(days=30):
            a.append(math.log(btc[cur] / btc[prev]))
            b.append(math.log(ndx[cur] / ndx[prev]))
    expected = np.corrcoef(a, b)[0, 1]
    res = log_return_correlation(btc, ndx, as_of=datetime(2024, 3, 1, 1, tzinfo=UTC), window_days=30, min_obs=10)
    # return dates in (30 Jan, 29 Feb]: 31 Jan + 21 February weekdays − the holiday = 21
    assert res.value.n_obs == len(a) == 21
    assert res.value.rho == pytest.approx(expected, rel=1e-12)
    # as of 29 Feb 12:00 the BTC 29 Feb daily bar is not closed: the window ends on 28 Feb
    early = log_return_correlation(btc, ndx, as_of=datetime(2024, 2, 29, 12, tzinfo=UTC), window_days=30, min_obs=10)
    assert early.value.end.date().isoformat() == "2024-02-28"


def test_correlation_missing_when_too_few_common_dates():
    btc = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-02-26", periods=3))
    ndx = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-02-27", "2024-02-28"]))
    res = log_return_correlation(btc, ndx, as_of=AS_OF, min_obs=5)
    assert res.status is Status.INSUFFICIENT_DATA


# ---------------------------------------------------------------- components and regime


def test_vix_component_level_change_and_risk_off_hand_case():
    # 6 trading days ending Thu 29 Feb: 20, 21, 22, 23, 24, 30 -> level 30, 5-trading-day change 30 − 20 = +10 points
    # rules fired: vix > 25 (risk_off, w 1) and vix.change > 3 (risk_off, w 0.5) -> num −1.5
    # denominator: (vix,value) max(1,1) = 1 + (vix,change) max(0.5,0.5) = 0.5 -> score −1.5/1.5 = −1
    vix = daily("vix", "index_points", trading_days("2024-02-29", 6), [20, 21, 22, 23, 24, 30])
    res = analyze_macro({"vix": vix}, None, as_of=AS_OF)
    c = res.value.components["vix"]
    assert c.value == 30
    assert c.change == 10
    assert c.change_window == "5 trading days"
    assert c.signal is Signal.RISK_OFF
    assert "vix.value > 25" in c.rule
    assert res.value.score == pytest.approx(-1.0)
    assert res.value.regime is Signal.RISK_OFF
    assert res.status is Status.PARTIAL


def test_missing_component_is_listed_not_voted_neutral():
    # only nasdaq: 5-day return 103/100 − 1 = 3 % > 2 % -> risk_on; everything else missing, not neutral
    ndx = daily("nasdaq", "index_points", trading_days("2024-02-29", 6), [100, 99, 101, 100, 102, 103])
    res = analyze_macro({"nasdaq": ndx}, None, as_of=AS_OF)
    v = res.value
    assert set(v.components) == {"nasdaq"}
    for name in ("vix", "dxy", "wti", "stablecoin_supply_7d", "stablecoin_supply_30d", "btc_dominance", "eth_btc"):
        assert name in v.missing
    assert "btc_nasdaq_corr_30d" in v.missing
    assert v.nasdaq_correlation_30d is None
    # score only over nasdaq's rules: +1 / max(1, 1) = +1; absent components add nothing to the denominator
    assert v.score == pytest.approx(1.0)
    assert v.regime is Signal.RISK_ON
    assert res.status is Status.PARTIAL
    assert any("vix" in r for r in res.reasons)


def test_no_series_at_all_is_missing():
    assert analyze_macro({}, None, as_of=AS_OF).status is Status.INSUFFICIENT_DATA


def test_values_after_as_of_and_stale_series_are_not_used():
    # a spike to 80 on 1 Mar (after as_of 29 Feb 12:00 UTC is not; use as_of on 29 Feb) must not be seen
    vix = daily("vix", "index_points", trading_days("2024-03-01", 7), [20, 20, 20, 20, 20, 20, 80])
    res = analyze_macro({"vix": vix}, None, as_of=datetime(2024, 2, 29, 12, tzinfo=UTC))
    assert res.value.components["vix"].value == 20
    # a DXY series ending 10 days before as_of is stale -> missing
    dxy = daily("dxy", "index_points", trading_days("2024-02-19", 25), list(range(100, 125)))
    res2 = analyze_macro({"vix": vix, "dxy": dxy}, None, as_of=datetime(2024, 2, 29, 12, tzinfo=UTC))
    assert "dxy" in res2.value.missing
    assert "dxy" not in res2.value.components


def test_calendar_day_change_for_stablecoins_and_dominance():
    # stablecoin supply daily for 31 days: 100e9 -> 103e9 linear, 30 d change = 3 %, 7 d change = 0.7/100.0 ... by hand:
    # value(day k) = 100e9 + k·0.1e9, k = 0..30; last = 103e9; 7 days earlier = 102.3e9 -> 103/102.3 − 1
    dates = [d.strftime("%Y-%m-%d") for d in pd.date_range(end="2024-03-01", periods=31)]
    supply = daily("stablecoin_supply", "usd", dates, [100e9 + k * 0.1e9 for k in range(31)])
    dom = daily("btc_dominance", "fraction", dates, [0.50] * 24 + [0.52] * 7)  # 7 d change +0.02 (2 pp)
    res = analyze_macro(
        {"stablecoin_supply": supply, "btc_dominance": dom}, None, as_of=datetime(2024, 3, 2, tzinfo=UTC)
    )
    comps = res.value.components
    assert comps["stablecoin_supply_30d"].change == pytest.approx(0.03)
    assert comps["stablecoin_supply_7d"].change == pytest.approx(103 / 102.3 - 1)
    assert comps["btc_dominance"].change == pytest.approx(0.02)
    assert comps["btc_dominance"].change_unit == "fraction"
    assert comps["btc_dominance"].signal is Signal.RISK_OFF
    # votes: supply30 +1 (3 % > 2 %), supply7 0 (0.68 % is between −0.5 % and 1 %), dominance −0.5
    # denominator: 1 + 0.5 + 0.5 = 2 -> score (1 − 0.5)/2 = 0.25 -> exactly the risk_on cut-off
    assert res.value.score == pytest.approx(0.25)
    assert res.value.regime is Signal.RISK_ON


def test_custom_rules_are_data():
    vix = daily("vix", "index_points", trading_days("2024-02-29", 6), [20] * 6)
    rules = (Rule("vix", ">=", 20.0, Signal.RISK_OFF, 2.0), Rule("vix", "<", 10.0, Signal.RISK_ON, 1.0))
    res = analyze_macro({"vix": vix}, None, as_of=AS_OF, params=MacroParams(rules=rules))
    # fired: −2; denominator max(1, 2) = 2 -> −1
    assert res.value.score == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="operator"):
        Rule("vix", "==", 1.0, Signal.RISK_ON)
    with pytest.raises(ValueError, match="risk_on or risk_off"):
        Rule("vix", ">", 1.0, Signal.NEUTRAL)


def _comp(name: str, value: float, change: float | None) -> MacroComponent:
    return MacroComponent(name, value, "x", change, "n", Signal.NEUTRAL, None, AS_OF, None)


@given(
    st.dictionaries(
        st.sampled_from(["vix", "nasdaq", "dxy", "wti", "eth_btc"]),
        st.tuples(st.floats(-100, 100), st.one_of(st.none(), st.floats(-1, 1))),
    )
)
def test_score_is_bounded(values):
    comps = {k: _comp(k, v, c) for k, (v, c) in values.items()}
    score, _ = regime_score(comps, MacroParams().rules)
    assert -1.0 <= score <= 1.0
