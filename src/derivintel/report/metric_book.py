"""``MetricBook``: collects the metrics of a report and renders text templates that reference them.

Templates use ``{dotted.key}`` placeholders; every number that reaches prose therefore comes from a metric.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np

from derivintel.core.provenance import Source
from derivintel.core.result import Result, Status
from derivintel.report.format import format_metric
from derivintel.report.model import Cell, Metric, MetricValue, StatusName, Unit

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+(?:\.[a-z0-9_]+)+)\}")
# ``text`` marks a template with these private-use characters until ``render`` fills it in.
_OPEN, _CLOSE = "\ue000", "\ue001"
_TEMPLATE = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.DOTALL)


def _clean(value: object) -> MetricValue:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    return str(value)


def describe_sources(sources: Iterable[Source]) -> tuple[str, datetime | None]:
    """``(labels, as_of)``: unique ``provider/dataset`` labels and the OLDEST observation time among them."""
    seen: dict[str, None] = {}
    times: list[datetime] = []
    for s in sources:
        seen[s.label] = None
        times.append(s.as_of)
    return ", ".join(seen) or "derived from this report's metrics", (min(times) if times else None)


class MetricBook:
    """Metrics in insertion order, keyed; phases take them by prefix or explicit key lists."""

    def __init__(self, asset: str, as_of: datetime) -> None:
        self.asset = asset
        self.as_of = as_of
        self._metrics: dict[str, Metric] = {}

    def add(
        self,
        key: str,
        label: str,
        value: object,
        unit: Unit,
        *,
        sources: Iterable[Source] = (),
        source: str | None = None,
        as_of: datetime | None = None,
        status: StatusName | None = None,
        note: str | None = None,
    ) -> str:
        """Add a metric and return its key. A None/NaN value becomes ``insufficient_data`` with ``note``."""
        cleaned = _clean(value)
        labels, src_as_of = describe_sources(sources)
        if cleaned is None:
            status = "insufficient_data"
            note = note or "input data missing"
            if source is None and labels.startswith("derived"):
                labels = "missing"
        metric = Metric(
            key=key,
            label=label,
            value=cleaned,
            unit=unit,
            source=source or labels,
            as_of=as_of or src_as_of or self.as_of,
            status=status or "ok",
            note=note,
        )
        if key in self._metrics:
            raise ValueError(f"duplicate metric key {key}")
        self._metrics[key] = metric
        return key

    def add_result(
        self, key: str, label: str, result: Result[Any], value: object, unit: Unit, *, sources: Iterable[Source] = ()
    ) -> str:
        """Add a metric whose status and missing-reason come from an analytic ``Result``."""
        status: StatusName = "partial" if result.status is Status.PARTIAL else "ok"
        note = "; ".join(result.reasons) or None
        if result.status is Status.INSUFFICIENT_DATA or _clean(value) is None:
            # A missing figure cites only sources named for it, never the result's other inputs.
            return self.add(key, label, None, unit, sources=sources, note=note or "insufficient data")
        all_sources = tuple(sources) or result.sources
        return self.add(key, label, value, unit, sources=all_sources, status=status, note=note)

    def __contains__(self, key: str) -> bool:
        return key in self._metrics

    def get(self, key: str) -> Metric:
        return self._metrics[key]

    def value(self, key: str) -> MetricValue:
        return self._metrics[key].value if key in self._metrics else None

    def formatted(self, key: str) -> str:
        return format_metric(self._metrics[key], asset=self.asset)

    def text(self, template: str) -> str:
        """``template`` marked for ``render``, which replaces its ``{key}`` placeholders with formatted metric values
        once every phase has registered its metrics: a phase may cite any phase's metrics whatever the build order.
        The marked string concatenates like any string."""
        return f"{_OPEN}{template}{_CLOSE}"

    def render(self, text: str) -> str:
        """``text`` with each template marked by ``text`` filled in; unknown keys raise ``KeyError``."""
        return _TEMPLATE.sub(lambda t: _PLACEHOLDER.sub(lambda m: self.formatted(m.group(1)), t.group(1)), text)

    @staticmethod
    def has_template(text: str) -> bool:
        """Whether ``text`` still holds a template marked by ``text`` (not yet rendered)."""
        return _OPEN in text or _CLOSE in text

    def cell(self, key: str) -> Cell:
        """A table cell citing metric ``key``, which may be registered later by another phase (the builder checks
        every cited key once all phases are built)."""
        return Cell(metric=key)

    def take(self, keys: Iterable[str]) -> list[Metric]:
        return [self._metrics[k] for k in keys]

    def all(self) -> list[Metric]:
        return list(self._metrics.values())


def text_cell(text: str) -> Cell:
    return Cell(text=text)
