"""Report providers for the dashboard: ``symbol → Report``. The app layer owns the clock (``generated_at``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from derivintel.report.model import Report

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def pipeline_provider(*, demo: bool, seed: int = 7, clock: Clock = _now) -> Callable[[str], Report]:
    """Reports through the same pipeline as ``derivintel report``: live venues, or the synthetic demo."""
    from derivintel.app.analysis import AnalysisOptions
    from derivintel.app.pipeline import SnapshotRequest, build_report_for

    request = SnapshotRequest(demo=demo, seed=seed)

    def provide(symbol: str) -> Report:
        return build_report_for(
            symbol, secondary=None, request=request, options=AnalysisOptions(), generated_at=clock()
        )

    return provide


def demo_provider(*, seed: int = 7, clock: Clock = _now) -> Callable[[str], Report]:
    """Synthetic demo reports (offline; for tests and trying the dashboard)."""
    return pipeline_provider(demo=True, seed=seed, clock=clock)


def served_symbols(*, demo: bool) -> tuple[str, ...]:
    """The assets a provider can serve: the demo scenario's (BTC, ETH) or every known asset live."""
    if demo:
        from derivintel.sources.demo.profiles import DEMO_ASSETS

        return tuple(DEMO_ASSETS)
    from derivintel.domain.assets import KNOWN_ASSETS

    return tuple(sorted(KNOWN_ASSETS))
