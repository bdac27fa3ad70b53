"""Option trades in the history store: idempotent by trade id, batch coverage (the inventory's stated start and
holes), point in time for ``--asof``, and the estimated inventory's GEX read through the store against a
brute-force per-trade, per-option loop."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.analytics.options.trade_flow import dealer_inventory, inventory_gex
from derivintel.core.provenance import Source
from derivintel.domain.option_trades import OptionTrades, join_stored
from derivintel.domain.options import OptionChain
from derivintel.store import HistoryStore
from derivintel.store.codecs import contiguous_start
from derivintel.store.snapshot_at import build_snapshot_at

T0 = datetime(2026, 5, 10, tzinfo=UTC)
DAY = timedelta(days=1)
EXPIRY = np.datetime64("2026-06-26T08:00", "ms")
STRIKES = (60_000.0, 70_000.0, 80_000.0, 90_000.0)


def chain(as_of: datetime) -> OptionChain:
    """Eight options on one expiry, OI 100 coins each, forward 76,000, IV 0.5 (puts 0.55)."""
    k = np.repeat(STRIKES, 2)
    call = np.tile([True, False], len(STRIKES))
    names = tuple(f"BTC-26JUN26-{int(s)}-{'C' if c else 'P'}" for s, c in zip(k, call, strict=True))
    n = len(k)
    return OptionChain(
        currency="BTC", instrument=names, expiry=np.full(n, EXPIRY), strike=k, is_call=call,
        mark_iv=np.where(call, 0.5, 0.55), oi_base=np.full(n, 100.0), volume_base=np.ones(n),
        underlying_price_usd=np.full(n, 76_000.0), mark_price_coin=np.full(n, 0.01), index_price_usd=76_000.0,
        source=Source("deribit", "book_summary_option", as_of, as_of),
    )  # fmt: skip


def window(first_id: int, n: int, end: datetime, seed: int) -> OptionTrades:
    """``n`` trades (ids from ``first_id``) over the 24 h to ``end``, fetched at ``end``, complete from end − 24 h."""
    rng = np.random.default_rng(seed)
    c = chain(end)
    pick = rng.integers(0, len(c), n)
    ts = np.sort(
        np.datetime64(end.replace(tzinfo=None), "ms") - rng.integers(0, 86_400_000, n).astype("timedelta64[ms]")
    )
    return OptionTrades(
        "BTC", tuple(str(first_id + i) for i in range(n)), tuple(c.instrument[i] for i in pick), ts,
        np.full(n, EXPIRY), c.strike[pick], c.is_call[pick], rng.uniform(0.1, 10.0, n), np.full(n, 0.01),
        np.where(rng.random(n) < 0.6, 1, -1).astype(np.int8), np.full(n, 0.5), np.full(n, 76_000.0),
        rng.random(n) < 0.1, np.zeros(n, dtype=bool), Source("deribit", "option_trades", end, end),
        covered_from=end - DAY,
    )  # fmt: skip


def test_trades_are_stored_once_by_trade_id(tmp_path) -> None:
    first = window(0, 300, T0 + DAY, seed=1)
    with HistoryStore(tmp_path / "s.duckdb") as store:
        assert store.write(first) == 300
        assert store.write(first) == 0  # the same window again: nothing new
        # an overlapping later window repeats 100 trades (same ids) and brings 200 new ones
        again = first.select(np.arange(300) >= 200)
        later = window(300, 200, T0 + DAY + timedelta(hours=12), seed=2)
        both = replace(
            later,
            trade_id=again.trade_id + later.trade_id,
            instrument=again.instrument + later.instrument,
            **{k: np.concatenate([getattr(again, k), getattr(later, k)]) for k in (
                "ts", "expiry", "strike", "is_call", "amount_base", "price_coin", "aggressor", "iv",
                "index_price_usd", "is_block", "is_combo")},
        )  # fmt: skip
        assert store.write(both) == 200
        assert store.row_counts()["option_trades"] == 500
        assert store.row_counts()["option_trade_batches"] == 2
        read = store.option_trades("BTC", until=T0 + 3 * DAY, lookback_s=90 * 86_400)
    assert read is not None
    assert len(read) == 500
    assert len(set(read.trade_id)) == 500
    assert read.covered_from == T0  # the first batch's start: the two batches overlap


def test_contiguous_start_stops_at_a_hole() -> None:
    d = lambda n: T0 + n * DAY  # noqa: E731
    assert contiguous_start([]) is None
    assert contiguous_start([(d(0), d(1)), (d(0.5), d(1.5)), (d(1.4), d(2.4))]) == d(0)
    assert contiguous_start([(d(0), d(1)), (d(1.2), d(2.2))]) == d(1.2)  # 1 → 1.2 uncovered: start after it


def test_asof_sees_only_trades_received_by_then_and_states_the_start(tmp_path) -> None:
    runs = [window(1000 * k, 400, T0 + (k + 1) * DAY, seed=k) for k in range(4)]  # daily runs, no hole
    with HistoryStore(tmp_path / "s.duckdb") as store:
        for run in runs:
            store.write(run)
        at = T0 + timedelta(days=2, hours=6)  # after the second run, before the third
        snap = build_snapshot_at(store, "BTC", (), at)
    trades = snap.assets["BTC"].option_trades
    assert trades is not None
    assert set(trades.trade_id) == set(runs[0].trade_id) | set(runs[1].trade_id)
    assert trades.covered_from == T0
    assert trades.source.fetched_at == T0 + 2 * DAY


def test_inventory_gex_through_the_store_equals_a_brute_force_loop(tmp_path) -> None:
    runs = [window(1000 * k, 500, T0 + (k + 1) * DAY, seed=10 + k) for k in range(8)]
    as_of = T0 + 8 * DAY
    with HistoryStore(tmp_path / "s.duckdb") as store:
        for run in runs:
            store.write(run)
        snap = build_snapshot_at(store, "BTC", (), as_of)
    trades = snap.assets["BTC"].option_trades
    assert trades is not None
    assert trades.covered_from == T0
    c = chain(as_of)
    inv = dealer_inventory(trades, since=trades.covered_from, until=as_of)
    result = inventory_gex(inv, c, as_of=as_of)
    # reference: every trade of every run once, dealers opposite the taker, Black-76 gamma by hand
    position: dict[str, float] = {}
    for run in runs:
        for i in range(len(run)):
            position[run.instrument[i]] = position.get(run.instrument[i], 0.0) - run.aggressor[i] * run.amount_base[i]
    t = (EXPIRY - np.datetime64(as_of.replace(tzinfo=None), "ms")).astype(np.int64) / (365 * 86_400_000)
    expected = 0.0
    for i, name in enumerate(c.instrument):
        f, k, iv = 76_000.0, c.strike[i], c.mark_iv[i]
        d1 = (math.log(f / k) + 0.5 * iv * iv * t) / (iv * math.sqrt(t))
        gamma = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) / (f * iv * math.sqrt(t))
        expected += position.get(name, 0.0) * gamma * f * f * 0.01
    value = result.value
    assert value is not None
    assert value.gex_if_complete_usd_per_1pct == pytest.approx(expected, rel=1e-9)
    assert value.coverage == pytest.approx(sum(abs(p) for p in position.values()) / 800.0)
    assert value.history_days == pytest.approx(8.0)
    assert value.gex_usd_per_1pct == pytest.approx(expected, rel=1e-9)  # 8 days and > 25 % of OI: given


def test_join_stored_keeps_the_stored_start_only_without_a_hole() -> None:
    stored = window(0, 100, T0 + DAY, seed=3)
    live = window(50, 100, T0 + DAY + timedelta(hours=6), seed=4)
    joined = join_stored(stored, live)
    assert joined is not None
    assert joined.covered_from == T0
    assert len(joined) == 150  # ids 50..99 in both: once
    late = window(50, 100, T0 + 3 * DAY, seed=5)  # the live window starts two days after the stored record ends
    assert join_stored(stored, late).covered_from == T0 + 2 * DAY
