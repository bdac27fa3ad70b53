"""Demo perps, candles, OI, funding, positioning, books and liquidations: units and internal consistency."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.domain.liquidations import LiquidatedSide
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.sources.demo import DEMO_AS_OF, build_demo_snapshot
from derivintel.sources.demo.books import nice_step

INTERVALS = {"binance-usdm": 8.0, "bybit": 4.0, "okx": 8.0, "hyperliquid": 1.0}


@pytest.fixture(scope="module")
def snap() -> MarketSnapshot:
    return build_demo_snapshot()


def _candles(snap: MarketSnapshot, asset: str, venue: str):
    return next(c for c in snap.asset(asset).candles if c.venue == venue)


@pytest.mark.parametrize(("asset", "lo", "hi"), [("BTC", 50_000, 95_000), ("ETH", 1_800, 4_500)])
def test_price_levels_are_realistic(snap: MarketSnapshot, asset: str, lo: float, hi: float) -> None:
    spot = _candles(snap, asset, "binance-spot")
    assert lo < spot.low.min()
    assert spot.high.max() < hi
    hourly_vol = np.diff(np.log(spot.close)).std() * np.sqrt(8760)
    assert 0.3 < hourly_vol < 1.0  # annualised, fraction


def test_ohlc_consistency(snap: MarketSnapshot) -> None:
    for data in snap.assets.values():
        for c in data.candles:
            assert np.all(c.high >= np.maximum(c.open, c.close))
            assert np.all(c.low <= np.minimum(c.open, c.close))
            np.testing.assert_array_equal(c.open[1:], c.close[:-1])  # continuous path
            assert np.all(c.volume_base > 0)
            if c.taker_buy_base is not None:
                assert np.all((c.taker_buy_base >= 0) & (c.taker_buy_base <= c.volume_base))


def test_venue_prices_track_each_other(snap: MarketSnapshot) -> None:
    for asset in ("BTC", "ETH"):
        ref = _candles(snap, asset, "binance-usdm")
        spot = _candles(snap, asset, "binance-spot")
        assert np.max(np.abs(ref.close / spot.close - 1)) < 0.005  # perp premium stays small
        for venue in ("bybit", "okx", "hyperliquid"):
            c = _candles(snap, asset, venue)
            np.testing.assert_array_equal(c.ts, ref.ts[-len(c) :])
            assert np.max(np.abs(c.close / ref.close[-len(c) :] - 1)) < 0.0005


def test_btc_eth_returns_are_correlated(snap: MarketSnapshot) -> None:
    rb = np.diff(np.log(_candles(snap, "BTC", "binance-spot").close))
    re = np.diff(np.log(_candles(snap, "ETH", "binance-spot").close))
    assert 0.7 < np.corrcoef(rb, re)[0, 1] < 0.97


def test_final_36h_is_a_long_liquidation_quadrant(snap: MarketSnapshot) -> None:
    for asset in ("BTC", "ETH"):
        close = _candles(snap, asset, "binance-usdm").close
        assert -0.08 < close[-1] / close[-37] - 1 < -0.01
        total_oi = sum(o.oi_base for o in snap.asset(asset).open_interest)
        assert total_oi[-1] / total_oi[-37] - 1 < -0.02
        longs = [e for e in snap.asset(asset).liquidations if e.side is LiquidatedSide.LONG]
        assert len(longs) > 0.6 * len(snap.asset(asset).liquidations)


def test_perp_metrics_units_and_consistency(snap: MarketSnapshot) -> None:
    for asset, (oi_lo, oi_hi) in (("BTC", (250_000, 350_000)), ("ETH", (3_500_000, 6_000_000))):
        data = snap.asset(asset)
        assert oi_lo < sum(p.oi_base for p in data.perps) < oi_hi
        for p in data.perps:
            assert p.funding_interval_hours == INTERVALS[p.venue]
            assert p.basis_fraction is not None
            assert abs(p.basis_fraction) < 0.005
            # mark = the venue's last perp close; OI = the venue's last OI point
            assert p.mark_price_usd == _candles(snap, asset, p.venue).close[-1]
            oi = next(o for o in data.open_interest if o.venue == p.venue)
            assert p.oi_base == oi.oi_base[-1]
            assert p.oi_usd == pytest.approx(oi.oi_usd[-1], rel=1e-12)
            # next funding: the next UTC multiple of the interval (as_of 05:00 → 06:00 for 1 h, 08:00 for 4 h/8 h)
            expected = {1.0: DEMO_AS_OF + timedelta(hours=1), 4.0: DEMO_AS_OF.replace(hour=8)}
            assert p.next_funding_time == expected.get(p.funding_interval_hours, DEMO_AS_OF.replace(hour=8))
            assert p.volume_24h_usd is not None
            assert p.volume_24h_usd > 0
        rates = np.array([p.funding_rate_1h for p in data.perps])
        assert np.all(np.abs(rates) < 1e-4)  # < 0.01 %/h = 0.08 %/8 h
        assert rates.max() - rates.min() < 1e-5  # venues agree in per-hour terms


def test_oi_usd_is_oi_base_times_close(snap: MarketSnapshot) -> None:
    for asset in ("BTC", "ETH"):
        for o in snap.asset(asset).open_interest:
            assert len(o) == 720
            assert o.interval_s == 3600
            close = _candles(snap, asset, o.venue).close[-len(o) :]
            # OI point at ts = the close of the bar that opened one hour earlier
            np.testing.assert_array_equal(o.ts, _candles(snap, asset, o.venue).ts[-len(o) :] + np.timedelta64(1, "h"))
            np.testing.assert_allclose(o.oi_usd, o.oi_base * close, rtol=1e-15, atol=0)
            assert np.all(o.oi_base > 0)


def test_oi_co_moves_with_price(snap: MarketSnapshot) -> None:
    data = snap.asset("BTC")
    total = sum(o.oi_base for o in data.open_interest)
    close = _candles(snap, "BTC", "binance-usdm").close[-len(total) :]
    assert np.corrcoef(np.diff(np.log(total)), np.diff(np.log(close)))[0, 1] > 0.2


def test_funding_series_settle_at_interval_and_match_current_rate(snap: MarketSnapshot) -> None:
    for data in snap.assets.values():
        for f in data.funding:
            interval = INTERVALS[f.venue]
            assert np.all(f.interval_hours == interval)
            hours = f.ts.astype("datetime64[h]").astype(np.int64)
            assert np.all(hours % int(interval) == 0)
            np.testing.assert_array_equal(np.diff(hours), int(interval))
            span = (f.ts[-1] - f.ts[0]).astype("timedelta64[h]").astype(int)
            assert 89 * 24 <= span <= 90 * 24
            perp = next(p for p in data.perps if p.venue == f.venue)
            # the latest settled per-hour rate is close to the current predicted one
            assert abs(f.rate_1h[-1] - perp.funding_rate_1h) < 2e-5
            assert np.all(np.abs(f.rate_1h) < 2.5e-4)  # < 0.2 %/8 h; the Binance formula pins most at 0.01 %/8 h


def test_long_short_and_taker_volume(snap: MarketSnapshot) -> None:
    for asset in ("BTC", "ETH"):
        data = snap.asset(asset)
        for ls in data.long_short:
            assert len(ls) == 720
            assert np.all((ls.ratio > 0.3) & (ls.ratio < 5))
            np.testing.assert_array_equal(ls.ratio, np.round(ls.ratio, 4))
        (tv,) = data.taker_volume
        okx = _candles(snap, asset, "okx")
        np.testing.assert_array_equal(tv.ts, okx.ts)
        np.testing.assert_allclose(tv.buy_base + tv.sell_base, okx.volume_base, rtol=1e-12)
        assert np.all(tv.buy_base > 0)
        assert np.all(tv.sell_base > 0)


def test_taker_delta_follows_returns(snap: MarketSnapshot) -> None:
    c = _candles(snap, "BTC", "binance-usdm")
    ret = np.log(c.close / c.open)
    assert np.corrcoef(ret, c.delta_base / c.volume_base)[0, 1] > 0.5


def test_books_sorted_non_crossed_and_around_mark(snap: MarketSnapshot) -> None:
    for data in snap.assets.values():
        for book in data.books:
            perp = next(p for p in data.perps if p.venue == book.venue)
            bids, asks = book.bids, book.asks
            assert np.all(np.diff(bids[:, 0]) < 0)
            assert np.all(np.diff(asks[:, 0]) > 0)
            assert bids[0, 0] < asks[0, 0]  # not crossed
            spread = asks[0, 0] - bids[0, 0]
            assert abs(book.mid_usd - perp.mark_price_usd) <= spread
            assert 150 <= len(bids) <= 260
            assert 150 <= len(asks) <= 260
            assert bids[-1, 0] >= 0.965 * book.mid_usd
            assert asks[-1, 0] <= 1.035 * book.mid_usd
            assert np.all(bids[:, 1] > 0)
            assert np.all(asks[:, 1] > 0)


def test_books_have_walls_at_round_prices(snap: MarketSnapshot) -> None:
    book = next(b for b in snap.asset("BTC").books if b.venue == "binance-usdm")
    for side in (book.bids, book.asks):
        round_ = side[1:, 0] % 1000 == 0
        assert round_.sum() >= 1
        assert np.median(side[1:][round_, 1]) > 3 * np.median(side[1:][~round_, 1])


def test_liquidations_units(snap: MarketSnapshot) -> None:
    for asset in ("BTC", "ETH"):
        events = snap.asset(asset).liquidations
        assert len(events) > 100
        times = [e.source.as_of for e in events]
        assert times == sorted(times)
        spot = _candles(snap, asset, "binance-spot")
        lo, hi = spot.low[-25:].min() * 0.995, spot.high[-25:].max() * 1.005
        assert all(lo < e.price_usd < hi and e.size_base > 0 and e.asset == asset for e in events)


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False))
def test_nice_step_is_one_two_five_below_x(x: float) -> None:
    step = nice_step(x)
    assert step <= x * (1 + 1e-12)
    assert step > x / 2.5 * (1 - 1e-12)
    mantissa = step / 10 ** np.floor(np.log10(step) + 1e-12)
    assert min(abs(mantissa - m) for m in (1.0, 2.0, 5.0)) < 1e-9


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_story_holds_for_other_seeds(seed: int) -> None:
    """The sell-off with falling OI, mostly-long liquidations and a mildly elevated VIX are built in, not luck."""
    s = build_demo_snapshot(seed=seed)
    for asset in ("BTC", "ETH"):
        close = _candles(s, asset, "binance-usdm").close
        total_oi = sum(o.oi_base for o in s.asset(asset).open_interest)
        assert close[-1] / close[-37] - 1 < -0.01
        assert total_oi[-1] / total_oi[-37] - 1 < -0.02
        longs = sum(e.side is LiquidatedSide.LONG for e in s.asset(asset).liquidations)
        assert longs > 0.6 * len(s.asset(asset).liquidations)
    vix = s.macro["vix"].values
    assert vix[-1] > np.median(vix)
    assert 19 < vix[-1] < 24
