"""Hyperliquid positions poller: the rate-limit plan (simulated clock) and rounds against the loopback fake server
with 429s, 5xx and bad payloads on single accounts."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest

from derivintel.sources.hyperliquid.poller import PollLimits, fetch_discovery, http_reader, plan_round, poll_round
from tests.sources.fakeserver import FIXTURES, FakeVenues

NOW = datetime(2024, 6, 1, 7, 0, 5, tzinfo=UTC)
A, B, C, D, E = ("0x" + ch * 40 for ch in "abcde")


def test_plan_respects_the_published_budget() -> None:
    limits = PollLimits()
    assert limits.budget_per_min == 1200
    assert limits.weight == 2
    plan = plan_round([f"0x{i:040x}" for i in range(10_000)], limits)
    at = np.array([s.at_s for s in plan.slots])
    assert np.all(np.diff(at) > 0)
    # Any 60 s window [t, t + 60) holds at most usable/weight reads: 0.8 × 1200 / 2 = 480.
    counts = np.searchsorted(at, at + 60.0, side="left") - np.arange(len(at))
    assert counts.max() == 480
    assert counts.max() * limits.weight <= limits.usable_per_min
    assert plan.duration_s == pytest.approx(10_000 * 2 * 60 / 960)  # 1250 s: the time the limits allow
    assert limits.reads_within(300.0, reserved_weight=40) == (960 * 5 - 40) // 2
    assert limits.reads_within(1.0, reserved_weight=10_000) == 0
    with pytest.raises(ValueError, match="usable_fraction"):
        PollLimits(usable_fraction=0.0)


def _account(positions: bool) -> bytes:
    obj = json.loads((FIXTURES / "hyperliquid" / "clearinghouseState.json").read_bytes())
    if not positions:
        obj["assetPositions"] = []
    return json.dumps(obj).encode()


def test_round_against_fake_server_skips_and_retries_failed_accounts() -> None:
    attempts: Counter[str] = Counter()

    def handler(args):
        user = args["user"]
        attempts[user] += 1
        if user == B:
            return 429, b'{"error":"rate limited"}'
        if user == C and attempts[user] <= 2:  # fails both attempts of the first pass, answers on the retry
            return 500, b'{"error":"injected"}'
        if user == D:
            return b'{"assetPositions": [{"position": {"coin": "BTC"'  # truncated
        return _account(positions=user != E)

    with FakeVenues() as venues:
        venues.handlers[("hyperliquid", "clearinghouseState")] = handler
        read = http_reader(venues.config(), PollLimits(), clock=lambda: NOW)
        result = asyncio.run(poll_round([A, B, C, D, E], read, now=NOW))
    assert [s.address for s in result.read] == [A, E, C]
    assert dict(result.failures).keys() == {B, D}
    assert "429" in dict(result.failures)[B]
    assert "truncated" in dict(result.failures)[D]
    assert result.retried_ok == 1
    assert result.positions == 4  # A and C hold two positions each; E is flat (read, zero positions)
    assert attempts[B] == 4  # two attempts per pass, two passes: then skipped until the next round
    assert attempts[D] == 2  # a bad payload is not retried inside a pass
    assert "2 failed" in result.line
    assert "1 recovered on retry" in result.line


def test_discovery_reads_trades_and_open_interest() -> None:
    with FakeVenues() as venues:
        found = asyncio.run(fetch_discovery(["BTC"], venues.config(), clock=lambda: NOW))
        hits = list(venues.hits)
    assert ("hyperliquid", "recentTrades") in hits
    assert ("hyperliquid", "metaAndAssetCtxs") in hits
    assert len(found.sightings) == 4
    assert found.failures == []
    assert found.perps[0].oi_base == pytest.approx(20000.5)
    assert found.weight == (20 + 1) + 20


def test_discovery_failure_is_reported_not_raised() -> None:
    with FakeVenues() as venues:
        venues.faults["hyperliquid"] = "500"
        found = asyncio.run(fetch_discovery(["BTC"], venues.config(), clock=lambda: NOW))
    assert found.sightings == []
    assert found.perps == []
    assert any("BTC trades" in f for f in found.failures)
    assert any("metaAndAssetCtxs" in f for f in found.failures)


def test_live_pacing_is_the_planned_pacing() -> None:
    limits = PollLimits(usable_fraction=0.5)
    rl = limits.rate_limit()
    assert rl.burst == 1  # no burst above the even spacing
    assert rl.requests_per_s == pytest.approx(1.0 / limits.spacing_s)
    assert rl.requests_per_s * limits.weight * 60 == pytest.approx(600.0)  # half of 1200 weight per minute
    plan = plan_round(["0x" + "1" * 40, "0x" + "2" * 40], limits, start_s=10.0)
    assert [s.at_s for s in plan.slots] == [10.0, 10.0 + limits.spacing_s]
