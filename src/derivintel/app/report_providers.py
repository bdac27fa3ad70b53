"""Report providers wired by the app layer and passed down: ``symbol → Report`` and the symbols it serves for the
dashboard, and the demo report's metric keys for alert-rule validation. The app layer owns the clock
(``generated_at``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from derivintel.alerts.rules import KnownMetrics
from derivintel.report.model import Report

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def pipeline_provider(*, demo: bool, seed: int = 7, clock: Clock = _now) -> Callable[[str], Report]:
    """Reports through the same pipeline as ``derivintel report``: live venues, or the synthetic demo."""
    from derivintel.app.pipeline import SnapshotRequest, build_report_for
    from derivintel.assessment.analyze import AnalysisOptions

    request = SnapshotRequest(demo=demo, seed=seed)

    def provide(symbol: str) -> Report:
        return build_report_for(
            symbol, secondary=None, request=request, options=AnalysisOptions(), generated_at=clock()
        )

    return provide


def demo_provider(*, seed: int = 7, clock: Clock = _now) -> Callable[[str], Report]:
    """Synthetic demo reports (offline; for tests and trying the dashboard)."""
    return pipeline_provider(demo=True, seed=seed, clock=clock)


@lru_cache(maxsize=1)
def demo_known_metrics() -> KnownMetrics:
    """Keys of the offline demo report (BTC with ETH secondary), plus the dynamic patterns via ``normalise_key``."""
    from derivintel.app.pipeline import SnapshotRequest, build_report_for
    from derivintel.assessment.analyze import AnalysisOptions
    from derivintel.sources.demo import DEMO_AS_OF

    report = build_report_for(
        "BTC",
        secondary=("ETH",),
        request=SnapshotRequest(demo=True, seed=7),
        options=AnalysisOptions(),
        generated_at=DEMO_AS_OF,
    )
    return KnownMetrics.from_report(report)


def served_symbols(*, demo: bool) -> tuple[str, ...]:
    """The assets a provider can serve: the demo scenario's ten or the built-in known assets live."""
    if demo:
        from derivintel.sources.demo.profiles import DEMO_ASSETS

        return tuple(DEMO_ASSETS)
    from derivintel.domain.assets import KNOWN_ASSETS

    return tuple(sorted(KNOWN_ASSETS))


def scan_provider(*, demo: bool, store=None):  # -> Callable[[], tuple[ScanResult, str | None]]
    """Scans for the dashboard's scanner page, through the same path as ``derivintel scan`` (live or demo)."""
    from derivintel.app.scan_run import ScanRequest, run_scan

    request = ScanRequest(demo=demo, store=store)

    def provide():
        return run_scan(request)

    return provide
