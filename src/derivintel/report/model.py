"""The report model: one JSON tree that every renderer reads. No renderer computes a number.

A ``Metric`` is the only place a number lives. Phase text and table cells refer to metrics by ``key``; the
Markdown renderer formats them with ``report.format``, so every printed number traces back to a metric.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MetricValue = float | int | str | bool | None
Unit = Literal[
    "usd",  # a price level in USD
    "usd_notional",  # an amount of money in USD (compact display: $1.2B)
    "usd_per_1pct",  # dealer gamma exposure: USD per 1% move
    "fraction",  # a signed change, 0.05 = +5%
    "share",  # an unsigned proportion, 0.54 = 54%
    "fraction_per_hour",  # funding rate per hour
    "fraction_per_year",  # simple annualised rate
    "iv",  # implied volatility, fraction
    "ratio",  # dimensionless ratio (put/call, long/short)
    "zscore",
    "score",  # bounded heuristic score
    "base",  # amount in coins of the asset
    "count",
    "days",
    "index_points",
    "usd_per_barrel",
    "btc_per_eth",
    "label",  # a categorical value (bias, regime, quadrant)
]
StatusName = Literal["ok", "partial", "insufficient_data"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Metric(_Frozen):
    """One figure with its unit and provenance. ``value`` is None when missing; ``note`` then says why."""

    key: str = Field(description="stable dotted key, e.g. positioning.oi.total_usd")
    label: str
    value: MetricValue
    unit: Unit
    source: str = Field(description="provider/dataset list, or 'derived' with inputs")
    as_of: datetime | None = Field(description="time the underlying observation was true (UTC)")
    status: StatusName = "ok"
    note: str | None = None


class Cell(_Frozen):
    """A table cell: plain text (no figures) or a reference to a metric by key."""

    text: str | None = None
    metric: str | None = None


class Table(_Frozen):
    columns: list[str]
    rows: list[list[Cell]]


class Phase(_Frozen):
    number: int
    title: str
    headline: str = Field(description="one-line assessment, e.g. 'Assessment: Risk-Off.'")
    summary: str
    tables: list[Table]
    reasoning: str
    metrics: list[Metric]
    status: StatusName


class FreshnessEntry(_Frozen):
    source: str
    as_of: datetime
    fetched_at: datetime
    age_s: float = Field(description="as_of of the report minus the observation time, seconds")
    budget_s: float
    stale: bool


class GapEntry(_Frozen):
    source: str
    kind: str
    reason: str
    asset: str | None = None


class Report(_Frozen):
    """A complete ten-phase report."""

    schema_version: Literal["1"] = "1"
    symbol: str
    secondary: list[str]
    as_of: datetime
    generated_at: datetime
    synthetic: bool = Field(description="True only for the offline demo scenario")
    banner: str | None = Field(description="SYNTHETIC DEMO DATA notice when synthetic")
    tldr: str
    phases: list[Phase]
    data_limitations: list[str]
    gaps: list[GapEntry]
    freshness: list[FreshnessEntry]
    parameters: dict[str, str | float | int | bool]

    def metric(self, key: str) -> Metric:
        """The metric with ``key`` from any phase; ``KeyError`` if absent."""
        for phase in self.phases:
            for metric in phase.metrics:
                if metric.key == key:
                    return metric
        raise KeyError(key)

    def all_metrics(self) -> list[Metric]:
        return [m for phase in self.phases for m in phase.metrics]
