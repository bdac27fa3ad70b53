"""The crowding call reads Binance's long/short shares whichever name the venue carries: ``binance`` (the live
parsers) or ``binance-usdm`` (the demo and stored dumps)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.domain.snapshot import MarketSnapshot
from derivintel.domain.venue import VenueId
from derivintel.sources.binance import parse as binance
from derivintel.sources.demo import build_demo_snapshot
from derivintel.synthesis.crowding import CrowdingCall

SHARES = ("accounts long share", "top positions long share")


def _binance_renamed(snapshot: MarketSnapshot, venue: str) -> MarketSnapshot:
    """``snapshot`` with the primary's Binance long/short series carrying ``venue`` as their venue name."""
    data = snapshot.asset(snapshot.primary)
    series = tuple(replace(s, venue=VenueId(venue)) if s.venue == "binance-usdm" else s for s in data.long_short)
    return replace(snapshot, assets={**snapshot.assets, snapshot.primary: replace(data, long_short=series)})


def _crowding(snapshot: MarketSnapshot) -> CrowdingCall:
    call = analyze_snapshot(snapshot, AnalysisOptions()).crowding.value
    assert call is not None
    return call


@pytest.mark.parametrize("venue", ["binance-usdm", binance.VENUE])
def test_binance_shares_vote_under_either_venue_name(venue: str) -> None:
    call = _crowding(_binance_renamed(build_demo_snapshot("BTC", (), seed=7), venue))
    assert not set(SHARES) & set(call.missing)
    assert sum(e.startswith(SHARES) for e in call.evidence) == 2


def test_shares_of_another_venue_are_not_read_as_binance() -> None:
    call = _crowding(_binance_renamed(build_demo_snapshot("BTC", (), seed=7), "bybit"))
    assert set(SHARES) <= set(call.missing)
