"""Dashboard errors: HTML pages for browsers, JSON for the API, /health degraded while a symbol fails, the picker
limited to what the provider serves, and every status code in the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from derivintel.app.report_providers import served_symbols
from derivintel.core.errors import NoPriceSourceError
from derivintel.web.app import create_app
from tests.web.conftest import CountingProvider

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOKEN = "s3cret-token-0123456789"


class FlakyProvider(CountingProvider):
    """Demo reports, except while ``down`` (no price source answers)."""

    down = True

    def __call__(self, symbol: str):
        if self.down:
            raise NoPriceSourceError("no price source answered for BTC (12 sources failed)")
        return super().__call__(symbol)


def test_503_is_an_html_page_for_browsers_and_json_for_the_api_and_health_says_degraded() -> None:
    provider = FlakyProvider()
    client = TestClient(create_app(provider, refresh_s=60, symbols=("BTC", "ETH")))
    page = client.get("/dashboard/BTC", headers=BROWSER)
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>503 no data right now</h1>" in page.text
    assert "no price source answered for BTC" in page.text
    api = client.get("/api/report/BTC", headers=BROWSER)  # the API answers JSON whatever the Accept header
    assert api.status_code == 503
    assert api.json()["detail"].startswith("no data: no price source answered")
    health = client.get("/health").json()
    assert health["status"] == "degraded"
    assert health["failing"]["BTC"].startswith("no data:")
    provider.down = False
    assert client.get("/api/report/BTC").status_code == 200
    assert client.get("/health").json() == {"status": "ok", "cached_symbols": ["BTC"], "builds": 1, "failing": {}}


def test_404_page_for_browsers_json_for_scripts(provider) -> None:
    client = TestClient(create_app(provider))
    page = client.get("/dashboard/NOPE", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "unknown symbol" in page.text
    assert client.get("/dashboard/NOPE").json()["detail"].startswith("unknown symbol")
    assert client.get("/no/such/page", headers=BROWSER).headers["content-type"].startswith("text/html")


def test_error_page_escapes_the_detail(provider) -> None:
    client = TestClient(create_app(provider))
    page = client.get("/dashboard/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", headers=BROWSER)
    assert page.status_code == 404
    assert "<img" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_picker_offers_only_what_the_provider_serves(provider) -> None:
    client = TestClient(create_app(provider, symbols=("BTC", "ETH")))
    page = client.get("/dashboard/BTC", headers=BROWSER)
    assert page.status_code == 200
    options = [s for s in ("BTC", "ETH", "SOL", "XRP", "DOGE") if f'value="{s}"' in page.text]
    assert options == ["BTC", "ETH"]
    sol = client.get("/api/report/SOL")
    assert sol.status_code == 404
    assert sol.json()["detail"] == "SOL is not served here (serves BTC, ETH)"
    assert provider.calls == ["BTC"]


def test_demo_dashboard_serves_every_demo_asset(provider) -> None:
    assert served_symbols(demo=True) == ("BTC", "ETH", "SOL", "XRP", "BNB", "DOGE", "ADA", "AVAX", "LINK", "SUI")
    client = TestClient(create_app(provider, symbols=served_symbols(demo=True)))
    page = client.get("/dashboard/BTC", headers=BROWSER)
    assert 'value="SUI"' in page.text
    assert client.get("/api/report/SOLL").json()["detail"] == "unknown symbol 'SOLL': did you mean SOL?"


def test_openapi_lists_every_status_code_the_api_returns(provider) -> None:
    open_doc = TestClient(create_app(provider)).get("/openapi.json").json()["paths"]
    assert {"200", "404", "503"} <= set(open_doc["/api/report/{symbol}"]["get"]["responses"])
    assert {"200", "404"} <= set(open_doc["/api/reports/{report_id}"]["get"]["responses"])
    assert "401" not in open_doc["/health"]["get"]["responses"]  # open server: no token, never 401
    client = TestClient(create_app(provider, token=TOKEN))
    doc = client.get("/openapi.json", headers={"authorization": f"Bearer {TOKEN}"}).json()["paths"]
    for path in ("/api/report/{symbol}", "/api/reports", "/api/reports/{report_id}", "/health"):
        assert "401" in doc[path]["get"]["responses"], path
    assert client.get("/api/reports").status_code == 401


def test_401_is_a_page_for_browsers_and_json_for_the_api(provider) -> None:
    client = TestClient(create_app(provider, token=TOKEN))
    page = client.get("/dashboard/BTC", headers=BROWSER)
    assert page.status_code == 401
    assert page.headers["content-type"].startswith("text/html")
    assert "401 not authorised" in page.text
    api = client.get("/api/report/BTC", headers=BROWSER)
    assert api.status_code == 401
    assert api.json() == {"detail": "missing or invalid token"}
    assert provider.calls == []
