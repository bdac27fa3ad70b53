"""Pure parser: FRED graph CSV → ``MacroSeries`` (missing days, ``"."`` or an empty value, are dropped)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from derivintel.core.timeutil import to_ms
from derivintel.domain.macro import MacroSeries
from derivintel.sources.payload import Where, check_ms, columns, last_ts, make_source, to_float

PROVIDER = "fred"
_DATE_HEADERS = ("observation_date", "DATE")
# How FRED marks a day without an observation: "." in the older CSV, an empty cell in the CSV served since 2025.
_MISSING = (".", "")
# FRED series reach back decades (VIXCLS from 1990, NASDAQCOM from 1971): the 2017 venue floor does not apply.
FRED_START_MS = to_ms(datetime(1900, 1, 1, tzinfo=UTC))


def parse_fred_csv(body: bytes, *, series: str, name: str, unit: str, ts_recv: datetime) -> MacroSeries:
    """``observation_date,<SERIES>`` (or the older ``DATE,<SERIES>``) CSV → ``MacroSeries`` ``name``.

    A day with ``"."`` or an empty value (US holidays) is missing: dropped, never read as zero. Dates after the
    fetch time + 1 day are a bad payload.

    ``available_ts`` is the next business day after the observation date (FRED daily data lag one day).
    A body that does not end in a newline is taken as truncated.
    """
    where = Where(PROVIDER, series, ts_recv)
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
        if value_text in _MISSING:
            continue
        day_ms = int(day.astype("datetime64[ms]").astype(np.int64))
        ts.append(check_ms(day_ms, where, f"line {n} date", date_text, not_before_ms=FRED_START_MS))
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
