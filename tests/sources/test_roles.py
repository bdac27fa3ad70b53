"""Roles a venue plays beyond its own data are declared in its folder (``sources/<venue>/roles.py``) and gathered by
``sources.roles``; the modules that used to name those venues no longer do."""

from __future__ import annotations

from pathlib import Path

from derivintel.sources import roles
from derivintel.sources.binance import options as binance_options
from derivintel.sources.bybit import options as bybit_options
from derivintel.sources.deribit import parse as deribit_parse
from derivintel.sources.deribit import usdc_options
from derivintel.sources.okx import options as okx_options
from tests.sources.test_venue_layout import venue_names_in_code

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "derivintel"


def test_roles_are_the_venue_modules_own_ids():
    assert roles.PRIMARY_OPTIONS_VENUE == deribit_parse.VENUE
    assert roles.OPTION_VENUE_ORDER == (
        usdc_options.VENUE,
        okx_options.VENUE,
        bybit_options.VENUE,
        binance_options.VENUE,
    )
    assert roles.CROWDING_LONG_SHARE_VENUE == "binance"


def test_demo_fills_the_other_option_venues_in_the_declared_order():
    from derivintel.sources.demo import build_demo_snapshot

    order = list(build_demo_snapshot("BTC", ("ETH",), seed=7).asset("BTC").venue_options)
    assert order == [v for v in roles.OPTION_VENUE_ORDER if v in order]


def test_modules_that_carried_venue_knowledge_name_no_venue():
    """A regression guard: these read the roles (or are told) instead of naming a venue."""
    for rel in (
        "assessment/analyze.py",
        "store/codecs.py",
        "store/snapshot_at.py",
        "store/history_store.py",
        "research/dealer_regime.py",
        "research/features.py",
        "analytics/liquidity/realised.py",
        "analytics/liquidity/map_accuracy.py",
    ):
        assert venue_names_in_code(PACKAGE / rel) == [], rel
