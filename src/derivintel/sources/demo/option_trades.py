"""Demo option trades (SYNTHETIC, seeded): what a collector would have stored over the last ``DEMO_TRADE_DAYS``.

Trades hit the demo chain's instruments with probability proportional to their 24 h volume, at uniform random
times over ``[as_of − DEMO_TRADE_DAYS, as_of]``; ``amount`` (coins) is exponential with a mean of
``MEAN_AMOUNT_BASE`` per asset, the price is the chain's mark (coin) and the IV its mark IV, the index the spot.
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
    """Synthetic trades on ``chain``'s live instruments over the last ``DEMO_TRADE_DAYS`` (module doc)."""
    rng = timeline.rng(asset_code, _STREAM_TRADES)
    as_of = timeline.as_of
    n = TRADES_PER_DAY[asset] * DEMO_TRADE_DAYS
    weight = np.nan_to_num(chain.volume_base, nan=0.0) + 1e-9
    pick = rng.choice(len(chain), n, p=weight / weight.sum())
    span_ms = DEMO_TRADE_DAYS * 86_400_000
    end = np.datetime64(as_of.replace(tzinfo=None), "ms")
    ts = np.sort(end - rng.integers(0, span_ms, n).astype("timedelta64[ms]"))
    live = chain.expiry[pick] > ts
    pick, ts = pick[live], ts[live]
    n = len(pick)
    is_call = chain.is_call[pick]
    buy_p = np.where(is_call, TAKER_BUY_SHARE, 1.0 - TAKER_BUY_SHARE)
    block = rng.random(n) < BLOCK_SHARE
    amount = np.round(rng.exponential(MEAN_AMOUNT_BASE[asset], n) * np.where(block, 20.0, 1.0), 1) + 0.1
    src = demo_source("deribit/get_last_trades_by_currency_and_time", as_of, as_of)
    return OptionTrades(
        asset,
        tuple(f"demo-{asset}-{i}" for i in range(n)),
        tuple(chain.instrument[i] for i in pick),
        ts,
        chain.expiry[pick],
        chain.strike[pick],
        is_call,
        amount,
        chain.mark_price_coin[pick],
        np.where(rng.random(n) < buy_p, 1, -1).astype(np.int8),
        chain.mark_iv[pick],
        np.full(n, chain.index_price_usd or float(np.median(chain.underlying_price_usd))),
        block,
        np.zeros(n, dtype=bool),
        src,
        covered_from=as_of - timedelta(days=DEMO_TRADE_DAYS),
    )
