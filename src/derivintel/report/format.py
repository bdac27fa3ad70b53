"""Formatting of metric values for humans, by unit. The only place numbers become text."""

from __future__ import annotations

import math

from derivintel.report.model import Metric, MetricValue

MISSING = "n/a"
RATIO_DISPLAY_CAP = 100.0


def _compact_usd(value: float) -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= threshold:
            return f"{sign}${v / threshold:,.2f}{suffix}"
    return f"{sign}${v:,.0f}"


def _price_usd(value: float) -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1000:
        return f"{sign}${v:,.0f}"
    if v >= 1:
        return f"{sign}${v:,.2f}"
    return f"{sign}${v:.4g}"


def format_value(value: MetricValue, unit: str, *, asset: str = "") -> str:
    """Render ``value`` in ``unit``: fractions as percent, USD compact or full, missing as ``n/a``."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value.replace("_", " ") if unit == "label" else value
    v = float(value)
    if not math.isfinite(v):
        return MISSING
    match unit:
        case "usd":
            return _price_usd(v)
        case "usd_notional":
            return _compact_usd(v)
        case "usd_per_1pct":
            return f"{_compact_usd(v)}/1%"
        case "fraction":
            return f"{v:+.2%}" if abs(v) >= 0.0001 or v == 0 else f"{v:+.4%}"
        case "share":
            return f"{v:.1%}"
        case "fraction_per_hour":
            return f"{v:+.5%}/h"
        case "fraction_per_year":
            return f"{v:+.2%} APR"
        case "iv":
            return f"{v:.1%}"
        case "iv_spread":
            return f"{v * 100:+.1f} vol pts"
        case "ratio":
            # beyond 100 the digits carry no information a reader uses (an asymmetry of 1812.19 reads as noise);
            # the JSON keeps the exact value
            return f"{v:.2f}" if v <= RATIO_DISPLAY_CAP else f">{RATIO_DISPLAY_CAP:g}"
        case "zscore":
            return f"{v:+.2f}σ"
        case "score":
            return f"{v:+.2f}"
        case "base":
            return f"{v:,.0f} {asset}".strip() if abs(v) >= 100 else f"{v:,.2f} {asset}".strip()
        case "count":
            return f"{v:,.0f}"
        case "days":
            return f"{v:.1f}d"
        case "index_points" | "usd_per_barrel":
            return f"{v:,.2f}"
        case "btc_per_eth":
            return f"{v:.4f}"
    return f"{v:,.4g}"


def format_metric(metric: Metric, *, asset: str = "") -> str:
    return format_value(metric.value, metric.unit, asset=asset)
