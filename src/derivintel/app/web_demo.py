"""A ready-made demo dashboard app (synthetic data).

Run it with ``uvicorn --factory derivintel.app.web_demo:create_demo_app``.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from derivintel.app.report_providers import demo_provider, served_symbols
from derivintel.web.app import create_app

REFRESH_ENV = "DERIVINTEL_DEMO_REFRESH_S"


def create_demo_app() -> FastAPI:
    """The dashboard over the synthetic demo provider; refresh interval from ``$DERIVINTEL_DEMO_REFRESH_S`` (60)."""
    return create_app(
        demo_provider(), refresh_s=float(os.environ.get(REFRESH_ENV, "60")), symbols=served_symbols(demo=True)
    )
