"""Phase 8's bias track record: the walk-forward hit rate of the bias against the base rate, or why none exists.

Stable keys: ``decision.track_record.n`` (calls at the headline horizon, 3 d) and
``decision.track_record.hit_rate_3d``; per-horizon rows add ``decision.track_record.<h>d.*`` when a record exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from derivintel.core.result import Result
from derivintel.report.metric_book import MetricBook
from derivintel.report.model import Table
from derivintel.report.phases.context import row

if TYPE_CHECKING:  # the record's type only: importing research would load pandas and duckdb on the report path
    from derivintel.research.bias_track import TrackRecord

HEADLINE_DAYS = 3


def track_record_section(b: MetricBook, res: Result[TrackRecord], keys: list[str]) -> tuple[str, Table | None]:
    """(one sentence for the summary, the per-horizon table or None). Adds the metrics to ``b`` and ``keys``."""
    rec = res.value
    head = rec.at(HEADLINE_DAYS) if rec else None
    why = "; ".join(res.reasons) if rec is None else None
    k_n = b.add_result(
        "decision.track_record.n",
        "Bias calls behind the track record (3d)",
        res,
        head.n_calls if head else None,
        "count",
    )
    k_hit = b.add_result(
        "decision.track_record.hit_rate_3d",
        "Bias hit rate, 3d forward return",
        res,
        head.hit_rate if head else None,
        "share",
    )
    keys += [k_n, k_hit]
    if rec is None or head is None:
        return f"No track record: {why or 'no 3d horizon measured'}.".replace("no track record: ", ""), None
    rows = []
    for h in rec.horizons:
        p = f"decision.track_record.{h.horizon_days}d"
        ks = {
            "calls": b.add_result(f"{p}.n", f"Bias calls, {h.horizon_days}d", res, h.n_calls, "count"),
            "bull": b.add_result(f"{p}.n_bullish", f"Bullish calls, {h.horizon_days}d", res, h.n_bullish, "count"),
            "bear": b.add_result(f"{p}.n_bearish", f"Bearish calls, {h.horizon_days}d", res, h.n_bearish, "count"),
            "hit": k_hit
            if h.horizon_days == HEADLINE_DAYS
            else b.add_result(f"{p}.hit_rate", f"Bias hit rate, {h.horizon_days}d", res, h.hit_rate, "share"),
            "lo": b.add_result(f"{p}.hit_ci_low", "Hit rate, interval low", res, h.hit_ci_low, "share"),
            "hi": b.add_result(f"{p}.hit_ci_high", "Hit rate, interval high", res, h.hit_ci_high, "share"),
            "mean": b.add_result(
                f"{p}.signed_mean_return",
                f"Mean {h.horizon_days}d return in the call's direction",
                res,
                h.signed_mean_return,
                "fraction",
            ),
            "base": b.add_result(
                f"{p}.base_hit_rate", "Base hit rate (same call mix, no information)", res, h.base_hit_rate, "share"
            ),
            "up": b.add_result(f"{p}.base_up_rate", "Share of up moves over the span", res, h.base_up_rate, "share"),
        }
        keys += [k for k in ks.values() if k != k_hit]
        edge = "–" if h.has_edge is None else ("yes" if h.has_edge else "no")
        rows.append(
            row(
                f"{h.horizon_days}d",
                b.cell(ks["calls"]),
                b.cell(ks["bull"]),
                b.cell(ks["bear"]),
                b.cell(ks["hit"]),
                b.cell(ks["lo"]),
                b.cell(ks["hi"]),
                b.cell(ks["mean"]),
                b.cell(ks["base"]),
                b.cell(ks["up"]),
                edge,
            )
        )
    table = Table(
        columns=[
            "Horizon",
            "Calls",
            "Bullish",
            "Bearish",
            "Hit rate",
            "Interval low",
            "Interval high",
            "Mean return (call's direction)",
            "Base hit rate",
            "Base up share",
            "Edge",
        ],
        rows=rows,
    )
    lo, hi = f"decision.track_record.{HEADLINE_DAYS}d.hit_ci_low", f"decision.track_record.{HEADLINE_DAYS}d.hit_ci_high"
    base = f"decision.track_record.{HEADLINE_DAYS}d.base_hit_rate"
    sentence = b.text(
        "Track record (3d): {decision.track_record.n} calls, hit {decision.track_record.hit_rate_3d} "
        f"[{{{lo}}}–{{{hi}}}] vs base {{{base}}}."
    )
    if rec.has_edge is None:
        verdict = " Too few calls to measure an edge."
    elif rec.has_edge:
        edged = ", ".join(f"{h.horizon_days}d" for h in rec.horizons if h.has_edge)
        verdict = (
            f" Hit rate above the base rate at {edged} (interval of the difference above zero, simultaneous over "
            "the horizons)."
        )
    else:
        verdict = (
            " The bias has no measurable edge in hit rate: at every horizon the interval of hit rate minus base "
            "rate (simultaneous over the horizons) includes zero."
        )
    mean_edged = [f"{h.horizon_days}d" for h in rec.horizons if h.has_mean_edge]
    if mean_edged:
        verdict += f" Mean return in the call's direction beats the same call mix at {', '.join(mean_edged)}."
    elif rec.has_edge is not None:
        verdict += " Nor does its mean return in the call's direction beat the same call mix at any horizon."
    lookback = (res.params or {}).get("lookback_days")
    window = f" (window: the {lookback:.0f} days before the report)" if lookback else ""
    scope = (
        f" Calls from {rec.span_start:%Y-%m-%d} to {rec.span_end:%Y-%m-%d}{window}."
        f" Replayed on: {', '.join(rec.included)}; not replayable: {', '.join(rec.excluded)}."
    )
    return sentence + verdict + scope, table
