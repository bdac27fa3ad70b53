"""Option trade flow and the estimated dealer inventory: the parser on the real shapes, sums by hand, the
inventory's GEX against a brute-force per-option loop."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from derivintel.analytics.options.trade_flow import dealer_inventory, inventory_gex, trade_flow
from derivintel.core.errors import BadPayloadError
from derivintel.core.provenance import Source
from derivintel.domain.option_trades import OptionTrades
from derivintel.sources.deribit.chain_file import read_chain_file
from derivintel.sources.deribit.trades import parse_option_trades
from tests.realdata import real_path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "deribit" / "last_trades_by_currency_option.json"
RECV = datetime(2026, 5, 19, 12, 0, tzinfo=UTC)


def test_parser_expands_combos_counts_each_trade_once_and_skips_non_options() -> None:
    parsed = parse_option_trades(FIXTURE.read_bytes(), currency="BTC", ts_recv=RECV)
    t = parsed.trades
    # 2 single trades + 2 combo legs; the leg listed again on its own is the same trade; the perpetual is skipped
    assert len(t) == 4
    assert parsed.skipped == 1
    assert parsed.has_more
    assert sorted(t.trade_id) == ["244365001", "244365002", "244365194", "244365195"]
    assert t.is_combo.sum() == 2
    assert t.is_block.sum() == 1
    assert t.iv[0] == pytest.approx(0.4101)  # percent on the wire, fraction here
    assert list(t.aggressor) == [1, -1, 1, -1]
    assert (np.diff(t.ts.astype(np.int64)) >= 0).all()


def test_parser_rejects_a_bad_direction_and_a_1970_time() -> None:
    body = FIXTURE.read_text().replace('"direction": "buy", "iv": 41.01,', '"direction": "up", "iv": 41.01,', 1)
    with pytest.raises(BadPayloadError, match="direction"):
        parse_option_trades(body, currency="BTC", ts_recv=RECV)
    body = FIXTURE.read_text().replace("1779110000000", "1779110", 1)
    with pytest.raises(BadPayloadError, match="1970"):
        parse_option_trades(body, currency="BTC", ts_recv=RECV)


def _trades(rows) -> OptionTrades:
    """rows: (minutes after T0, strike, is_call, amount, price_coin, aggressor, iv, block)."""
    t0 = np.datetime64("2026-05-19T00:00", "ms")
    n = len(rows)
    src = Source("deribit", "get_last_trades_by_currency", RECV, RECV)
    col = lambda i, dt: np.array([r[i] for r in rows], dtype=dt)  # noqa: E731
    return OptionTrades(
        "BTC", tuple(str(i) for i in range(n)), tuple(f"BTC-29MAY26-{int(r[1])}-{'C' if r[2] else 'P'}" for r in rows),
        t0 + col(0, np.int64) * np.timedelta64(60_000, "ms"), np.full(n, np.datetime64("2026-05-29T08:00", "ms")),
        col(1, float), col(2, bool), col(3, float), col(4, float), col(5, np.int8), col(6, float),
        np.full(n, 76_000.0), col(7, bool), np.zeros(n, dtype=bool), src,
    )  # fmt: skip


def test_flow_sums_by_hand() -> None:
    rows = [
        (10, 76_000.0, True, 2.0, 0.03, 1, 0.5, False),
        (20, 76_000.0, True, 1.0, 0.03, -1, 0.5, True),
        (30, 70_000.0, False, 4.0, 0.01, 1, float("nan"), False),
    ]
    f = trade_flow(_trades(rows), as_of=datetime(2026, 5, 19, 1, 0, tzinfo=UTC)).value
    assert f.all.trades == 3
    assert f.all.premium_usd == pytest.approx((2 * 0.03 + 1 * 0.03 + 4 * 0.01) * 76_000)
    assert f.all.notional_usd == pytest.approx(7 * 76_000)
    assert f.block_share == pytest.approx(1 / 7)
    assert f.trades_without_iv == 1
    # ATM call: delta N(σ√T/2); customers net +1 call (bought 2, sold 1); the put has no IV, so no greeks
    t = (np.datetime64("2026-05-29T08:00", "ms") - np.datetime64("2026-05-19T00:10", "ms")).astype(np.int64)
    t_first = t / (365 * 86_400_000)
    d = 0.5 * (1 + math.erf(0.5 * math.sqrt(t_first) / 2 / math.sqrt(2)))
    assert f.screen.net_delta_base == pytest.approx(2 * d, rel=1e-9)
    t_second = (t - 10 * 60_000) / (365 * 86_400_000)
    d_second = 0.5 * (1 + math.erf(0.5 * math.sqrt(t_second) / 2 / math.sqrt(2)))
    assert f.block.net_delta_base == pytest.approx(-d_second, rel=1e-9)  # the block: customers sold one call
    assert f.all.net_delta_base == pytest.approx(f.screen.net_delta_base + f.block.net_delta_base, rel=1e-12)
    assert trade_flow(_trades(rows), as_of=datetime(2026, 5, 21, tzinfo=UTC)).value is None  # outside the window


def test_inventory_accumulates_the_other_side_of_aggressors() -> None:
    rows = [(1, 76_000.0, True, 2.0, 0.03, 1, 0.5, False), (2, 76_000.0, True, 0.5, 0.03, -1, 0.5, False)]
    inv = dealer_inventory(
        _trades(rows), since=datetime(2026, 5, 19, tzinfo=UTC), until=datetime(2026, 5, 20, tzinfo=UTC)
    )
    assert inv.instrument == ("BTC-29MAY26-76000-C",)
    assert inv.position_base[0] == pytest.approx(-1.5)  # customers bought 1.5 net: dealers short 1.5


@pytest.mark.real_data
def test_inventory_gex_equals_a_brute_force_loop_on_a_real_chain() -> None:
    chain = read_chain_file(
        real_path("deribit_options", "svcj_snapshots", "deribit_options_snapshot_20260325T094504Z.csv")
    )
    as_of = chain.source.as_of
    rng = np.random.default_rng(3)  # any positions do: the loop below is an independent computation
    pick = rng.choice(len(chain), 60, replace=False)
    names = tuple(chain.instrument[i] for i in pick)
    pos = rng.normal(0, 50, 60)
    from derivintel.analytics.options.trade_flow import DealerInventory

    inv = DealerInventory(as_of - timedelta(days=10), as_of, 500, names, pos)
    r = inventory_gex(inv, chain, as_of=as_of).value
    expected = 0.0
    for name, p in zip(names, pos, strict=True):
        i = chain.instrument.index(name)
        f, k, iv = chain.underlying_price_usd[i], chain.strike[i], chain.mark_iv[i]
        t = max(
            (chain.expiry[i] - np.datetime64(as_of.replace(tzinfo=None), "ms")).astype(np.int64) / (365 * 86_400_000),
            1 / 8760,
        )
        if not (iv > 0) or chain.expiry[i] <= np.datetime64(as_of.replace(tzinfo=None), "ms"):
            continue
        d1 = (math.log(f / k) + 0.5 * iv * iv * t) / (iv * math.sqrt(t))
        gamma = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) / (f * iv * math.sqrt(t))
        expected += p * gamma * f * f * 0.01
    assert r.gex_if_complete_usd_per_1pct == pytest.approx(expected, rel=1e-9)
    assert r.coverage == pytest.approx(
        np.abs(pos).sum() / np.nansum(chain.oi_base[chain.expiry > np.datetime64(as_of.replace(tzinfo=None), "ms")])
    )
    assert r.gex_usd_per_1pct is None  # 60 options' flow explains a few percent of OI: withheld
    res = inventory_gex(inv, chain, as_of=as_of)
    assert any("explains" in x for x in res.reasons)


def test_parser_rejects_a_missing_instrument_name() -> None:
    body = FIXTURE.read_text().replace('"BTC-19MAY26-75000-C"', "null", 1)
    with pytest.raises(BadPayloadError, match="instrument_name"):
        parse_option_trades(body, currency="BTC", ts_recv=RECV)


def test_flow_is_partial_when_the_record_starts_inside_the_window() -> None:
    rows = [(10, 76_000.0, True, 2.0, 0.03, 1, 0.5, False)]
    t = _trades(rows)
    as_of = datetime(2026, 5, 19, 1, 0, tzinfo=UTC)
    from dataclasses import replace

    r = trade_flow(replace(t, covered_from=as_of - timedelta(hours=6)), as_of=as_of)
    assert r.value is not None
    assert any("25% of the window" in x for x in r.reasons)
    full = trade_flow(replace(t, covered_from=as_of - timedelta(days=1)), as_of=as_of)
    assert not any("complete only" in x for x in full.reasons)
