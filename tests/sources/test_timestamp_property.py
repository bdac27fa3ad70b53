"""Property: whatever epoch number a venue puts in a timestamp field (seconds, milliseconds, microseconds, 0, far
past, far future), no parser returns a time before 2017 or more than a day after the fetch; the row becomes a
bad-payload gap naming the field instead."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivintel.core.timeutil import to_ms
from derivintel.sources.http import RawResponse
from derivintel.sources.live import assemble_partial, fetch_raw
from derivintel.sources.payload import MAX_AHEAD_OF_FETCH_MS, VENUE_LIFE_START_MS
from tests.sources.fakeserver import FakeVenues

TS_KEYS = frozenset(
    {"timestamp", "time", "ts", "fundingTime", "nextFundingTime", "fundingRateTimestamp", "t", "T", "E", "date"}
    | {"updated_at", "creation_timestamp", "timestamp_ms", "updateTime"}
    | {"nextUpdate", "funding_next_apply", "current"}  # Bitget ms, Gate seconds
)
VENUES = (
    "binance-usdm",
    "binance-spot",
    "bybit",
    "okx",
    "hyperliquid",
    "bitget",
    "gate",
    "deribit",
    "coingecko",
    "defillama",
)


@pytest.fixture(scope="module")
def recorded() -> list[RawResponse]:
    with FakeVenues() as venues:
        responses, failures, _ = asyncio.run(fetch_raw(["BTC"], config=venues.config()))
    assert not failures
    return [r for r in responses if r.provider in VENUES]


def _mutate(obj, value: int, as_text: bool, counter: list[int]):
    """Every timestamp field (and column 0 of row arrays) set to ``value + n × 1000`` (n-th field: distinct
    rows in s, ms and µs alike, so no duplicate-timestamp error hides the property)."""

    def new() -> int | str:
        counter[0] += 1
        out = value + 1000 * counter[0]
        return str(out) if as_text else out

    if isinstance(obj, dict):
        return {
            k: new() if k in TS_KEYS and not isinstance(v, dict | list) else _mutate(v, value, as_text, counter)
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        if obj and all(isinstance(x, list) and x for x in obj):  # row arrays: [ts, ...]
            return [[new(), *_mutate(x[1:], value, as_text, counter)] for x in obj]
        return [_mutate(x, value, as_text, counter) for x in obj]
    return obj


def _times(data) -> list[int]:
    """Every event time (epoch ms) in the parsed data; option expiries (legitimately future) left out."""
    out: list[int] = []
    for ad in data.values():
        for perp in ad.perps:
            out.append(to_ms(perp.source.as_of))
            if perp.next_funding_time is not None:
                out.append(to_ms(perp.next_funding_time))
        for group in (ad.candles, ad.open_interest, ad.funding, ad.long_short, ad.taker_volume):
            for series in group:
                out += series.ts.astype(np.int64).tolist()
                out.append(to_ms(series.source.as_of))
        out += [to_ms(b.source.as_of) for b in ad.books]
        if ad.options is not None:
            out.append(to_ms(ad.options.source.as_of))
    return out


def _epoch_numbers(fetch: datetime) -> st.SearchStrategy[int]:
    edges_ms = [VENUE_LIFE_START_MS, to_ms(fetch) + MAX_AHEAD_OF_FETCH_MS, to_ms(fetch - timedelta(hours=3))]
    near = st.sampled_from(edges_ms).flatmap(lambda ms: st.integers(ms - 7_200_000, ms + 7_200_000))
    scaled = st.tuples(near, st.sampled_from([1000, 1, -1000])).map(  # -1000: the same instant in µs
        lambda p: p[0] // p[1] if p[1] > 1 else p[0] * 1000 if p[1] < 0 else p[0]
    )
    return st.one_of(st.integers(-10, 10**19), scaled)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_parser_returns_a_time_outside_the_venues_life(recorded: list[RawResponse], data) -> None:
    i = data.draw(st.integers(0, len(recorded) - 1), label="response")
    raw = recorded[i]
    fetch = raw.ts_received
    value = data.draw(_epoch_numbers(fetch), label="epoch number")
    as_text = data.draw(st.booleans(), label="as text")
    body = json.dumps(_mutate(json.loads(raw.body), value, as_text, [0])).encode()
    responses = [*recorded[:i], replace(raw, body=body), *recorded[i + 1 :]]
    parsed, _gaps = assemble_partial(responses, ["BTC"])
    newest_allowed = to_ms(fetch) + MAX_AHEAD_OF_FETCH_MS
    for t in _times(parsed):
        assert VENUE_LIFE_START_MS <= t <= newest_allowed, (raw.provider, raw.dataset, value)


@pytest.mark.parametrize(
    ("value", "expect_ms"),
    [
        (1_717_214_400, 1_717_214_400_000),  # seconds: read as 2024-06-01 04:00, used
        (1_717_214_400_000_000, 1_717_214_400_000),  # microseconds: same instant, used
        (1_717, None),  # 1970 in any unit: bad payload naming the row
        (4_102_444_800_000, None),  # 2100: more than a day after the fetch
    ],
)
def test_a_mutated_timestamp_is_read_in_its_unit_or_named_in_the_gap(
    recorded: list[RawResponse], value: int, expect_ms: int | None
) -> None:
    i = next(n for n, r in enumerate(recorded) if (r.provider, r.dataset) == ("bybit", "open-interest"))
    obj = json.loads(recorded[i].body)
    obj["result"]["list"][2]["timestamp"] = str(value)  # the oldest row, as in the 2026 recording
    responses = [*recorded[:i], replace(recorded[i], body=json.dumps(obj).encode()), *recorded[i + 1 :]]
    parsed, gaps = assemble_partial(responses, ["BTC"])
    mine = [g for g in gaps if (g.source, g.dataset) == ("bybit", "open-interest")]
    if expect_ms is None:
        assert len(mine) == 1
        assert "[2].timestamp" in mine[0].reason
    else:
        assert mine == []
        (series,) = [s for s in parsed["BTC"].open_interest if s.venue == "bybit"]
        assert int(series.ts[0].astype(np.int64)) == expect_ms
