"""Pure parsers: CryptoQuant v1 exchange-flow bodies to ``MacroSeries`` (daily, known from the next UTC midnight)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from derivintel.core.timeutil import to_ms
from derivintel.domain.macro import MacroSeries
from derivintel.sources.payload import (
    Where,
    as_list,
    check_ms,
    columns,
    field,
    last_ts,
    load_json,
    make_source,
    to_float,
)

PROVIDER = "cryptoquant"
DAY_MS = 86_400_000


def _data(body: bytes, where: Where) -> list[Any]:
    """Check the envelope (``status.code`` 200 when present) and return the non-empty ``result.data``."""
    obj = load_json(body, where)
    status = obj.get("status") if isinstance(obj, dict) else None
    if isinstance(status, dict) and str(status.get("code", 200)) != "200":
        raise where.fail(f"status {status.get('code')}: {status.get('message', '')}")
    rows = as_list(field(field(obj, "result", where), "data", where), where, "result.data")
    if not rows:
        raise where.fail("result.data: empty array")
    return rows


def _date_ms(value: Any, where: Where, what: str) -> int:
    """``YYYY-MM-DD`` (day window) or ``YYYY-MM-DD HH:MM:SS`` (UTC) → epoch ms."""
    if not isinstance(value, str):
        raise where.fail(f"{what}: expected a date string, got {value!r}")
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            ms = to_ms(datetime.strptime(value, fmt).replace(tzinfo=UTC))
        except ValueError:
            continue
        return check_ms(ms, where, what, value)
    raise where.fail(f"{what}: not a date: {value!r}")


def parse_daily_flow(
    body: bytes, *, dataset: str, name: str, unit: str, value_field: str, ts_recv: datetime
) -> MacroSeries:
    """A daily exchange-flow answer → ``MacroSeries`` ``name`` (``unit``) of ``value_field`` per UTC day.

    ``ts`` is the day (UTC midnight); ``available_ts`` the next midnight (a day's flow is complete only then).
    Rows come newest first and are sorted; duplicate days raise ``BadPayloadError``.
    """
    where = Where(PROVIDER, dataset, ts_recv)
    ts, vals = [], []
    for i, row in enumerate(_data(body, where)):
        ts.append(_date_ms(field(row, "date", where), where, f"[{i}].date"))
        vals.append(to_float(field(row, value_field, where), where, f"[{i}].{value_field}"))
    ts64, v = columns(vals, ts, where)
    available = ts64 + np.timedelta64(DAY_MS, "ms")
    return MacroSeries(
        name=name,
        unit=unit,
        ts=ts64,
        values=v[:, 0],
        source=make_source(where, last_ts(ts64, where), ts_recv),
        available_ts=available,
    )
