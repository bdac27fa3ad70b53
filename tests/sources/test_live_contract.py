"""Live contract tests against the real keyless APIs (opt-in: ``pytest -m live``; need network).

They check that every declared endpoint still answers with the schema the parsers expect; a failure here is
the early warning of schema drift. Blocked venues (451/403) are skipped, not failed.
"""

from __future__ import annotations

import asyncio

import pytest

from derivintel.core.provenance import GapKind
from derivintel.sources.config import SourceConfig
from derivintel.sources.live import fetch_snapshot

pytestmark = pytest.mark.live


def test_live_snapshot_parses_every_reachable_endpoint() -> None:
    snapshot, raws = asyncio.run(fetch_snapshot("BTC", ["ETH"], config=SourceConfig.load(), progress=None))
    assert raws
    bad = [g for g in snapshot.gaps if g.kind is GapKind.BAD_PAYLOAD]
    assert not bad, "schema drift: " + "; ".join(f"{g.label}: {g.reason}" for g in bad)
    btc = snapshot.assets["BTC"]
    assert btc.perps
    for perp in btc.perps:
        assert 0 < perp.mark_price_usd < 10_000_000
        if perp.funding_rate_1h is not None:
            assert abs(perp.funding_rate_1h) < 0.04  # Hyperliquid cap 4 %/h; others far below
    if btc.options is not None:
        assert 0.05 < float(btc.options.mark_iv[btc.options.mark_iv > 0].mean()) < 5  # fraction, not percent


def test_live_doctor_conventions_hold() -> None:
    """``derivintel doctor`` on the real APIs: every convention the parsers assume still holds."""
    from derivintel.sources.doctor import Verdict, failed, run_checks
    from derivintel.sources.live import fetch_raw

    responses, failures, _ = asyncio.run(fetch_raw(["BTC", "ETH"], config=SourceConfig.load()))
    checks = run_checks(responses, ["BTC", "ETH"], failures)
    if not any(c.verdict is Verdict.OK and c.check != "envelope" for c in checks):
        pytest.skip("no venue answered from here")
    broken = failed(checks)
    assert not broken, "; ".join(f"{c.endpoint} {c.check}: {c.evidence}" for c in broken)
