"""``derivintel serve``: the local web dashboard (FastAPI + uvicorn) over the same report model as the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from derivintel.core.errors import UserInputError
from derivintel.web.auth import TOKEN_ENV, check_bind


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Interface to bind. Anything but loopback requires a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar=TOKEN_ENV,
            help="Bearer token every request must carry (header 'Authorization: Bearer …' or '?token=').",
            show_default=False,
        ),
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Serve the offline SYNTHETIC demo scenario.")] = False,
    every: Annotated[
        float, typer.Option("--every", help="Refresh interval in seconds (cache and page polling).")
    ] = 60.0,
    reports_dir: Annotated[
        Path | None,
        typer.Option(
            "--reports-dir",
            help="Directory keeping the reports this server generates (JSON), for the past-reports list.",
        ),
    ] = None,
) -> None:
    """Serve the dashboard: symbol picker, auto-refresh, venue health, past reports, JSON API and OpenAPI.

    The market scanner is served at /scan (JSON at /api/scan), refreshed like the report."""
    check_bind(host, token)
    if not 1 <= port <= 65535:
        raise UserInputError(f"--port must be between 1 and 65535, got {port}")
    if not every > 0:
        raise UserInputError(f"--every must be a positive number of seconds, got {every}")
    import uvicorn

    from derivintel.app.report_providers import pipeline_provider, scan_provider, served_symbols
    from derivintel.web.app import create_app
    from derivintel.web.archive import ReportArchive

    app = create_app(
        pipeline_provider(demo=demo),
        token=token,
        refresh_s=every,
        history=ReportArchive(reports_dir),
        symbols=served_symbols(demo=demo),
        scan_provider=scan_provider(demo=demo),
    )
    uvicorn.run(app, host=host, port=port, log_level="info")
