"""Phase 10's plan record: how often the plan's rules, replayed weekly on stored history, reached the first target
before the stop, against the driftless base rate, and the mean outcome in R after costs; or why no record exists.

Stable keys: ``risk.plan_record.n_resolved`` (plans that reached target or stop), ``risk.plan_record.hit_rate``,
``.hit_ci_low``, ``.hit_ci_high``, ``.base_hit_rate``, ``.edge``, ``.mean_r_net``, ``.mean_r_ci_low``,
``.mean_r_ci_high``, ``.n_filled``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from derivintel.core.result import Result
from derivintel.report.metric_book import MetricBook

if TYPE_CHECKING:  # the record's type only: importing research would load pandas and duckdb on the report path
    from derivintel.research.plan_track import PlanRecord

P = "risk.plan_record"


def plan_record_section(b: MetricBook, res: Result[PlanRecord], keys: list[str]) -> str:
    """One or two sentences on the plan's measured record (or its absence); adds the metrics to ``b`` and ``keys``."""
    rec = res.value

    def add(name: str, label: str, value: float | int | None, unit: str) -> str:
        return b.add_result(f"{P}.{name}", label, res, value, unit)

    keys += [
        add("n_filled", "Replayed plans filled", rec.n_filled if rec else None, "count"),
        add(
            "n_resolved", "Replayed plans reaching target or stop", rec.n_target + rec.n_stop if rec else None, "count"
        ),
        add("hit_rate", "Plans reaching the first target before the stop", rec.hit_rate if rec else None, "share"),
        add("hit_ci_low", "Plan hit rate, interval low", rec.hit_ci_low if rec else None, "share"),
        add("hit_ci_high", "Plan hit rate, interval high", rec.hit_ci_high if rec else None, "share"),
        add("base_hit_rate", "Driftless base rate, same plans", rec.base_hit_rate if rec else None, "share"),
        add("edge", "Plan hit rate minus base rate", rec.edge if rec else None, "share"),
        add("mean_r_net", "Mean outcome per plan, R after costs", rec.mean_r_net if rec else None, "ratio"),
        add("mean_r_ci_low", "Mean R, interval low", rec.mean_r_ci_low if rec else None, "ratio"),
        add("mean_r_ci_high", "Mean R, interval high", rec.mean_r_ci_high if rec else None, "ratio"),
    ]
    if rec is None:
        return "The plan has no measured record in this report (" + "; ".join(res.reasons) + ")."
    head = (
        f"Measured record: the same rules replayed every Monday on {rec.interval_s // 3600}h bars from "
        f"{rec.span_start:%Y-%m-%d} to "
        f"{rec.span_end:%Y-%m-%d} ({rec.n_plans} plans, {{{P}.n_filled}} filled within {rec.fill_days:g} d, "
        f"{rec.n_target} reached the first target and {rec.n_stop} the stop within {rec.horizon_days:g} d)."
    )
    if rec.hit_rate is None:
        return b.text(head) + f" Too few resolved plans to measure ({rec.n_target + rec.n_stop} < {rec.min_plans})."
    figures = (
        f" Target first {{{P}.hit_rate}} (interval {{{P}.hit_ci_low}} to {{{P}.hit_ci_high}}) vs "
        f"{{{P}.base_hit_rate}} for a driftless price on the same plans; mean {{{P}.mean_r_net}} R per filled plan "
        f"after costs (interval {{{P}.mean_r_ci_low}} to {{{P}.mean_r_ci_high}})."
    )
    if rec.has_edge:
        verdict = " The rules reach their target more often than a driftless price would."
    else:
        verdict = (
            " The rules show no measurable edge: the interval of hit rate minus base rate includes zero"
            if rec.edge_ci_low is not None and rec.edge_ci_high is not None and rec.edge_ci_high > 0
            else " The rules reach their target less often than a driftless price would"
        ) + "."
    missing = "; ".join(f"{k} ({why})" for k, why in rec.excluded.items())
    return b.text(head + figures) + verdict + f" Not replayed: {missing}."
