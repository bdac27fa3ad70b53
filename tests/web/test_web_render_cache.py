"""Rendered HTML is cached with the report, like its JSON: one render per built report, however many requests."""

from __future__ import annotations

from fastapi.testclient import TestClient

import derivintel.web.cache as cache_module
from derivintel.web.app import create_app


def _counting(monkeypatch, name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(cache_module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(cache_module, name, counted)
    return calls


def test_html_report_fragment_and_body_context_render_once_per_report(provider, monkeypatch):
    html, body, context = (_counting(monkeypatch, n) for n in ("render_html", "render_body", "body_context"))
    client = TestClient(create_app(provider, refresh_s=3600))
    pages = [client.get("/report/BTC.html").text for _ in range(3)]
    fragments = [client.get("/fragment/BTC").text for _ in range(3)]
    dashboards = [client.get("/dashboard/BTC") for _ in range(3)]
    assert len(set(pages)) == 1
    assert len(set(fragments)) == 1
    assert all(r.status_code == 200 for r in dashboards)
    assert (len(html), len(body), len(context)) == (1, 1, 1)
    assert pages[0].lstrip().lower().startswith("<!doctype html")
