"""OKX v5 parsers: contracts → coins, interval from funding times, rubik rows sell-first."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.sources.okx import parse as op
from tests.realdata import real_path
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 1, 7, 0, 1, tzinfo=UTC)
# Fetch time for the real recordings: after every capture (2023..2026-10), so none reads as future.
REAL_RECV = datetime(2026, 12, 1, tzinfo=UTC)
SYM = "BTC-USDT-SWAP"


def fx(name: str) -> bytes:
    return (FIXTURES / "okx" / name).read_bytes()


def test_perp_metrics_from_funding_mark_index_oi() -> None:
    reading = op.parse_open_interest(fx("open-interest.json"), symbol=SYM, ts_recv=RECV)
    oi, ct_val = reading.oi_base, reading.contract_value_base
    assert oi == 25000.0
    assert ct_val == pytest.approx(0.01)  # 25000 coins / 2,500,000 contracts
    mark = op.parse_mark_price(fx("mark-price.json"), symbol=SYM, ts_recv=RECV).mark_price_usd
    index = op.parse_index_price(fx("index-tickers.json"), index_id="BTC-USDT")
    p = op.parse_funding_rate(
        fx("funding-rate.json"),
        asset="BTC",
        symbol=SYM,
        ts_recv=RECV,
        mark_price_usd=mark,
        index_price_usd=index,
        oi_base=oi,
    )
    assert p.funding_interval_hours == 8.0  # nextFundingTime 16:00 - fundingTime 08:00
    assert p.funding_rate_1h == pytest.approx(1.25e-5)
    assert p.next_funding_time == datetime(2024, 6, 1, 8, tzinfo=UTC)
    assert p.oi_usd == pytest.approx(25000 * 65002)
    assert op.next_funding_rate(fx("funding-rate.json"), symbol=SYM) is None  # "" = not published


def test_series_and_books() -> None:
    f = op.parse_funding_history(fx("funding-rate-history.json"), asset="BTC", symbol=SYM, ts_recv=RECV)
    np.testing.assert_allclose(f.rate_interval, [2e-5, 6e-5, 1e-4])
    assert set(f.interval_hours) == {8.0}
    tv = op.parse_taker_volume(fx("taker-volume.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    # rows are [ts, sellVol, buyVol]; newest row [.., "200.5", "300.25"] is last after sorting
    assert tv.sell_base[-1] == 200.5
    assert tv.buy_base[-1] == 300.25
    ls = op.parse_long_short_ratio(fx("long-short-account-ratio.json"), asset="BTC", ts_recv=RECV, period_s=3600)
    np.testing.assert_allclose(ls.ratio, [1.2, 1.3, 1.25])
    c = op.parse_candles(fx("candles.json"), asset="BTC", ts_recv=RECV, interval_s=3600)
    np.testing.assert_allclose(c.volume_base, [80, 90, 120.5])  # volCcy (coins), not contracts
    b = op.parse_books(fx("books.json"), asset="BTC", ts_recv=RECV, contract_value_base=0.01)
    np.testing.assert_allclose(b.bids[:, 1], [2.0, 0.1])  # 200 and 10 contracts of 0.01 BTC
    np.testing.assert_allclose(b.asks[:, 1], [1.5, 0.4])
    with pytest.raises(BadPayloadError, match="contract value"):
        op.parse_books(fx("books.json"), asset="BTC", ts_recv=RECV, contract_value_base=float("nan"))


def test_error_envelope_and_drift() -> None:
    with pytest.raises(BadPayloadError, match="50011"):
        op.parse_mark_price(b'{"code":"50011","msg":"Too Many Requests","data":[]}', symbol=SYM, ts_recv=RECV)
    with pytest.raises(BadPayloadError, match="'realizedRate' missing"):
        op.parse_funding_history(
            fx("funding-rate-history.json").replace(b"realizedRate", b"realisedRate"),
            asset="BTC",
            symbol=SYM,
            ts_recv=RECV,
        )


@pytest.mark.real_data
def test_real_okx_rubik_taker_volume_rows() -> None:
    """Real OKX SOL rubik taker volume (ccxt dump): rebuilt as the API's [ts, sellVol, buyVol] rows."""
    with real_path("perp_history", "okx_sol_usdt_swap_2026-06", "taker_volume.csv").open() as f:
        rows = list(csv.DictReader(f))
    body = json.dumps({"code": "0", "msg": "", "data": [[r["ts"], r["sellVol"], r["buyVol"]] for r in rows[::-1]]})
    tv = op.parse_taker_volume(body.encode(), asset="SOL", ts_recv=REAL_RECV, period_s=3600)
    assert len(tv) == len(rows)
    assert tv.sell_base[0] == pytest.approx(float(rows[0]["sellVol"]))
    assert tv.buy_base[0] == pytest.approx(float(rows[0]["buyVol"]))
    assert np.all(np.diff(tv.ts.astype(np.int64)) > 0)
