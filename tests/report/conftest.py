"""A demo report built once per test session (building it takes about a second)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from derivintel.assessment.analyze import AnalysisOptions, analyze_snapshot
from derivintel.report.builder import build_report
from derivintel.sources.demo import build_demo_snapshot

GENERATED_AT = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_snapshot():
    return build_demo_snapshot("BTC", ("ETH",), seed=7)


@pytest.fixture(scope="session")
def demo_report(demo_snapshot):
    return build_report(demo_snapshot, analyze_snapshot(demo_snapshot, AnalysisOptions()), generated_at=GENERATED_AT)
