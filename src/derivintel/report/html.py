"""HTML renderer: one self-contained, offline file with the ten phases, charts, venue health and limitations.

Numbers come from the report model only: table cells via ``report.format`` (as in Markdown), charts from
``report.charts`` drawn by ``templates/charts.js`` with plotly.js bundled inline (no CDN, no network). Every string
from outside is escaped by Jinja2 autoescape; embedded JSON has ``<``, ``>``, ``&`` (and U+2028/9) escaped so a
``</script>`` inside any value cannot end the script element.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from derivintel.core.timeutil import format_utc, iso, utc
from derivintel.report.format import format_metric
from derivintel.report.markdown import freshness_age
from derivintel.report.model import Metric, Report, Table

TEMPLATE_PACKAGE = "derivintel.report"
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
# Template chart name → the ``Charts.missing`` key that explains its absence.
_CHART_MISSING_KEY = {
    "price": "price",
    "open_interest": "open_interest",
    "funding": "funding",
    "liquidation_map": "liquidation_map",
    "volume_profile": "volume_profile",
    "gex": "options",
    "options_oi_strike": "options_oi",
    "options_oi_expiry": "options_oi",
    "iv_smile": "options",
    "iv_term": "options",
    "basis_curve": "basis_curve",
}


@cache
def environment() -> Environment:
    """The Jinja2 environment over ``report/templates`` (autoescape on for every template)."""
    return Environment(
        loader=PackageLoader(TEMPLATE_PACKAGE, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
        lstrip_blocks=False,
    )


@cache
def asset_text(name: str) -> str:
    """A static file shipped in ``report/templates`` (CSS, JS)."""
    return resources.files(TEMPLATE_PACKAGE).joinpath("templates", name).read_text(encoding="utf-8")


@cache
def plotly_js() -> str:
    """plotly.js as bundled by the ``plotly`` Python package (works offline)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _inline_script(code: str) -> Markup:
    """JavaScript for an inline ``<script>``: a literal ``</script`` would close the element early."""
    return Markup(code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT"))


def safe_json(data: Any) -> Markup:
    """JSON safe to embed in a ``<script type="application/json">`` element (``JSON.parse`` reads it back)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)


@dataclass(frozen=True, slots=True)
class CellView:
    text: str
    metric: str | None = None
    status: str = "ok"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RowView:
    cells: list[CellView]
    source: str


@dataclass(frozen=True, slots=True)
class TableView:
    columns: list[str]
    rows: list[RowView]
    with_source: bool


def table_view(table: Table, metrics: dict[str, Metric], asset: str) -> TableView:
    """Cells formatted exactly as in Markdown; a Source column when any row cites a metric."""
    rows = []
    for row in table.rows:
        cells = []
        source = ""
        for c in row:
            if c.metric is not None:
                m = metrics[c.metric]
                cells.append(CellView(format_metric(m, asset=asset), m.key, m.status, m.note))
                source = source or m.source
            else:
                cells.append(CellView(c.text or ""))
        rows.append(RowView(cells, source))
    return TableView(list(table.columns), rows, any(c.metric for row in table.rows for c in row))


def chart_data(report: Report) -> dict[str, Any]:
    """The part of the report JSON the chart script reads (same field names as ``/api/report``)."""
    return {
        "symbol": report.symbol,
        "as_of": iso(report.as_of),
        "generated_at": iso(report.generated_at),
        "charts": report.charts.model_dump(mode="json"),
        "freshness": [f.model_dump(mode="json") for f in report.freshness],
    }


def charts_missing(report: Report) -> dict[str, str]:
    """Template chart name → why it is not drawn (charts absent from the model)."""
    c = report.charts
    missing = {name: c.missing[key] for name, key in _CHART_MISSING_KEY.items() if key in c.missing}
    present = {
        "price": c.price is not None,
        "open_interest": bool(c.open_interest),
        "funding": bool(c.funding),
        "liquidation_map": c.liquidation_map is not None,
        "volume_profile": c.volume_profile is not None,
        "gex": c.gex is not None,
        "options_oi_strike": c.options_oi is not None,
        "options_oi_expiry": c.options_oi is not None,
        "iv_smile": bool(c.iv_smiles),
        "iv_term": c.iv_term is not None,
        "basis_curve": c.basis_curve is not None,
        "venue_health": bool(report.freshness),
    }
    for name, ok in present.items():
        if not ok and name not in missing:
            missing[name] = "no data in this report"
    return missing


def body_context(report: Report) -> dict[str, Any]:
    """Template variables for ``report_body.html.j2`` (shared by the file report and the dashboard)."""
    metrics = {m.key: m for m in report.all_metrics()}
    scope = report.symbol + (f" primary analysis ({', '.join(report.secondary)} secondary)" if report.secondary else "")
    phases = [
        {
            "number": p.number,
            "title": p.title,
            "headline": p.headline,
            "summary": p.summary,
            "reasoning": p.reasoning,
            "status": p.status,
            "tables": [table_view(t, metrics, report.symbol) for t in p.tables],
        }
        for p in report.phases
    ]
    freshness = [
        {
            "source": f.source,
            "observed": format_utc(f.as_of),
            "age": freshness_age(f.age_s),
            "budget": freshness_age(f.budget_s),
            "stale": f.stale,
        }
        for f in report.freshness
    ]
    c = report.charts
    price_caption = ""
    if c.price is not None:
        b = c.price.bars
        price_caption = (
            f"{b.venue} {b.market} candles resampled to {b.interval_s // 3600}h bars; levels from this report's "
            f"metrics (source: {b.source})."
        )
    liq_caption = c.liquidation_map.label if c.liquidation_map is not None else ""
    if c.liquidation_map is not None and c.observed_liquidation_map is not None:
        obs = c.observed_liquidation_map
        liq_caption += f"; lines: {obs.label} (source: {obs.source}, top axis)"
    elif c.liquidation_map is not None and "observed_liquidation_map" in c.missing:
        liq_caption += f"; no observed positions drawn: {c.missing['observed_liquidation_map']}"
    gex_caption = f"Dealer scenario: {c.gex.scenario}." if c.gex is not None else ""
    basis_caption = ""
    if c.basis_curve is not None:
        b = c.basis_curve
        basis_caption = (
            f"Shape: {b.shape}. (F/S − 1) × 365.25 / days per contract; line: median across venues per expiry; "
            f"star: 3-month constant maturity{' (extrapolated)' if b.cm_3m_extrapolated else ''} (source: {b.source})."
        )
    return {
        "r": report,
        "scope": scope,
        "as_of": format_utc(report.as_of),
        "generated_at": utc(report.generated_at).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "generated_at_iso": report.model_dump(mode="json", include={"generated_at"})["generated_at"],
        "phases": phases,
        "freshness": freshness,
        "charts_missing": charts_missing(report),
        "price_caption": price_caption,
        "liq_caption": liq_caption,
        "gex_caption": gex_caption,
        "basis_caption": basis_caption,
        "options_oi_caption": (f"Pooled: {', '.join(c.options_oi.venues)}." if c.options_oi is not None else ""),
    }


def render_body(report: Report) -> str:
    """The report body (no scripts): banner, TL;DR, chart containers, phases, venue health, limitations."""
    return environment().get_template("report_body.html.j2").render(**body_context(report))


def render_html(report: Report) -> str:
    """One self-contained HTML document that works offline (plotly.js inline, data embedded)."""
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            **body_context(report),
            css=Markup(asset_text("style.css")),
            data_json=safe_json(chart_data(report)),
            plotly_js=_inline_script(plotly_js()),
            charts_js=_inline_script(asset_text("charts.js")),
        )
    )
