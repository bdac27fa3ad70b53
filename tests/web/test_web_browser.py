"""Browser tests: Playwright driving the system Chromium against the dashboard (uvicorn on 127.0.0.1) and the
HTML report opened from disk with networking off. Screenshots go to ``test-output/`` (gitignored)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from derivintel.report.html import render_html
from derivintel.web.app import create_app
from derivintel.web.server import server_thread
from tests.web.conftest import CountingProvider
from tests.web.hostile import INSTRUMENT, VENUE, XSS, with_hostile_strings

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = Path(os.environ.get("DERIVINTEL_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set DERIVINTEL_CHROMIUM)", allow_module_level=True
    )

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUT = Path(__file__).resolve().parents[2] / "test-output"
TOKEN = "browser-token-0123456789"
CHART_NAMES = {
    "price",
    "open_interest",
    "funding",
    "liquidation_map",
    "volume_profile",
    "gex",
    "iv_smile",
    "iv_term",
    "pain_curve",
    "basis_curve",
    "options_oi_strike",
    "options_oi_expiry",
    "venue_health",
}
ALL_CHARTS_DRAWN = """() => {
  const divs = [...document.querySelectorAll('[data-chart]')];
  return divs.length > 0 && divs.every(d => d.querySelector('svg.main-svg'));
}"""


@dataclass
class PageLog:
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser, *, offline: bool = False):
    context = browser.new_context(offline=offline, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log = PageLog()
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(str(e)))

    def on_dialog(d):
        log.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return context, page, log


def _drawn_charts(page) -> set[str]:
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    return set(page.eval_on_selector_all("[data-chart]", "els => els.map(e => e.dataset.chart)"))


def _shot(page, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / name), full_page=False)


def test_dashboard_loads_and_every_chart_renders(browser):
    app = create_app(CountingProvider(), refresh_s=60)
    with server_thread(app) as url:
        context, page, log = _open(browser)
        page.goto(f"{url}/", wait_until="load")
        assert page.url.endswith("/dashboard/BTC")
        assert _drawn_charts(page) == CHART_NAMES
        assert "SYNTHETIC DEMO DATA" in page.inner_text(".banner >> nth=0")
        assert page.locator("#venue-health-table tbody tr").count() >= 10
        assert page.locator("#past-reports li").count() == 1
        _shot(page, "dashboard.png")
        page.select_option("#symbol-picker", "ETH")  # the picker navigates to the other symbol
        page.wait_for_url("**/dashboard/ETH")
        assert _drawn_charts(page) == CHART_NAMES
        assert "— ETH —" in page.inner_text("h1")
        context.close()
    assert log.errors == []
    assert log.dialogs == []


def test_refresh_updates_timestamp_and_figures_with_token(browser):
    app = create_app(CountingProvider(), refresh_s=1.0, token=TOKEN)
    with server_thread(app) as url:
        context, page, log = _open(browser)
        page.goto(f"{url}/?token={TOKEN}", wait_until="load")
        _drawn_charts(page)
        before = page.inner_text("#generated-at")
        # The page polls every second; the cache expires every second; each build has a new generated_at.
        page.wait_for_function(
            "t => document.getElementById('generated-at').textContent !== t", arg=before, timeout=30_000
        )
        assert page.inner_text("#refresh-state").startswith("updated")
        assert _drawn_charts(page) == CHART_NAMES  # charts redrawn from the refreshed JSON
        page.wait_for_function("() => document.querySelectorAll('#past-reports li').length >= 2", timeout=30_000)
        _shot(page, "dashboard_refreshed.png")
        context.close()
    assert log.errors == []


def test_html_report_opens_from_disk_offline(browser, tmp_path, demo_report_for_browser):
    path = tmp_path / "report.html"
    path.write_text(render_html(demo_report_for_browser), encoding="utf-8")
    context, page, log = _open(browser, offline=True)

    def guard(route):
        if not route.request.url.startswith(("file://", "data:", "blob:")):
            log.external.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    page.goto(path.as_uri(), wait_until="load")
    assert _drawn_charts(page) == CHART_NAMES
    assert page.locator("section.phase").count() == 10
    _shot(page, "report_offline.png")
    context.close()
    assert log.external == []
    assert log.errors == []


@pytest.fixture(scope="module")
def demo_report_for_browser():
    return CountingProvider()("BTC")


def _assert_hostile_text_shown(page, log: PageLog) -> None:
    body = page.inner_text("body")
    assert INSTRUMENT in body  # table cell and gap reason, as text
    assert f"venue said: {XSS}" in body
    legend = page.eval_on_selector_all("#chart-open_interest .legendtext", "els => els.map(e => e.textContent)")
    assert VENUE in legend  # Plotly shows the escaped venue name as text
    injected = page.evaluate(
        "() => [...document.querySelectorAll('script')]"
        ".filter(s => s.type !== 'application/json' && s.textContent.includes('alert(1)')).length"
    )
    assert injected == 0
    assert log.dialogs == []


def test_hostile_strings_are_text_in_report_and_dashboard(browser, tmp_path, demo_report_for_browser):
    path = tmp_path / "hostile.html"
    path.write_text(render_html(with_hostile_strings(demo_report_for_browser)), encoding="utf-8")
    context, page, log = _open(browser, offline=True)
    page.goto(path.as_uri(), wait_until="load")
    _drawn_charts(page)
    _assert_hostile_text_shown(page, log)
    _shot(page, "report_hostile.png")
    context.close()

    app = create_app(CountingProvider(transform=with_hostile_strings), refresh_s=60)
    with server_thread(app) as url:
        context, page, log = _open(browser)
        page.goto(f"{url}/dashboard/BTC", wait_until="load")
        _drawn_charts(page)
        _assert_hostile_text_shown(page, log)
        _shot(page, "dashboard_hostile.png")
        context.close()
