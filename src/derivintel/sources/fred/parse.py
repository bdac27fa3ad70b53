"""Pure parser: FRED graph CSV → ``MacroSeries`` (``"."`` rows are missing days and are dropped)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from derivintel.domain.macro import MacroSeries
from derivintel.sources.payload import Where, columns, last_ts, make_source, to_float

PROVIDER = "fred"
_DATE_HEADERS = ("observation_date", "DATE")


def parse_fred_csv(body: bytes, *, series: str, name: str, unit: str, ts_recv: datetime) -> MacroSeries:
    """``observation_date,<SERIES>`` CSV → ``MacroSeries`` ``name``.

    ``available_ts`` is the next business day after the observation date (FRED daily data lag one day).
    A body that does not end in a newline is taken as truncated.
    """
    where = Where(PROVIDER, series)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise where.fail("CSV is not UTF-8") from exc
    if not text.endswith("\n"):
        raise where.fail("CSV truncated (no final newline)")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise where.fail("empty CSV")
    header = [h.strip() for h in lines[0].split(",")]
    if len(header) != 2 or header[0] not in _DATE_HEADERS or header[1] != series:
        raise where.fail(f"unexpected header {lines[0]!r} (expected observation_date,{series})")
    ts, vals = [], []
    for n, line in enumerate(lines[1:], start=2):
        parts = line.split(",")
        if len(parts) != 2:
            raise where.fail(f"line {n}: expected 2 columns, got {line!r}")
        date_text, value_text = parts[0].strip(), parts[1].strip()
        try:
            day = np.datetime64(date_text, "D")
        except ValueError as exc:
            raise where.fail(f"line {n}: bad date {date_text!r}") from exc
        if len(date_text) != 10:
            raise where.fail(f"line {n}: bad date {date_text!r}")
        if value_text == ".":
            continue
        ts.append(int(day.astype("datetime64[ms]").astype(np.int64)))
        vals.append(to_float(value_text, where, f"line {n} value"))
    if not ts:
        raise where.fail("no observations")
    ts64, v = columns(vals, ts, where)
    days = ts64.astype("datetime64[D]")
    available = np.busday_offset(days, 1, roll="forward").astype("datetime64[ms]")
    return MacroSeries(
        name=name,
        unit=unit,
        ts=ts64,
        values=v[:, 0],
        source=make_source(where, last_ts(ts64, where), ts_recv),
        available_ts=available,
    )
