"""Demo reports for the dashboard tests: a provider whose clock advances one second per build, so every build
is a distinct report (distinct ``generated_at``)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from derivintel.app.report_providers import demo_provider

START = datetime(2030, 1, 1, tzinfo=UTC)


class CountingProvider:
    """Demo reports; counts builds per symbol; optional transform (e.g. hostile strings)."""

    def __init__(self, transform=None) -> None:
        ticks = itertools.count()
        self._inner = demo_provider(seed=7, clock=lambda: START + timedelta(seconds=next(ticks)))
        self.calls: list[str] = []
        self.transform = transform

    def __call__(self, symbol: str):
        self.calls.append(symbol)
        report = self._inner(symbol)
        return self.transform(report) if self.transform else report


@pytest.fixture
def provider() -> CountingProvider:
    return CountingProvider()
