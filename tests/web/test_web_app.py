"""The dashboard app through its factory: JSON API, cache, past reports, escaping, token auth, bind checks."""

from __future__ import annotations

import asyncio
import html
import json

import httpx
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from derivintel.app.serve_cmd import serve
from derivintel.core.errors import UserInputError
from derivintel.report.model import Report
from derivintel.web.app import create_app
from derivintel.web.archive import ReportArchive
from derivintel.web.auth import check_bind, is_loopback
from derivintel.web.cache import ReportCache
from derivintel.web.server import server_thread
from tests.web.conftest import CountingProvider
from tests.web.hostile import INSTRUMENT, VENUE, XSS, with_hostile_strings

TOKEN = "s3cret-token-0123456789"


def test_api_report_is_the_report_json_and_validates(provider):
    client = TestClient(create_app(provider, refresh_s=60))
    r = client.get("/api/report/btcusdt")  # symbols are normalised like the CLI's
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    report = Report.model_validate_json(r.text)
    assert report.symbol == "BTC"
    assert report.synthetic
    assert len(report.phases) == 10
    assert report.charts.price is not None
    assert report.charts.gex is not None
    assert provider.calls == ["BTC"]


def test_unknown_symbol_is_404_with_the_reason(provider):
    r = TestClient(create_app(provider)).get("/api/report/NOPE")
    assert r.status_code == 404
    assert "unknown symbol" in r.json()["detail"]
    assert provider.calls == []


def test_openapi_document_lists_the_json_api(provider):
    doc = TestClient(create_app(provider)).get("/openapi.json").json()
    assert {"/api/report/{symbol}", "/api/reports", "/api/reports/{report_id}", "/health"} <= set(doc["paths"])
    assert "Report" in json.dumps(doc["components"]["schemas"])  # the report model is documented


def test_concurrent_requests_build_once_per_interval(provider):
    app = create_app(provider, refresh_s=3600)

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            rs = await asyncio.gather(*(client.get(f"/api/report/{s}") for s in ["BTC"] * 8 + ["ETH"] * 4))
            return [r.status_code for r in rs]

    assert asyncio.run(burst()) == [200] * 12
    assert sorted(provider.calls) == ["BTC", "ETH"]


def test_cache_rebuilds_after_the_interval(provider):
    now = [0.0]
    cache = ReportCache(provider, ttl_s=10.0, clock=lambda: now[0])

    async def get():
        return (await cache.get("BTC")).report

    first = asyncio.run(get())
    now[0] = 9.9  # still inside the interval: cached
    assert asyncio.run(get()) is first
    now[0] = 10.0  # interval elapsed: rebuilt
    second = asyncio.run(get())
    assert second is not first
    assert second.generated_at > first.generated_at
    assert cache.builds == 2
    assert provider.calls == ["BTC", "BTC"]


def test_past_reports_listed_newest_first_and_served(provider, tmp_path):
    now = [0.0]
    archive = ReportArchive(tmp_path)
    app = create_app(provider, refresh_s=5, history=archive)
    app.state.reports._clock = lambda: now[0]
    client = TestClient(app)
    client.get("/api/report/BTC")
    now[0] = 6.0
    client.get("/api/report/BTC")
    items = client.get("/api/reports").json()
    assert [i["symbol"] for i in items] == ["BTC", "BTC"]
    assert items[0]["generated_at"] > items[1]["generated_at"]
    stored = client.get(f"/api/reports/{items[1]['report_id']}")
    assert Report.model_validate_json(stored.text).generated_at.isoformat().startswith("2030-01-01T00:00:00")
    page = client.get(f"/reports/{items[0]['report_id']}")
    assert page.status_code == 200
    assert "PHASE 10" in page.text
    assert client.get("/api/reports/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/api/reports/BTC-20300101T000000000000Z-x").status_code == 404
    # The directory outlives the server: a new archive lists the same reports.
    assert [e.report_id for e in ReportArchive(tmp_path).entries()] == [i["report_id"] for i in items]
    assert ReportArchive(tmp_path).get(items[0]["report_id"]) == archive.get(items[0]["report_id"])


def test_archive_keeps_at_most_max_items(provider):
    archive = ReportArchive(max_items=2)
    ids = [archive.add(provider("BTC")).report_id for _ in range(3)]
    assert [e.report_id for e in archive.entries()] == [ids[2], ids[1]]
    assert archive.get(ids[0]) is None


def test_dashboard_page_has_picker_charts_health_and_history(provider):
    client = TestClient(create_app(provider, refresh_s=30))
    page = client.get("/?symbol=eth", follow_redirects=True)
    assert page.status_code == 200
    assert str(page.url).endswith("/dashboard/ETH")
    text = page.text
    assert 'id="symbol-picker"' in text
    assert '<option value="SOL">' in text
    assert 'data-chart="price"' in text
    assert 'data-chart="venue_health"' in text
    assert "Venue health" in text
    assert "Past reports" in text
    assert "SYNTHETIC DEMO DATA" in text
    assert '"refresh_s":30' in text  # the polling interval the page uses
    assert client.get("/static/plotly.min.js").text.startswith("/**")  # plotly.js served locally, not a CDN
    assert client.get("/static/nope.js").status_code == 404


def test_hostile_strings_are_text_in_dashboard_and_api():
    client = TestClient(create_app(CountingProvider(transform=with_hostile_strings)))
    page = client.get("/dashboard/BTC").text
    assert XSS not in page
    assert html.escape(INSTRUMENT, quote=True) in page  # the table cell and the gap reason
    assert html.escape(f"venue said: {XSS}", quote=True) in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page  # venue name inside the embedded JSON
    assert VENUE.replace("<", "\\u003c").replace(">", "\\u003e") in page
    fragment = client.get("/fragment/BTC").text
    assert XSS not in fragment
    assert html.escape(INSTRUMENT, quote=True) in fragment
    api = client.get("/api/report/BTC").json()  # JSON keeps the original text; it is data, not markup
    assert any(g["reason"].endswith(INSTRUMENT) for g in api["gaps"])


@pytest.mark.parametrize("path", ["/", "/dashboard/BTC", "/api/report/BTC", "/openapi.json", "/static/charts.js"])
def test_token_required_on_every_route(provider, path):
    client = TestClient(create_app(provider, token=TOKEN))
    assert client.get(path, follow_redirects=False).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer wrong"}, follow_redirects=False).status_code == 401
    assert client.get(path, params={"token": TOKEN[:-1]}, follow_redirects=False).status_code == 401
    ok = client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}, follow_redirects=False)
    assert ok.status_code in (200, 307)
    assert client.get(path, params={"token": TOKEN}, follow_redirects=False).status_code in (200, 307)


def test_token_in_query_is_carried_into_the_page_links(provider):
    client = TestClient(create_app(provider, token=TOKEN))
    r = client.get("/", params={"token": TOKEN}, follow_redirects=False)
    assert r.headers["location"] == f"/dashboard/BTC?token={TOKEN}"
    page = client.get(r.headers["location"]).text
    assert f'src="/static/plotly.min.js?token={TOKEN}"' in page
    assert f'"token":"{TOKEN}"' in page


def test_uvicorn_server_with_token_refuses_requests_without_it(provider):
    app = create_app(provider, token=TOKEN, refresh_s=60)
    with server_thread(app, host="127.0.0.1") as url, httpx.Client(base_url=url, timeout=30) as client:
        r = client.get("/api/report/BTC")
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert client.get("/health").status_code == 401
        assert client.get("/health", headers={"Authorization": f"Bearer {TOKEN}"}).json()["status"] == "ok"
        assert client.get("/api/report/BTC", params={"token": TOKEN}).status_code == 200
    assert provider.calls == ["BTC"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_check_bind_requires_a_token_beyond_loopback():
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", TOKEN)
    with pytest.raises(UserInputError, match="needs a token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(UserInputError, match="at least 16"):
        check_bind("0.0.0.0", "short")


def _serve_app() -> typer.Typer:
    app = typer.Typer()
    app.command()(serve)
    return app


def test_serve_command_refuses_non_loopback_without_token(monkeypatch):
    monkeypatch.delenv("DERIVINTEL_TOKEN", raising=False)
    result = CliRunner().invoke(_serve_app(), ["--host", "0.0.0.0", "--demo"])
    assert isinstance(result.exception, UserInputError)
    assert "needs a token" in str(result.exception)


def test_serve_command_reads_the_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("DERIVINTEL_TOKEN", TOKEN)
    # The bind check passes with the env token; --every 0 then stops it before a server starts.
    result = CliRunner().invoke(_serve_app(), ["--host", "0.0.0.0", "--demo", "--every", "0"])
    assert isinstance(result.exception, UserInputError)
    assert "--every" in str(result.exception)
