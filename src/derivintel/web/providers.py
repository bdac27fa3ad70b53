"""What the dashboard can serve. The report providers themselves (``symbol → Report``) are wired by the app layer
(``derivintel.app.report_providers``) and passed to ``create_app``."""

from __future__ import annotations


def served_symbols(*, demo: bool) -> tuple[str, ...]:
    """The assets a provider can serve: the demo scenario's (BTC, ETH) or every known asset live."""
    if demo:
        from derivintel.sources.demo.profiles import DEMO_ASSETS

        return tuple(DEMO_ASSETS)
    from derivintel.domain.assets import KNOWN_ASSETS

    return tuple(sorted(KNOWN_ASSETS))
