"""Demo option trades (SYNTHETIC, seeded): what a collector would have stored over the last ``DEMO_TRADE_DAYS``.

Trades hit the demo chain's instruments with probability proportional to their 24 h volume, ``TRADES_PER_DAY / 24``
per hour at uniform random times over ``[as_of − DEMO_TRADE_DAYS, as_of]``; ``amount`` (coins) is exponential with
a mean of ``MEAN_AMOUNT_BASE`` per asset, the price is the chain's mark (coin), the IV its mark IV, the index the
spot.
Takers buy with probability ``TAKER_BUY_SHARE`` (calls) and ``1 − TAKER_BUY_SHARE`` (puts): customers net buy
calls and sell puts, the book the fixed dealer scenario assumes. ``BLOCK_SHARE`` of trades are blocks, with 20×
the amount. Every ``Source`` is marked synthetic; the record is complete from ``as_of − DEMO_TRADE_DAYS``.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from derivintel.domain.option_trades import OptionTrades
from derivintel.domain.options import OptionChain
from derivintel.sources.demo.profiles import demo_source
from derivintel.sources.demo.timeline import Timeline

_STREAM_TRADES = 13
DEMO_TRADE_DAYS = 3
TRADES_PER_DAY = {"BTC": 3000, "ETH": 1500}
MEAN_AMOUNT_BASE = {"BTC": 2.0, "ETH": 25.0}
TAKER_BUY_SHARE = 0.55
BLOCK_SHARE = 0.03


def build_option_trades(timeline: Timeline, asset: str, asset_code: int, chain: OptionChain) -> OptionTrades:
    """Synthetic trades on ``chain``'s instruments over the last ``DEMO_TRADE_DAYS`` (module doc).

    Drawn hour by hour from a generator seeded by the absolute hour, with ids ``demo-<asset>-<hour>-<n>``: a
    collector polling the demo every hour stores each hour's trades once (the first round to see an hour wins), so
    overlapping rounds never count a synthetic trade twice."""
    as_of = timeline.as_of
    hour_ms = 3_600_000
    end_ms = int(as_of.timestamp() * 1000)
    first_hour = (end_ms - DEMO_TRADE_DAYS * 86_400_000) // hour_ms
    weight = np.nan_to_num(chain.volume_base, nan=0.0) + 1e-9
    weight = weight / weight.sum()
    per_hour = TRADES_PER_DAY[asset] // 24
    ids: list[str] = []
    picks, stamps, draws = [], [], []
    for hour in range(first_hour, end_ms // hour_ms + 1):
        rng = np.random.default_rng((timeline.seed, asset_code, _STREAM_TRADES, hour))
        ts = hour * hour_ms + rng.integers(0, hour_ms, per_hour)
        pick = rng.choice(len(chain), per_hour, p=weight)
        u = rng.random((3, per_hour))  # taker side, block, amount
        keep = (ts >= end_ms - DEMO_TRADE_DAYS * 86_400_000) & (ts <= end_ms)
        ids += [f"demo-{asset}-{hour}-{j}" for j in np.flatnonzero(keep)]
        picks.append(pick[keep])
        stamps.append(ts[keep])
        draws.append(u[:, keep])
    pick, ts_ms, u = np.concatenate(picks), np.concatenate(stamps), np.concatenate(draws, axis=1)
    order = np.argsort(ts_ms, kind="stable")
    pick, ts_ms, u = pick[order], ts_ms[order], u[:, order]
    n = len(pick)
    is_call = chain.is_call[pick]
    buy_p = np.where(is_call, TAKER_BUY_SHARE, 1.0 - TAKER_BUY_SHARE)
    block = u[1] < BLOCK_SHARE
    amount = np.round(-MEAN_AMOUNT_BASE[asset] * np.log1p(-u[2]) * np.where(block, 20.0, 1.0), 1) + 0.1
    src = demo_source("deribit/get_last_trades_by_currency_and_time", as_of, as_of)
    return OptionTrades(
        asset,
        tuple(ids[i] for i in order),
        tuple(chain.instrument[i] for i in pick),
        ts_ms.astype("datetime64[ms]"),
        chain.expiry[pick],
        chain.strike[pick],
        is_call,
        amount,
        chain.mark_price_coin[pick],
        np.where(u[0] < buy_p, 1, -1).astype(np.int8),
        chain.mark_iv[pick],
        np.full(n, chain.index_price_usd or float(np.median(chain.underlying_price_usd))),
        block,
        np.zeros(n, dtype=bool),
        src,
        covered_from=as_of - timedelta(days=DEMO_TRADE_DAYS),
    )
