"""The dashboard's scanner page and API over the synthetic demo scan (cached like the reports)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from derivintel.app.report_providers import scan_provider
from derivintel.web.app import create_app
from tests.web.conftest import CountingProvider


def test_scan_page_fragment_and_api():
    app = create_app(CountingProvider(), refresh_s=300, scan_provider=scan_provider(demo=True))
    client = TestClient(app)
    data = client.get("/api/scan").json()
    assert data["synthetic"] is True
    assert data["counts"]["perps"] >= 50
    page = client.get("/scan")
    assert page.status_code == 200
    assert "SYNTHETIC" in page.text
    assert "/scan/fragment" in page.text  # refreshed in place
    fragment = client.get("/scan/fragment").text
    assert "<table" in fragment
    assert "WIF" in fragment
    assert app.state.scans.builds == 1  # one build served all three requests within the refresh interval


def test_no_scan_provider_no_scan_routes():
    client = TestClient(create_app(CountingProvider()))
    assert client.get("/api/scan").status_code == 404
