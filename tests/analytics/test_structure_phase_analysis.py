"""Phase heuristic and the analyze_structure entry point (1h and 4h, point in time, partial inputs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivintel.analytics.structure import (
    AVWAP_KEYS,
    EVIDENCE_NAMES,
    Phase,
    StructureParams,
    analyze_structure,
    anchored_vwap,
    calendar_anchor,
    classify_phase,
    volume_profile,
)
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.core.timeutil import to_ms
from derivintel.domain.series import CandleSeries
from tests.realdata import real_path

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SRC = Source("test", "synthetic-walk", T0, T0, synthetic=True)

FULL = {
    "position_fraction": 0.5,
    "close_usd": 105.0,
    "avwap_usd": 100.0,
    "avwap_slope_fraction": 0.01,
    "price_change_7d_fraction": 0.05,
    "oi_change_7d_fraction": 0.04,
    "funding_1h": 0.00001,
    "perp_cvd_7d_base": 100.0,
    "spot_cvd_7d_base": 50.0,
}


def test_phase_markup_hand_scored():
    # mid range → markup .5 (markdown .5); above AVWAP → markup .6; rising → markup 1; OI↑ price↑ → markup 1;
    # baseline funding → markup .5; spot↑ perp↑ → markup 1. markup = 4.6 → confidence 4.6 / 6
    r = classify_phase(**FULL)
    assert r.status is Status.OK
    call = r.value
    assert call.phase is Phase.MARKUP
    assert call.confidence == pytest.approx(4.6 / 6)
    assert dict(call.scores)[Phase.MARKUP] == pytest.approx(4.6)
    assert [e.name for e in call.evidence] == list(EVIDENCE_NAMES)
    assert call.missing == ()


def test_phase_accumulation_hand_scored():
    # low in range → acc .6 md .4; below AVWAP → md .6 acc .4; flat slope → acc .5 dist .5; OI↓ price↓ → md .5
    # acc .5; negative funding → acc .6 md .4; spot↑ perp↓ → acc 1. acc = 3.6, md = 1.9, dist = .5
    r = classify_phase(
        position_fraction=0.1, close_usd=95.0, avwap_usd=100.0, avwap_slope_fraction=0.001,
        price_change_7d_fraction=-0.03, oi_change_7d_fraction=-0.05, funding_1h=-0.00002,
        perp_cvd_7d_base=-10.0, spot_cvd_7d_base=20.0,
    )  # fmt: skip
    scores = dict(r.value.scores)
    assert r.value.phase is Phase.ACCUMULATION
    assert scores[Phase.ACCUMULATION] == pytest.approx(3.6)
    assert scores[Phase.MARKDOWN] == pytest.approx(1.9)
    assert scores[Phase.DISTRIBUTION] == pytest.approx(0.5)
    assert r.value.confidence == pytest.approx(0.6)


def test_phase_distribution_reading():
    # high in range → dist .6 mk .4; above → mk .6 dist .4; flat → acc .5 dist .5; OI flat → acc .5 dist .5;
    # elevated funding → dist .6 mk .4; spot↓ perp↑ → dist 1 → dist = 3.6
    r = classify_phase(
        position_fraction=0.9, close_usd=101.0, avwap_usd=100.0, avwap_slope_fraction=0.0,
        price_change_7d_fraction=0.0, oi_change_7d_fraction=0.005, funding_1h=0.0001,
        perp_cvd_7d_base=30.0, spot_cvd_7d_base=-40.0,
    )  # fmt: skip
    assert r.value.phase is Phase.DISTRIBUTION
    assert r.value.confidence == pytest.approx(3.6 / 6)


def test_missing_inputs_are_named_not_neutral():
    partial = dict(FULL, oi_change_7d_fraction=None, funding_1h=None, spot_cvd_7d_base=None)
    r = classify_phase(**partial)
    assert r.status is Status.PARTIAL
    assert r.value.missing == ("oi_trend", "funding", "spot_vs_perp_cvd")
    text = " ".join(r.reasons)
    assert "7d OI change not supplied" in text
    assert "funding not supplied" in text
    assert "spot 7d CVD not supplied" in text
    # 3 pieces left: markup .5 + .6 + 1 = 2.1 of 6 possible
    assert r.value.confidence == pytest.approx(2.1 / 6)
    assert {e.name for e in r.value.evidence} == {"position_in_range", "avwap_side", "avwap_slope"}
    none = classify_phase(**dict.fromkeys(FULL))
    assert none.status is Status.INSUFFICIENT_DATA


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {k: st.one_of(st.none(), st.floats(-1.0, 1.0) if k != "avwap_usd" else st.floats(1.0, 1e5)) for k in FULL}
    )
)
def test_phase_confidence_bounded_and_scores_sum_to_evidence(inputs):
    r = classify_phase(**inputs)
    if r.value is None:
        assert r.status is Status.INSUFFICIENT_DATA
        return
    call = r.value
    assert 0.0 <= call.confidence <= 1.0
    assert sum(v for _, v in call.scores) == pytest.approx(len(call.evidence))
    assert len(call.evidence) + len(call.missing) == len(EVIDENCE_NAMES)
    assert (r.status is Status.PARTIAL) == bool(call.missing)


# --- analyze_structure --------------------------------------------------------------------------------------------


def walk(n: int, interval_s: int, seed: int = 3, start: datetime = T0) -> CandleSeries:
    """Seeded geometric random walk with realistic-looking bars (synthetic test data, marked so in the source)."""
    rng = np.random.default_rng(seed)
    close = 40_000 * np.exp(np.cumsum(rng.normal(0, 0.004 * np.sqrt(interval_s / 3600), n)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    wick = np.abs(rng.normal(0, 0.002, (2, n))) * close
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    vol = rng.gamma(2.0, 500.0, n)
    ts = np.datetime64(to_ms(start), "ms") + np.arange(n) * np.timedelta64(interval_s * 1000, "ms")
    return CandleSeries("test", "BTC", "perp", interval_s, ts, open_, high, low, close, vol, vol / 2, SRC)


HOURLY = walk(450 * 24, 3600)
AS_OF = T0 + timedelta(days=440, hours=7, minutes=30)  # 2025-03-16 07:30, mid-bar
EXTRAS = {"oi_change_7d_fraction": 0.02, "funding_1h": 0.00001, "perp_cvd_7d_base": 10.0, "spot_cvd_7d_base": 5.0}


def test_analyze_structure_hourly_complete():
    r = analyze_structure(HOURLY, as_of=AS_OF, **EXTRAS)
    assert r.status is Status.OK, r.reasons
    v = r.value
    assert set(v.avwap) == set(AVWAP_KEYS)
    assert v.last_bar_ts == datetime(2025, 3, 16, 6, 0, tzinfo=UTC)  # the 07:00 bar is still open
    assert v.last_close_usd == HOURLY.close[440 * 24 + 6]
    assert (v.venue, v.market, v.interval_s) == ("test", "perp", 3600)
    # each AVWAP is the stand-alone analytic for its anchor
    q = anchored_vwap(HOURLY, calendar_anchor(AS_OF, "quarter"), AS_OF, anchor_name="quarter").value
    assert v.avwap["quarter"] == q
    assert v.avwap["quarter"].anchor == datetime(2025, 1, 1, tzinfo=UTC)
    assert v.avwap["week"].anchor == datetime(2025, 3, 10, tzinfo=UTC)
    assert v.avwap["cycle_high"].range_high_usd == pytest.approx(
        HOURLY.high[
            (HOURLY.ts >= np.datetime64("2024-03-16T07:30")) & (HOURLY.ts <= np.datetime64("2025-03-16T06:00"))
        ].max()
    )
    p = volume_profile(HOURLY, as_of=AS_OF, window_days=30).value
    assert v.profile.poc_usd == p.poc_usd
    assert v.range_low_usd <= v.last_close_usd <= v.range_high_usd
    assert 0 <= v.range_position_fraction <= 1
    assert v.equal_tolerance_usd == pytest.approx(0.1 * v.atr_usd)
    since = AS_OF - timedelta(days=90)
    assert all(since <= s.ts and s.confirmed_ts <= AS_OF for s in v.swing_highs + v.swing_lows)
    assert v.swing_highs
    assert v.phase is not None
    assert v.phase.missing == ()
    assert r.sources == (SRC,)
    assert r.params["interval_s"] == 3600


def test_analyze_structure_ignores_the_future():
    """Bars after as_of (here replaced by a wild spike) change nothing."""
    spiked_high = HOURLY.high.copy()
    cut = 440 * 24 + 7
    spiked_high[cut:] *= 3
    spiked_vol = HOURLY.volume_base.copy()
    spiked_vol[cut:] *= 100
    spiked = CandleSeries(
        "test", "BTC", "perp", 3600, HOURLY.ts, HOURLY.open, spiked_high, HOURLY.low, HOURLY.close, spiked_vol,
        HOURLY.taker_buy_base, SRC,
    )  # fmt: skip
    a = analyze_structure(HOURLY, as_of=AS_OF, **EXTRAS).value
    b = analyze_structure(spiked, as_of=AS_OF, **EXTRAS).value
    c = analyze_structure(HOURLY.until(AS_OF), as_of=AS_OF, **EXTRAS).value
    for other in (b, c):
        assert dict(other.avwap) == dict(a.avwap)
        assert other.swing_highs == a.swing_highs
        assert other.swing_lows == a.swing_lows
        assert other.equal_highs == a.equal_highs
        assert other.equal_lows == a.equal_lows
        assert other.phase == a.phase
        assert other.atr_usd == a.atr_usd
        np.testing.assert_array_equal(other.profile.volume_base, a.profile.volume_base)


def test_analyze_structure_partial_without_optional_inputs():
    r = analyze_structure(HOURLY, as_of=AS_OF)
    assert r.status is Status.PARTIAL
    text = " ".join(r.reasons)
    for words in ("7d OI change not supplied", "funding not supplied", "spot and perp 7d CVD not supplied"):
        assert words in text
    assert r.value.phase.missing == ("oi_trend", "funding", "spot_vs_perp_cvd")


def test_analyze_structure_4h_and_short_history():
    four_h = walk(450 * 6, 14_400, seed=11)
    r = analyze_structure(four_h, as_of=AS_OF, **EXTRAS)
    assert r.status is Status.OK, r.reasons
    assert r.value.interval_s == 14_400
    assert r.value.last_bar_ts == datetime(2025, 3, 16, 0, 0, tzinfo=UTC)  # 04:00 bar closes at 08:00
    # 60 days of history: year/quarter AVWAPs cannot start at their anchors → absent and named; cycle lookback short
    short = walk(60 * 24, 3600, start=AS_OF - timedelta(days=60))
    rs = analyze_structure(short, as_of=AS_OF, **EXTRAS)
    assert rs.status is Status.PARTIAL
    assert "year" not in rs.value.avwap
    assert "quarter" not in rs.value.avwap
    assert "week" in rs.value.avwap
    assert any("after the anchor" in x for x in rs.reasons)
    assert any("phase: reference AVWAP 'quarter' unavailable" in x for x in rs.reasons)
    assert "avwap_side" in rs.value.phase.missing
    # stale candles: as_of 10 days after the last bar → partial, said; 200 days after → no bar in the range lookback
    end = T0 + timedelta(days=450)
    stale = analyze_structure(HOURLY, as_of=end + timedelta(days=10), **EXTRAS)
    assert stale.status is Status.PARTIAL
    assert "candles stale" in stale.reasons[0]
    assert analyze_structure(HOURLY, as_of=end + timedelta(days=200)).status is Status.INSUFFICIENT_DATA
    # a few bars only: insufficient
    tiny = walk(8, 3600)
    assert analyze_structure(tiny, as_of=T0 + timedelta(hours=8)).status is Status.INSUFFICIENT_DATA


def test_analyze_structure_params_are_used():
    params = StructureParams(swing_k=3, profile_bins=40, range_lookback_days=30, phase_anchor="month")
    v = analyze_structure(HOURLY, as_of=AS_OF, params=params, **EXTRAS).value
    assert len(v.profile.volume_base) == 40
    assert all(s.ts >= AS_OF - timedelta(days=30) for s in v.swing_highs)


def test_real_binance_4h_structure_invariants():
    import pandas as pd

    path = real_path("perp_history", "binance_btcusdt_um", "futures_BTCUSDT_4h.csv")
    df = pd.read_csv(path)
    src = Source("binance-usdm", "klines 4h", T0, T0)
    c = CandleSeries(
        "binance-usdm", "BTC", "perp", 14_400, df["open_time"].to_numpy(np.int64).astype("datetime64[ms]"),
        *(df[k].to_numpy(float) for k in ("open", "high", "low", "close", "volume", "taker_buy_volume")), src,
    )  # fmt: skip
    as_of = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    v = analyze_structure(c, as_of=as_of).value
    assert v.last_bar_ts == datetime(2024, 3, 20, 4, 0, tzinfo=UTC)
    for a in v.avwap.values():
        assert a.range_low_usd <= a.vwap_usd <= a.range_high_usd
    assert v.profile.val_usd <= v.profile.poc_usd <= v.profile.vah_usd
    # the cycle high as of 2024-03-20 is the 2024-03-14 bar with high 73,881.4 (Binance BTCUSDT perp ATH then)
    sel = df[(df.open_time >= to_ms(as_of - timedelta(days=365))) & (df.open_time + 14_400_000 <= to_ms(as_of))]
    assert v.avwap["cycle_high"].anchor.timestamp() * 1000 == sel.loc[sel.high.idxmax(), "open_time"]
    for s in v.swing_highs:
        assert s.confirmed_ts - s.ts >= timedelta(hours=4 * 5)
