"""The scan's stored history: OI 24h ago, 30 days of funding, liquidations and long share read from a real store,
and ``derivintel scan --store`` using them against the fake venues."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from derivintel.app.cli import main
from derivintel.app.scan_history import read_scan_history
from derivintel.core.provenance import Source
from derivintel.domain.liquidations import LiquidatedSide, LiquidationEvent
from derivintel.domain.series import FundingSeries, LongShortKind, LongShortSeries, OpenInterestSeries
from derivintel.store import HistoryStore
from tests.app.test_scan_cmd import _config
from tests.sources.fakeserver import FakeVenues

AS_OF = datetime(2024, 6, 1, 7, 0, tzinfo=UTC)  # the fake venues' fixture time


def _ts(times: list[datetime]) -> np.ndarray:
    return np.array([np.datetime64(t.replace(tzinfo=None), "ms") for t in times])


def _store(path) -> None:
    src = Source("store-test", "rows", AS_OF, AS_OF)
    hours = [AS_OF - timedelta(hours=h) for h in range(48, -1, -1)]
    oi = np.linspace(20_000.0, 25_000.0, len(hours))  # okx BTC coins, growing
    settle = [AS_OF - timedelta(hours=8 * k) for k in range(20, 0, -1)]
    rates = np.tile([0.00008, 0.00012], 10)  # per 8h: 1e-5 and 1.5e-5 per hour
    with HistoryStore(path) as st:
        st.write_open_interest(OpenInterestSeries("okx", "BTC", 3600, _ts(hours), oi, oi * 65_000.0, src))
        st.write_funding(FundingSeries("okx", "BTC", _ts(settle), rates, np.full(20, 8.0), src))
        st.write_long_short(
            LongShortSeries(
                "binance", "BTC", LongShortKind.GLOBAL_ACCOUNTS, 3600, _ts(hours[-3:]), np.full(3, 1.5), src
            )
        )
        when = AS_OF - timedelta(hours=2)
        st.write_liquidations(
            [
                LiquidationEvent("bybit", "BTC", LiquidatedSide.LONG, 65_000.0, 2.0, Source("b", "ws", when, when)),
                LiquidationEvent("okx", "BTC", LiquidatedSide.SHORT, 64_000.0, 1.0, Source("o", "ws", when, when)),
            ]
        )


def test_read_scan_history_by_hand(tmp_path):
    path = tmp_path / "h.duckdb"
    _store(path)
    hist = read_scan_history(path, {"BTC", "ETH"}, as_of=AS_OF)
    # value stored at as_of − 24h: index 24 of the 49-point linspace from 20,000 to 25,000
    assert hist.oi_base_before[("okx", "BTC")] == pytest.approx(20_000.0 + 24 * 5_000.0 / 48)
    assert len(hist.funding_1h[("okx", "BTC")]) == 20
    assert hist.funding_1h[("okx", "BTC")][:2] == pytest.approx([1e-5, 1.5e-5])
    assert hist.liquidations_usd["BTC"] == (130_000.0, 64_000.0)
    assert hist.long_share["BTC"][0] == pytest.approx(0.6)
    assert ("okx", "ETH") not in hist.oi_base_before
    assert hist.store == str(path)


class _FixtureClock(datetime):
    """The scan's clock at the fixtures' time (the fake venues answer 2024-06-01 data; the store is of then)."""

    @classmethod
    def now(cls, tz=None):
        return AS_OF


def test_scan_with_store_fills_history_cells(tmp_path, capsys, monkeypatch):
    from derivintel.app import scan_run

    path = tmp_path / "h.duckdb"
    _store(path)
    monkeypatch.setattr(scan_run, "datetime", _FixtureClock)
    with FakeVenues() as fake:
        cfg = _config(tmp_path / "sources.toml", fake.url)
        assert main(["scan", "--config", str(cfg), "--store", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    okx_btc = next(p for p in data["perps"] if p["venue"] == "okx" and p["base"] == "BTC")
    assert okx_btc["oi_change_frac"] == pytest.approx(25_000.0 / 22_500.0 - 1)  # fixture OI 25,000 coins now
    rate = 0.0001 / 8  # the fixture's current OKX BTC rate per hour
    settled = np.tile([1e-5, 1.5e-5], 10)
    assert okx_btc["funding_z"] == pytest.approx((rate - settled.mean()) / settled.std(ddof=1))
    btc = next(a for a in data["assets"] if a["base"] == "BTC")
    assert btc["liquidations_long_usd"] == 130_000.0
    assert btc["long_share"] == pytest.approx(0.6)
    assert btc["history_source"] == str(path)
