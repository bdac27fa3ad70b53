"""Real payloads vary in ways the documentation does not show: numbers sent as strings or strings as numbers, and
fields added. Every venue parser must read the same values from such variants of every fixture."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import numpy as np
import pytest

from derivintel.sources.http import RawResponse
from derivintel.sources.live import assemble_partial, fetch_raw
from tests.sources.fakeserver import FakeVenues

VENUES = (
    "binance-usdm",
    "binance-coinm",
    "binance-spot",
    "bybit",
    "okx",
    "hyperliquid",
    "bitget",
    "gate",
    "deribit",
    "okx-options",
    "bybit-options",
    "binance-options",
    "coingecko",
    "defillama",
)


@pytest.fixture(scope="module")
def recorded() -> list[RawResponse]:
    with FakeVenues() as venues:
        responses, failures, _ = asyncio.run(fetch_raw(["BTC", "ETH"], config=venues.config()))
    assert not failures
    return responses


def _numbers_as_text(obj):
    if isinstance(obj, dict):
        return {k: _numbers_as_text(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_numbers_as_text(v) for v in obj]
    if isinstance(obj, int | float) and not isinstance(obj, bool):
        return repr(obj)
    return obj


def _text_as_numbers(obj):
    if isinstance(obj, dict):
        return {k: _text_as_numbers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_text_as_numbers(v) for v in obj]
    if isinstance(obj, str) and obj.strip():
        try:
            number = float(obj)
        except ValueError:
            return obj
        return int(number) if number.is_integer() and "." not in obj and "e" not in obj.lower() else number
    return obj


def _extra_fields(obj):
    if isinstance(obj, dict):
        return {**{k: _extra_fields(v) for k, v in obj.items()}, "fieldAddedLater": "x", "nestedAddedLater": {"a": 1}}
    if isinstance(obj, list):
        return [_extra_fields(v) for v in obj]
    return obj


def _summary(data) -> dict:
    out = {}
    for asset, ad in data.items():
        for p in ad.perps:
            out[(asset, "perp", p.venue)] = (
                p.mark_price_usd,
                p.funding_rate_interval,
                p.funding_interval_hours,
                p.oi_base,
            )
        for group in ("candles", "open_interest", "funding", "long_short", "taker_volume"):
            for s in getattr(ad, group):
                values = [
                    getattr(s, f) for f in ("close", "oi_base", "rate_interval", "ratio", "buy_base") if hasattr(s, f)
                ]
                out[(asset, group, s.venue)] = (
                    s.ts.astype(np.int64).tolist(),
                    [np.asarray(v).tolist() for v in values],
                )
        for b in ad.books:
            out[(asset, "book", b.venue)] = (b.bids.tolist(), b.asks.tolist())
        for f in ad.futures:
            out[(asset, "future", f.venue, f.venue_symbol)] = (f.expiry, f.mark_price_usd, f.index_price_usd, f.oi_base)
        if ad.options is not None:
            out[(asset, "options", "deribit")] = (ad.options.strike.tolist(), ad.options.oi_base.tolist())
        for venue, c in ad.venue_options.items():
            out[(asset, "options", venue)] = (
                c.expiry.tolist(),
                c.is_call.tolist(),
                *(  # NaN (not published) as None, so that equal chains compare equal
                    [None if np.isnan(x) else x for x in getattr(c, f).tolist()]
                    for f in ("strike", "mark_iv", "oi_base", "volume_base", "underlying_price_usd")
                ),
            )
    return out


@pytest.mark.parametrize("variant", [_numbers_as_text, _text_as_numbers, _extra_fields])
def test_every_parser_reads_the_same_values_from_payload_variants(recorded: list[RawResponse], variant) -> None:
    base, base_gaps = assemble_partial(recorded, ["BTC", "ETH"])
    changed = [
        replace(r, body=json.dumps(variant(json.loads(r.body))).encode()) if r.provider in VENUES else r
        for r in recorded
    ]
    data, gaps = assemble_partial(changed, ["BTC", "ETH"])
    assert [g for g in gaps if g not in base_gaps] == []
    assert len(_summary(base)) > 20  # every venue's data is compared, not an empty set
    assert sum(k[1] == "future" for k in _summary(base)) >= 15  # the dated futures of every venue are compared
    assert {k[2] for k in _summary(base) if k[1] == "options"} == {"deribit", "okx", "bybit", "binance", "deribit_usdc"}
    assert _summary(data) == _summary(base)
