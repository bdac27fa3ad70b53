"""CryptoQuant exchange-flow parsers: newest-first rows sorted, days as UTC midnights, known the next midnight."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivintel.core.errors import BadPayloadError
from derivintel.sources.cryptoquant import parse as cq
from tests.sources.fakeserver import FIXTURES

RECV = datetime(2024, 6, 4, 1, 0, tzinfo=UTC)


def fx(name: str) -> bytes:
    return (FIXTURES / "cryptoquant" / name).read_bytes()


def flow(body: bytes, dataset: str = "btc-exchange-netflow"):
    return cq.parse_daily_flow(
        body, dataset=dataset, name="exchange_netflow_btc", unit="btc", value_field="netflow_total", ts_recv=RECV
    )


def test_btc_netflow_sorted_and_dated() -> None:
    s = flow(fx("btc-exchange-netflow.json"))
    assert s.name == "exchange_netflow_btc"
    assert s.unit == "btc"
    # fixture rows newest first: 06-03 −1500, 06-02 +750, 06-01 −100.25 → ascending
    np.testing.assert_allclose(s.values, [-100.25, 750.0, -1500.0])
    assert s.ts.astype(str).tolist() == [
        "2024-06-01T00:00:00.000",
        "2024-06-02T00:00:00.000",
        "2024-06-03T00:00:00.000",
    ]
    # a day's flow is complete (known) at the next UTC midnight
    assert s.available_ts is not None
    assert s.available_ts[0] == np.datetime64("2024-06-02T00:00", "ms")
    assert len(s.until(datetime(2024, 6, 3, 12, tzinfo=UTC))) == 2
    assert s.source.name == "cryptoquant"
    assert s.source.fetched_at == RECV


def test_stablecoin_netflow_usd() -> None:
    s = cq.parse_daily_flow(
        fx("stablecoin-exchange-netflow.json"),
        dataset="stablecoin-exchange-netflow",
        name="stablecoin_exchange_netflow_usd",
        unit="usd",
        value_field="netflow_total",
        ts_recv=RECV,
    )
    np.testing.assert_allclose(s.values, [50_000_000.0, -125_000_000.5, 250_000_000.0])


def _body(rows: list[dict], code: int = 200) -> bytes:
    return json.dumps({"status": {"code": code, "message": "x"}, "result": {"window": "DAY", "data": rows}}).encode()


@pytest.mark.parametrize(
    "body",
    [
        _body([{"date": "2024-06-01", "netflow_total": 1.0}], code=401),  # error status in the envelope
        _body([]),  # no rows
        _body([{"date": "01/06/2024", "netflow_total": 1.0}]),  # not a date
        _body([{"date": "2024-06-01", "netflow_total": None}]),  # null number
        _body([{"date": "2024-06-01", "netflow_total": 1.0}, {"date": "2024-06-01", "netflow_total": 2.0}]),
        b'{"status":{"code":200},"result":{"data":[{"date":"2024-06-01","netf',  # truncated
    ],
)
def test_bad_payloads_raise(body: bytes) -> None:
    with pytest.raises(BadPayloadError):
        flow(body)


@given(st.permutations(list(range(10))), st.lists(st.floats(-1e6, 1e6), min_size=10, max_size=10))
def test_row_order_does_not_matter(order: list[int], values: list[float]) -> None:
    rows = [{"date": f"2024-05-{d + 1:02d}", "netflow_total": values[d]} for d in range(10)]  # before RECV
    a = flow(_body(rows))
    b = flow(_body([rows[i] for i in order]))
    np.testing.assert_array_equal(a.ts, b.ts)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.values, values)
