"""Hand-computed cases for positioning: funding aggregation, OI change, quadrant, CVD, z-score, long/short."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.positioning import Quadrant, analyze_positioning, classify_quadrant
from derivintel.analytics.positioning.cvd import cvd_from_candles, cvd_from_taker_volume
from derivintel.analytics.positioning.funding import aggregate_funding, funding_zscore, oi_weighted_rate
from derivintel.analytics.positioning.long_short import latest_long_short
from derivintel.analytics.positioning.open_interest import open_interest_change, total_open_interest
from derivintel.core.provenance import Source
from derivintel.core.result import Status
from derivintel.domain.perp import FundingKind, PerpMetrics
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortKind,
    LongShortSeries,
    OpenInterestSeries,
    TakerVolumeSeries,
)
from derivintel.domain.snapshot import AssetData

AS_OF = datetime(2024, 1, 10, 0, 0, tzinfo=UTC)
H = 3600


def src(name: str = "test") -> Source:
    return Source(name, "unit-test", AS_OF, AS_OF)


def ts_hours(start: datetime, n: int, step_h: float = 1.0) -> np.ndarray:
    base = np.datetime64(int(start.timestamp() * 1000), "ms")
    return base + (np.arange(n) * int(step_h * H * 1000)).astype("timedelta64[ms]")


def perp(venue: str, *, rate: float | None, hours: float, oi_base: float | None, mark: float = 100.0) -> PerpMetrics:
    return PerpMetrics(
        venue=venue,
        asset="BTC",
        venue_symbol="BTCUSDT",
        mark_price_usd=mark,
        index_price_usd=mark / 1.001,
        funding_rate_interval=rate,
        funding_interval_hours=hours,
        funding_kind=FundingKind.PREDICTED,
        next_funding_time=None,
        oi_base=oi_base,
        volume_24h_usd=None,
        source=src(venue),
    )


# ---------------------------------------------------------------- funding


def test_oi_weighted_funding_mixed_intervals_hand_case():
    # A: 8h rate 0.0008 -> 0.0001/h, OI 10 coins × 100 = 1000 USD
    # B: 4h rate 0.0008 -> 0.0002/h, OI 20 coins × 100 = 2000 USD
    # C: 1h rate 0.0004 -> 0.0004/h, OI 10 coins × 200 = 2000 USD
    # weighted = (0.0001·1000 + 0.0002·2000 + 0.0004·2000) / 5000 = (0.1 + 0.4 + 0.8)/5000 = 0.00026
    # mean = (0.0001 + 0.0002 + 0.0004)/3 = 0.000233333...
    perps = [
        perp("a", rate=0.0008, hours=8, oi_base=10),
        perp("b", rate=0.0008, hours=4, oi_base=20),
        perp("c", rate=0.0004, hours=1, oi_base=10, mark=200.0),
    ]
    res = aggregate_funding(perps)
    assert res.status is Status.OK
    assert res.value.weighted_1h == pytest.approx(0.00026)
    assert res.value.weighted_apr == pytest.approx(0.00026 * 8760)
    assert res.value.mean_1h == pytest.approx(0.0007 / 3)
    assert res.value.weighted_venues == ("a", "b", "c")


def test_funding_venue_without_oi_is_excluded_from_weight_and_named():
    # d has a rate but no OI: weighted over a only (0.0001/h), mean over a and d: (0.0001 + 0.0003)/2 = 0.0002
    res = aggregate_funding(
        [perp("a", rate=0.0008, hours=8, oi_base=10), perp("d", rate=0.0003, hours=1, oi_base=None)]
    )
    assert res.status is Status.PARTIAL
    assert res.value.weighted_1h == pytest.approx(0.0001)
    assert res.value.mean_1h == pytest.approx(0.0002)
    assert any("d" in r for r in res.reasons)


def test_funding_missing_everywhere_is_missing_not_zero():
    res = aggregate_funding([perp("a", rate=None, hours=8, oi_base=10)])
    assert res.status is Status.INSUFFICIENT_DATA
    assert res.value is None


def test_oi_weighted_rate_rejects_zero_weights():
    with pytest.raises(ValueError, match="zero"):
        oi_weighted_rate([0.001], [0.0])


def test_funding_zscore_hand_case():
    # per-hour rates (8h rate / 8): 1,2,3,4,5 ×1e-5 -> mean 3e-5, sample std sqrt(2.5)e-5 = 1.5811e-5
    # current = last settled = 5e-5 -> z = 2e-5 / 1.5811e-5 = 1.264911; percentile = 5/5 = 1.0
    n = 5
    hist = FundingSeries(
        "a", "BTC", ts_hours(AS_OF - timedelta(hours=40), n, 8), np.arange(1, 6) * 8e-5, np.full(n, 8.0), src()
    )
    res = funding_zscore(hist, as_of=AS_OF, min_obs=5)
    assert res.value.zscore == pytest.approx(2 / np.sqrt(2.5))
    assert res.value.percentile == 1.0
    assert res.value.current_is_settled
    # an explicit current rate of 2e-5/h: z = -1e-5/1.5811e-5 = -0.632456, percentile = 2/5
    res2 = funding_zscore(hist, as_of=AS_OF, current_1h=2e-5, min_obs=5)
    assert res2.value.zscore == pytest.approx(-1 / np.sqrt(2.5))
    assert res2.value.percentile == pytest.approx(0.4)


def test_funding_zscore_ignores_future_and_old_settlements():
    # settlements every 8h from as_of-48h .. as_of+16h (9 points); lookback 24h keeps as_of-16h, -8h, 0 (3 points)
    hist = FundingSeries(
        "a", "BTC", ts_hours(AS_OF - timedelta(hours=48), 9, 8), np.arange(9) * 8e-5, np.full(9, 8.0), src()
    )
    res = funding_zscore(hist, as_of=AS_OF, lookback=timedelta(hours=24), min_obs=3)
    assert res.value.n_obs == 3
    assert res.value.mean_1h == pytest.approx(5e-5)  # rates 4,5,6 ×1e-5
    assert funding_zscore(hist, as_of=AS_OF, lookback=timedelta(hours=24), min_obs=4).status is Status.INSUFFICIENT_DATA


# ---------------------------------------------------------------- open interest


def oi_series(venue: str, oi_base: np.ndarray, price: np.ndarray, *, step_h: float = 1.0) -> OpenInterestSeries:
    n = len(oi_base)
    start = AS_OF - timedelta(hours=step_h * (n - 1))
    return OpenInterestSeries(
        venue, "BTC", int(step_h * H), ts_hours(start, n, step_h), oi_base, oi_base * price, src()
    )


def test_oi_change_is_zero_when_coins_flat_and_price_rises():
    # 25 hourly points, coins constant at 1000, price 100 -> 110: coin change 0, USD change +10 %
    n = 25
    s = oi_series("a", np.full(n, 1000.0), np.linspace(100.0, 110.0, n))
    res = open_interest_change([s], as_of=AS_OF, window=timedelta(hours=24))
    assert res.status is Status.OK
    assert res.value.change_fraction == 0.0
    assert res.value.change_usd == pytest.approx(1000 * 110 - 1000 * 100)
    assert res.value.change_usd_fraction == pytest.approx(0.1)


def test_oi_change_aggregates_coins_over_covering_venues_only():
    # a: 100 -> 110 coins; b: 300 -> 270 coins (both 24h); total 400 -> 380 = -5 %.
    # c only has 6 hours of history: excluded and named.
    n = 25
    a = oi_series("a", np.linspace(100, 110, n), np.full(n, 50.0))
    b = oi_series("b", np.linspace(300, 270, n), np.full(n, 50.0))
    c = oi_series("c", np.full(7, 999.0), np.full(7, 50.0))
    res = open_interest_change([a, b, c], as_of=AS_OF, window=timedelta(hours=24))
    assert res.status is Status.PARTIAL
    assert res.value.venues == ("a", "b")
    assert res.value.change_fraction == pytest.approx(380 / 400 - 1)
    assert res.value.change_usd == pytest.approx((380 - 400) * 50.0)
    assert any("c" in r for r in res.reasons)


def test_oi_change_uses_only_points_up_to_as_of():
    # hourly 100..148 coins from as_of-24h to as_of+24h; at as_of the value is 124: change = 124/100 - 1
    n = 49
    s = OpenInterestSeries(
        "a", "BTC", H, ts_hours(AS_OF - timedelta(hours=24), n), np.arange(100.0, 149.0), np.full(n, 1.0), src()
    )
    res = open_interest_change([s], as_of=AS_OF, window=timedelta(hours=24))
    assert res.value.change_fraction == pytest.approx(0.24)


def test_total_oi_lists_reporting_venues():
    res = total_open_interest([perp("a", rate=0.0, hours=8, oi_base=10), perp("b", rate=0.0, hours=8, oi_base=None)])
    assert res.value.total_oi_base == 10
    assert res.value.total_oi_usd == 1000
    assert res.value.venues == ("a",)
    assert res.status is Status.PARTIAL


# ---------------------------------------------------------------- quadrant


@pytest.mark.parametrize(
    ("dp", "doi", "expected"),
    [
        (0.01, 0.02, Quadrant.NEW_LONGS),
        (0.01, -0.02, Quadrant.SHORT_COVERING),
        (-0.01, 0.02, Quadrant.NEW_SHORTS),
        (-0.01, -0.02, Quadrant.LONG_LIQUIDATION),
        (0.001, 0.004, Quadrant.FLAT),  # both inside 0.25 % / 0.5 %
        (0.001, 0.02, Quadrant.PRICE_FLAT_OI_UP),
        (-0.002, -0.02, Quadrant.PRICE_FLAT_OI_DOWN),
        (0.01, 0.0049, Quadrant.PRICE_UP_OI_FLAT),
        (-0.01, -0.001, Quadrant.PRICE_DOWN_OI_FLAT),
        (0.0025, 0.005, Quadrant.NEW_LONGS),  # band edges count as moves
    ],
)
def test_quadrant_labels(dp, doi, expected):
    assert classify_quadrant(dp, doi, oi_band=0.005, price_band=0.0025) is expected


def test_quadrant_rejects_nan():
    with pytest.raises(ValueError, match="finite"):
        classify_quadrant(float("nan"), 0.1)


# ---------------------------------------------------------------- CVD


def candles(market: str, *, taker: np.ndarray | None, vol: np.ndarray, close: np.ndarray, step_h: int = 1):
    n = len(vol)
    start = AS_OF - timedelta(hours=step_h * n)  # last bar closes exactly at as_of
    return CandleSeries(
        "a", "BTC", market, step_h * H, ts_hours(start, n, step_h), close, close, close, close, vol, taker, src()
    )


def test_cvd_three_bar_example():
    # 3 hourly bars: volume 10, 20, 30; taker buy 7, 5, 15 -> delta 2·7−10=4, 2·5−20=−10, 2·15−30=0
    # coins: 4 − 10 + 0 = −6; USD with closes 100, 110, 120: 400 − 1100 + 0 = −700
    c = candles(
        "perp",
        taker=np.array([7.0, 5.0, 15.0]),
        vol=np.array([10.0, 20.0, 30.0]),
        close=np.array([100.0, 110.0, 120.0]),
    )
    res = cvd_from_candles([c], market="perp", as_of=AS_OF, window=timedelta(hours=3))
    assert res.status is Status.OK
    assert res.value.delta_base == pytest.approx(-6.0)
    assert res.value.delta_usd == pytest.approx(-700.0)
    assert res.value.n_bars == 3
    # a 2 h window keeps only the last two bars: −10 + 0 = −10
    res2 = cvd_from_candles([c], market="perp", as_of=AS_OF, window=timedelta(hours=2))
    assert res2.value.delta_base == pytest.approx(-10.0)
    # one hour earlier: the third bar is not closed yet -> only bars 1, 2 in the 3 h window: 4 − 10 = −6, partial
    res3 = cvd_from_candles([c], market="perp", as_of=AS_OF - timedelta(hours=1), window=timedelta(hours=3))
    assert res3.value.delta_base == pytest.approx(-6.0)
    assert res3.value.n_bars == 2
    assert res3.status is Status.PARTIAL


def test_cvd_spot_and_perp_are_separate_and_missing_without_taker():
    p = candles("perp", taker=None, vol=np.array([1.0]), close=np.array([1.0]))
    assert (
        cvd_from_candles([p], market="perp", as_of=AS_OF, window=timedelta(hours=1)).status is Status.INSUFFICIENT_DATA
    )
    assert (
        cvd_from_candles([p], market="spot", as_of=AS_OF, window=timedelta(hours=1)).status is Status.INSUFFICIENT_DATA
    )


def test_cvd_from_taker_volume():
    # buy − sell: (5−3) + (1−4) = −1 coin; closes 100, 200 -> 200 − 600 = −400 USD
    tv = TakerVolumeSeries(
        "okx", "BTC", H, ts_hours(AS_OF - timedelta(hours=2), 2), np.array([5.0, 1.0]), np.array([3.0, 4.0]), src()
    )
    price = candles("perp", taker=None, vol=np.array([1.0, 1.0]), close=np.array([100.0, 200.0]))
    res = cvd_from_taker_volume(tv, as_of=AS_OF, window=timedelta(hours=2), price=price)
    assert res.value.delta_base == pytest.approx(-1.0)
    assert res.value.delta_usd == pytest.approx(-400.0)
    no_price = cvd_from_taker_volume(tv, as_of=AS_OF, window=timedelta(hours=2))
    assert no_price.value.delta_usd is None
    assert no_price.status is Status.PARTIAL


# ---------------------------------------------------------------- long/short


def test_long_short_latest_share_change_and_label():
    # hourly ratios 1.0 .. 3.4 over 25 points ending at as_of: latest 3.4 (long share 3.4/4.4), 24 h change 2.4
    n = 25
    s = LongShortSeries(
        "binance",
        "BTC",
        LongShortKind.TOP_POSITIONS,
        H,
        ts_hours(AS_OF - timedelta(hours=24), n),
        1.0 + np.arange(n) * 0.1,
        src(),
    )
    g = LongShortSeries("binance", "BTC", LongShortKind.GLOBAL_ACCOUNTS, H, ts_hours(AS_OF, 1), np.array([1.5]), src())
    res = latest_long_short([s, g], as_of=AS_OF)
    by_kind = {r.kind: r for r in res.value}
    top = by_kind[LongShortKind.TOP_POSITIONS]
    assert top.ratio == pytest.approx(3.4)
    assert top.long_share == pytest.approx(3.4 / 4.4)
    assert top.change_24h == pytest.approx(2.4)
    assert top.notional_weighted
    assert "notional" in top.label
    glob = by_kind[LongShortKind.GLOBAL_ACCOUNTS]
    assert glob.long_share == pytest.approx(0.6)
    assert glob.change_24h is None
    assert "accounts" in glob.label
    assert not glob.notional_weighted
    assert res.status is Status.PARTIAL


# ---------------------------------------------------------------- full analysis


def test_analyze_positioning_end_to_end():
    n = 25
    price = np.linspace(100.0, 102.0, n)  # +2 % over 24 h
    oi = oi_series("a", np.linspace(1000.0, 1020.0, n), price)  # +2 % coins
    cs = CandleSeries(
        "a",
        "BTC",
        "perp",
        H,
        ts_hours(AS_OF - timedelta(hours=25), n),
        price,
        price,
        price,
        price,
        np.full(n, 10.0),
        np.full(n, 6.0),
        src(),
    )  # bar k closes at as_of - 24h + k h with close price[k]; delta 2·6 − 10 = 2 per bar
    data = AssetData(
        "BTC", perps=(perp("a", rate=0.0008, hours=8, oi_base=1020.0, mark=102.0),), candles=(cs,), open_interest=(oi,)
    )
    res = analyze_positioning(data, as_of=AS_OF)
    v = res.value
    assert v.total_oi_base == 1020.0
    assert v.funding_oi_weighted_1h == pytest.approx(0.0001)
    assert v.oi_change_24h_fraction == pytest.approx(0.02)
    assert v.price_change_24h_fraction == pytest.approx(0.02)
    assert v.quadrant.quadrant is Quadrant.NEW_LONGS
    assert v.cvd_perp_24h_base == pytest.approx(2.0 * 24)  # 24 bars closed inside the 24 h window
    assert v.cvd_spot_24h_base is None
    assert v.oi_change_7d_fraction is None
    assert v.funding_zscore_30d is None
    assert res.status is Status.PARTIAL
    joined = " ".join(res.reasons)
    assert "cvd_spot" in joined
    assert "oi_change_7d" in joined
    assert "funding_zscore" in joined
    assert "long_short" in joined
    assert "oi" in v.sources
    assert "price" in v.sources


def test_analyze_positioning_with_nothing_is_missing():
    res = analyze_positioning(AssetData("BTC"), as_of=AS_OF)
    assert res.status is Status.INSUFFICIENT_DATA
