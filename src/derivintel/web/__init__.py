"""Local web dashboard over the report model (FastAPI): ``create_app(report_provider, token=...)``."""

from derivintel.web.app import create_app

__all__ = ["create_app"]
