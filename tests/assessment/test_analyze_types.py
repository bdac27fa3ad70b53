"""Every analyses field holds what its annotation says (``Result[ChainAnalysis]`` holds a ``ChainAnalysis``)."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from derivintel.assessment import analyze
from derivintel.assessment.analyze import Analyses, AnalysisOptions, AssetAnalyses, analyze_snapshot
from derivintel.core.result import Result
from derivintel.sources.demo import build_demo_snapshot


@pytest.fixture(scope="module")
def analyses() -> Analyses:
    snapshot = build_demo_snapshot("BTC", ("ETH",), seed=7)
    return analyze_snapshot(snapshot, AnalysisOptions())


def _result_fields(cls) -> dict[str, type]:
    hints = typing.get_type_hints(cls, vars(analyze))
    out = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if typing.get_origin(hint) is Result:
            (arg,) = typing.get_args(hint)
            out[f.name] = arg
    return out


def test_every_asset_result_is_typed():
    untyped = [f.name for f in dataclasses.fields(AssetAnalyses) if f.type in ("Result", Result)]
    assert untyped == []
    # all but ``asset`` and ``venue_options`` (venue → Result[ChainAnalysis], checked below)
    assert len(_result_fields(AssetAnalyses)) == len(dataclasses.fields(AssetAnalyses)) - 2
    hint = typing.get_type_hints(AssetAnalyses, vars(analyze))["venue_options"]
    assert typing.get_args(hint)[1] == Result[analyze.ChainAnalysis]


def test_values_match_their_annotations(analyses):
    checked = 0
    for asset in (analyses.primary, *analyses.secondary):
        for name, cls in _result_fields(AssetAnalyses).items():
            value = getattr(asset, name).value
            assert value is None or isinstance(value, cls), (asset.asset, name, type(value))
            checked += value is not None
    for name, cls in _result_fields(Analyses).items():
        value = getattr(analyses, name).value
        assert value is None or isinstance(value, cls), (name, type(value))
    assert checked >= 20  # the demo fills most of them
    venues = analyses.primary.venue_options
    assert set(venues) == {"okx", "bybit", "binance"}
    assert all(isinstance(r.value, analyze.ChainAnalysis) for r in venues.values())
