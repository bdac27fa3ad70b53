"""Rendered HTML is cached with the report, like its JSON: one render per built report, however many requests."""

from __future__ import annotations

from fastapi.testclient import TestClient

import derivintel.web.cache as cache_module
from derivintel.report.html import body_context, environment, render_body
from derivintel.web.app import create_app


def _counting(monkeypatch, name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(cache_module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(cache_module, name, counted)
    return calls


def test_html_report_fragment_and_dashboard_body_render_once_per_report(provider, monkeypatch):
    html, body = (_counting(monkeypatch, n) for n in ("render_html", "render_body"))
    client = TestClient(create_app(provider, refresh_s=3600))
    pages = [client.get("/report/BTC.html").text for _ in range(3)]
    fragments = [client.get("/fragment/BTC").text for _ in range(3)]
    dashboards = [client.get("/dashboard/BTC") for _ in range(3)]
    assert len(set(pages)) == 1
    assert len(set(fragments)) == 1
    assert all(r.status_code == 200 for r in dashboards)
    assert all(fragments[0] in r.text for r in dashboards)  # the page embeds the cached body verbatim
    assert (len(html), len(body)) == (1, 1)
    assert pages[0].lstrip().lower().startswith("<!doctype html")


def test_report_body_uses_none_of_the_dashboard_page_values(provider):
    # the dashboard embeds the body rendered without the page's variables: rendering it with them must not differ
    report = provider("BTC")
    page_values = {
        "symbols": ["BTC", "ETH"],
        "symbol": "XXX",
        "refresh_s": 1.0,
        "past": [],
        "token_query": "?token=t",
        "config_json": "{}",
    }
    with_page = environment().get_template("report_body.html.j2").render(**body_context(report), **page_values)
    assert with_page == render_body(report)
