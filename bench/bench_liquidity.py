"""Benchmark: liquidation map over 30 days of 5-minute OI (4 venues x 8 leverage tiers) and the cascade range.

Each is compared with a straightforward Python loop measured in the same run (synthetic inputs, fixed seed).
Run: ``python bench/bench_liquidity.py``. Prints milliseconds and ratios; targets: map < 200 ms, cascade with its
low/central/high range (three parameter sets, one direction) < 5 ms.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from benchutil import cpu_times, ratio, spread
from derivintel.analytics.liquidity import (
    DEFAULT_IMPACT_RANGE,
    LiquidationMapParams,
    MarketActivity,
    book_depth,
    build_liquidation_map,
    liquidation_price,
    simulate_cascade,
)
from derivintel.core.provenance import Source
from derivintel.domain.orderbook import OrderBook
from derivintel.domain.series import CandleSeries, OpenInterestSeries

T0 = datetime(2024, 1, 1, tzinfo=UTC)
N = 30 * 288  # 30 days of 5-minute bars
VENUES = ("binance-usdm", "bybit", "okx", "hyperliquid")
TIERS = (3.0, 5.0, 10.0, 20.0, 25.0, 40.0, 50.0, 100.0)
WEIGHTS = (0.05, 0.12, 0.22, 0.2, 0.14, 0.1, 0.1, 0.07)


def _inputs(seed: int = 7, n: int = N):
    """Synthetic 5-minute candles and OI for each venue, ``n`` bars from 2024-01-01 (bench_scaling grows ``n``)."""
    rng = np.random.default_rng(seed)
    ts = (np.datetime64("2024-01-01T00:00", "ms") + np.arange(n) * np.timedelta64(300_000, "ms")).astype(
        "datetime64[ms]"
    )
    close = 40_000 * np.exp(np.cumsum(rng.normal(0, 0.0015, n)))
    high = close * (1 + rng.uniform(0, 0.002, n))
    low = close * (1 - rng.uniform(0, 0.002, n))
    oi_list, candles = [], {}
    for v in VENUES:
        src = Source(v, "synthetic", T0, T0, synthetic=True)
        vol = rng.uniform(50, 500, n)
        candles[v] = CandleSeries(
            v, "BTC", "perp", 300, ts, close, high, low, close, vol, vol * rng.uniform(0.3, 0.7, n), src
        )
        oi = 80_000 + np.cumsum(rng.normal(0, 40, n))
        oi_list.append(OpenInterestSeries(v, "BTC", 300, ts, oi, oi * close, src))
    return oi_list, candles, float(close[-1])


def _loop_baseline(oi_list, candles, ref, params: LiquidationMapParams) -> float:
    """Straightforward per-bar loop over a binned state (one numpy update per bar). Returns open notional (USD)."""
    width = params.bin_width_fraction * ref
    lo_edge = ref * 0.2
    n_bins = int(np.ceil(ref * 1.6 / width))
    w = np.asarray(params.leverage_weights) / sum(params.leverage_weights)
    total = 0.0
    for oi in oi_list:
        c = candles[oi.venue]
        mmr = 0.004
        tiers = np.asarray(params.leverage_tiers)
        keep = 1 / tiers > mmr
        tiers, wk = tiers[keep], w[keep] / w[keep].sum()
        if oi.venue == "hyperliquid":
            mmr = 1 / 80
            keep = tiers <= 40
            tiers, wk = tiers[keep], wk[keep] / wk[keep].sum()
        long_state = np.zeros(n_bins)
        short_state = np.zeros(n_bins)
        for k in range(1, len(oi.oi_base)):
            j = k - 1  # candles and OI share the 5-minute grid
            li = int((c.low[j] - lo_edge) // width)
            hi = int((c.high[j] - lo_edge) // width)
            long_state[max(li, 0) :] = 0.0  # crossed long levels consumed
            short_state[: max(hi + 1, 0)] = 0.0
            d = oi.oi_base[k] - oi.oi_base[k - 1]
            if d < 0:
                f = 1 + d / oi.oi_base[k - 1]
                long_state *= f
                short_state *= f
            elif d > 0:
                tp = (c.high[j] + c.low[j] + c.close[j]) / 3
                s = c.taker_buy_base[j] / c.volume_base[j]
                lp = liquidation_price(tp, tiers, mmr, "long")
                sp = liquidation_price(tp, tiers, mmr, "short")
                np.add.at(long_state, ((lp - lo_edge) // width).astype(int), d * tp * s * wk)
                np.add.at(short_state, ((sp - lo_edge) // width).astype(int), d * tp * (1 - s) * wk)
        total += long_state.sum() + short_state.sum()
    return total


def _book(mid: float, seed: int = 11) -> OrderBook:
    rng = np.random.default_rng(seed)
    steps = np.arange(1, 1001) * 0.0001 * mid  # 1000 levels per side out to 10 %
    bids = np.column_stack((mid - steps, rng.uniform(0.1, 3.0, 1000)))
    asks = np.column_stack((mid + steps, rng.uniform(0.1, 3.0, 1000)))
    return OrderBook("binance-usdm", "BTC", bids, asks, Source("binance-usdm", "synthetic", T0, T0, synthetic=True))


def _cascade_loop(centers, long_usd, price, shock, activity: MarketActivity, max_waves=50) -> list[float]:
    """Straightforward loop: for each parameter set, walk every bin at every wave (no sorting, no cumulative sums)."""
    moves = []
    for ps in DEFAULT_IMPACT_RANGE:
        x_prev, x, unrefilled = 0.0, shock, 0.0
        for _ in range(max_waves):
            forced = 0.0
            for c, n in zip(centers, long_usd, strict=True):
                d = (price - c) / price
                if x_prev < d <= x and n > 0:
                    forced += ps.forced_fraction * n
            if forced <= 0:
                break
            unrefilled = (1 - ps.resilience) * unrefilled + forced
            impact = ps.y * activity.sigma_daily_frac * (unrefilled / activity.volume_daily_usd) ** 0.5
            x_prev, x = x, min(max(x, shock + impact), 0.5)
        moves.append(-x)
    return moves


def main() -> None:
    oi_list, candles, ref = _inputs()
    as_of = T0 + timedelta(days=31)
    from derivintel.sources.margins import VENUE_MARGINS

    params = LiquidationMapParams(leverage_tiers=TIERS, leverage_weights=WEIGHTS, margins=VENUE_MARGINS)
    build = lambda: build_liquidation_map(oi_list, candles, as_of=as_of, reference_price_usd=ref, params=params)  # noqa: E731
    m = build().value
    assert m is not None
    fast = cpu_times(build, 5)
    base = cpu_times(lambda: _loop_baseline(oi_list, candles, ref, params), 3, warmup=0)
    base_open = _loop_baseline(oi_list, candles, ref, params)
    print(
        f"CPU time, min / median / max. Liquidation map: {len(VENUES)} venues x {N} 5-min OI steps x {len(TIERS)} tiers"
    )
    print(f"  vectorised (5 runs)       {spread(fast)}   (target < 200 ms)")
    print(f"  per-bar loop (3 runs)     {spread(base)}   ratio loop / vectorised {ratio(base, fast):.1f}x")
    print(f"  open notional: vectorised {m.open_usd / 1e9:.3f} B USD, binned loop {base_open / 1e9:.3f} B USD")

    book = _book(ref)
    depth = book_depth([book], mid_usd=ref, bands=(0.005, 0.01, 0.02, 0.05)).value
    assert depth is not None
    lm = m
    activity = MarketActivity(0.03, 2e10, 720, 3600, ("synthetic",))
    sim = lambda: simulate_cascade(lm, depth, activity, price_usd=ref, shock_fraction=0.02, direction="down")  # noqa: E731
    rng = sim().value
    assert rng is not None
    fast_c = cpu_times(sim, 50)
    loop = lambda: _cascade_loop(lm.bin_centers_usd.tolist(), lm.long_notional_usd.tolist(), ref, 0.02, activity)  # noqa: E731
    loop_moves = loop()
    base_c = cpu_times(loop, 5)
    print(f"cascade: 2 % shock down, low/central/high parameter sets, {len(lm.bin_centers_usd)} bins")
    print(
        f"  vectorised (50 runs)      {spread(fast_c)}   (target < 5 ms); moves "
        + " / ".join(f"{p.terminal_move_fraction:+.2%}" for p in rng.paths)
        + f", central waves {rng.central.n_waves}"
    )
    print(
        f"  loop (5 runs)             {spread(base_c)}   ratio loop / vectorised {ratio(base_c, fast_c):.1f}x;"
        f" loop moves " + " / ".join(f"{v:+.2%}" for v in loop_moves)
    )


if __name__ == "__main__":
    main()
