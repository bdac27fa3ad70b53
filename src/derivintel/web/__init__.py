"""Local web dashboard over the report model (FastAPI): ``derivintel.web.app.create_app(report_provider, token=...)``.

Nothing is imported here, so the CLI can register ``serve`` without loading FastAPI at start-up.
"""
