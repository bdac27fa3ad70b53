"""Renderers of a ``ScanResult``: JSON (the one scan model the CLI, the dashboard and ``watch`` read), a text
table and an HTML page. Units are in the JSON key names (fractions, funding per hour, USD); every row keeps its
source, as_of and staleness, every empty cell its reason, and a synthetic scan says so in every output."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from derivintel.analytics.scanner.model import RANKINGS, AssetScan, PerpScan, ScanResult
from derivintel.core.timeutil import iso

SYNTHETIC_NOTE = "SYNTHETIC demo data: generated offline, not market observations"
SCAN_SCHEMA = "derivintel.scan/1"
# The value each ranking sorts on, with its unit.
RANKING_FIELDS: Mapping[str, tuple[str, str]] = {
    "funding_high": ("funding_1h", "fraction_per_hour"),
    "funding_low": ("funding_1h", "fraction_per_hour"),
    "oi_surge": ("oi_change_frac", "fraction"),
    "basis_outliers": ("basis_frac", "fraction"),
    "funding_spread": ("funding_spread_1h", "fraction_per_hour"),
}
RANKING_TITLES: Mapping[str, str] = {
    "funding_high": "Funding highest (longs pay most)",
    "funding_low": "Funding lowest (shorts pay most)",
    "oi_surge": "OI surges (coin OI change)",
    "basis_outliers": "Basis outliers (|mark/index − 1|)",
    "funding_spread": "Cross-venue funding spread (max − min, per hour)",
}


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, tuple):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return iso(value)
    return value


def _row(row: PerpScan | AssetScan, history_source: str | None) -> dict[str, Any]:
    out = {k: _clean(v) for k, v in asdict(row).items()}
    out["history_source"] = history_source
    return out


def scan_json(result: ScanResult, *, history_source: str | None = None) -> dict[str, Any]:
    """The scan as plain JSON. ``history_source`` names where the OI change, funding z, long share and
    liquidation cells come from (the store), None when no store was read."""
    assets = {a.base: a for a in result.assets}
    rankings = {}
    for name in RANKINGS:
        field, unit = RANKING_FIELDS[name]
        rankings[name] = [
            {"base": b, "value": _clean(getattr(assets[b], field)), "unit": unit, "field": field}
            for b in result.rankings.get(name, ())
        ]
    return {
        "schema": SCAN_SCHEMA,
        "synthetic": result.synthetic,
        "synthetic_note": SYNTHETIC_NOTE if result.synthetic else None,
        "as_of": iso(result.as_of),
        "venues": list(result.venues),
        "filters": {"min_oi_usd": result.min_oi_usd, "top": result.top},
        "counts": {"perps": len(result.perps), "assets": len(result.assets)},
        "rankings": rankings,
        "assets": [_row(a, history_source) for a in result.assets],
        "perps": [_row(p, history_source) for p in result.perps],
        "gaps": [
            {"source": g.source, "dataset": g.dataset, "kind": g.kind.value, "reason": g.reason} for g in result.gaps
        ],
        "notes": list(result.notes),
    }


def fmt_pct(x: float | None, digits: int = 2) -> str:
    """A fraction shown in percent (``0.0123`` → ``+1.23%``); ``n/a`` for None (never 0)."""
    return "n/a" if x is None else f"{x * 100:+.{digits}f}%"


def fmt_usd(x: float | None) -> str:
    """USD compact (``$1.23B``); ``n/a`` for None."""
    if x is None:
        return "n/a"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"${x / scale:.2f}{suffix}"
    return f"${x:.2f}"


def fmt_z(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.2f}"


TABLE_COLUMNS = ("asset", "venues", "OI", "OI chg", "fund/h", "APR", "z", "spread/h", "basis", "vol 24h", "chg 24h")


def asset_cells(a: AssetScan) -> tuple[str, ...]:
    """One asset row as display strings (``TABLE_COLUMNS``)."""
    return (
        a.base,
        str(len(a.venues)),
        fmt_usd(a.oi_usd),
        fmt_pct(a.oi_change_frac),
        fmt_pct(a.funding_1h, 4),
        fmt_pct(a.funding_apr, 1),
        fmt_z(a.funding_z),
        fmt_pct(a.funding_spread_1h, 4),
        fmt_pct(a.basis_frac, 3),
        fmt_usd(a.volume_24h_usd),
        fmt_pct(a.price_change_24h_frac),
    )


def _text_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    return [line, "-" * len(line)] + ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]


def scan_text(result: ScanResult, *, history_source: str | None = None) -> str:
    """The scan as plain text: header, ranked views, the asset table (top ``result.top`` by OI), gaps."""
    assets = {a.base: a for a in result.assets}
    out: list[str] = []
    if result.synthetic:
        out.append(f"*** {SYNTHETIC_NOTE} ***")
    out.append(
        f"derivintel scan  as of {iso(result.as_of)}  venues: {', '.join(result.venues)}  "
        f"perps: {len(result.perps)}  assets: {len(result.assets)}  min OI: {fmt_usd(result.min_oi_usd)}"
    )
    out.append(f"history: {history_source or 'none (OI change, funding z, liquidations need --store)'}")
    for name in RANKINGS:
        field, unit = RANKING_FIELDS[name]
        entries = []
        for b in result.rankings.get(name, ()):
            v = getattr(assets[b], field)
            shown = fmt_pct(v, 4 if unit == "fraction_per_hour" else 2)
            if name == "funding_spread":
                shown += f" ({assets[b].funding_max_venue}>{assets[b].funding_min_venue})"
            entries.append(f"{b} {shown}")
        out.append(f"{RANKING_TITLES[name]}: {', '.join(entries) if entries else 'n/a'}")
    out.append("")
    out += _text_table(TABLE_COLUMNS, [asset_cells(a) for a in result.assets[: max(result.top, 1) * 3]])
    if len(result.assets) > result.top * 3:
        out.append(f"... {len(result.assets) - result.top * 3} more assets (--format json lists all)")
    if result.gaps:
        out.append("")
        out.append("Gaps:")
        out += [f"  {g.source}/{g.dataset} [{g.kind.value}]: {g.reason}" for g in result.gaps]
    out += [f"Note: {n}" for n in result.notes]
    return "\n".join(out) + "\n"


def scan_html_body(result: ScanResult, *, history_source: str | None = None) -> str:
    """The scan as an HTML fragment (rankings and the asset table; escaped), for a page or the dashboard."""
    e = html.escape
    assets = {a.base: a for a in result.assets}
    parts: list[str] = []
    if result.synthetic:
        parts.append(f'<p class="synthetic"><strong>{e(SYNTHETIC_NOTE)}</strong></p>')
    parts.append(
        f"<p>As of {e(iso(result.as_of))} · venues: {e(', '.join(result.venues))} · {len(result.perps)} perps · "
        f"{len(result.assets)} assets · history: {e(history_source or 'none')}</p>"
    )
    parts.append('<div class="rankings">')
    for name in RANKINGS:
        field, unit = RANKING_FIELDS[name]
        items = "".join(
            f"<li>{e(b)} {e(fmt_pct(getattr(assets[b], field), 4 if unit == 'fraction_per_hour' else 2))}</li>"
            for b in result.rankings.get(name, ())
        )
        parts.append(f"<section><h3>{e(RANKING_TITLES[name])}</h3><ol>{items or '<li>n/a</li>'}</ol></section>")
    parts.append("</div>")
    head = "".join(f"<th>{e(c)}</th>" for c in TABLE_COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in asset_cells(a)) + "</tr>" for a in result.assets)
    parts.append(f'<table class="scan"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    if result.gaps:
        items = "".join(
            f"<li>{e(g.source)}/{e(g.dataset)} [{e(g.kind.value)}]: {e(g.reason)}</li>" for g in result.gaps
        )
        parts.append(f"<h3>Gaps</h3><ul>{items}</ul>")
    return "\n".join(parts)


def scan_html(result: ScanResult, *, history_source: str | None = None) -> str:
    """A standalone HTML page of the scan."""
    title = "derivintel scan" + (" (SYNTHETIC)" if result.synthetic else "")
    style = (
        "body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}.synthetic{color:#a00}"
        ".rankings{display:flex;flex-wrap:wrap;gap:1rem}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"
        f"{scan_html_body(result, history_source=history_source)}</body></html>\n"
    )
