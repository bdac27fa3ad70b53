"""Import dated macro series (``date,value`` CSVs) with their availability times.

Accepted layouts: ``as_of,value[,status]`` (rows with a status other than ``ok`` are skipped), ``date,value``, and
FRED downloads (``observation_date,VIXCLS`` with ``.`` or an empty cell for missing days). Every row is checked:
rows without a date or value, non-numbers, future dates and values outside the series' plausible range
(``VALID_RANGE``) are dropped and counted by reason (``ImportReport.dropped``). The first column is the observation
date, the value column is ``value`` when present, else the second column.

Units are those of ``MACRO_UNITS``. ``btc_dominance`` is stored as a FRACTION: pass ``input_unit="percent"`` for a
file in percent, or leave ``"auto"``, which treats a dominance file whose values all lie in (1, 100] as percent,
divides by 100 and says so in the report notes.

Availability (``available_ts``, when the value became known): ``fred`` series (vix, nasdaq, wti, dxy) are published
the next business day; we take the END of that day (00:00 UTC of the day after), which is conservative (no holiday
calendar: Monday–Friday count as business days). ``crypto_daily`` series (stablecoin_supply, btc_dominance, eth_btc)
are known once their UTC day has ended (observation date + 1 day).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from derivintel.core.errors import UserInputError
from derivintel.core.provenance import Source
from derivintel.core.timeutil import from_ms
from derivintel.domain.macro import MACRO_UNITS, MacroSeries
from derivintel.store.history_store import HistoryStore
from derivintel.store.importers.report import ImportReport

Release = Literal["fred", "crypto_daily"]
InputUnit = Literal["auto", "percent", "fraction", "native"]

DEFAULT_RELEASE: dict[str, Release] = {
    "vix": "fred",
    "nasdaq": "fred",
    "wti": "fred",
    "dxy": "fred",
    "stablecoin_supply": "crypto_daily",
    "btc_dominance": "crypto_daily",
    "eth_btc": "crypto_daily",
}
DAY_MS = 86_400_000


def available_times(dates: np.ndarray, release: Release) -> np.ndarray:
    """When each daily value (``datetime64[ms]`` at 00:00 UTC) became known, by the release rule (see module doc)."""
    d = dates.astype("datetime64[D]")
    if release == "crypto_daily":
        return (d + np.timedelta64(1, "D")).astype("datetime64[ms]")
    if release == "fred":
        next_bday = np.busday_offset(d, 1, roll="forward")
        return (next_bday + np.timedelta64(1, "D")).astype("datetime64[ms]")
    raise ValueError(f"unknown release rule {release!r}")


# Plausible values per series, in the STORED unit (inclusive bounds). WTI went to −$37.63 on 2020-04-20, so it may
# be negative; index levels and supplies may not. A row outside its range is dropped and counted.
VALID_RANGE: dict[str, tuple[float, float]] = {
    "vix": (1.0, 200.0),
    "nasdaq": (1.0, 1e6),
    "wti": (-100.0, 500.0),
    "dxy": (20.0, 300.0),
    "stablecoin_supply": (0.0, 1e13),
    "btc_dominance": (1e-4, 1.0),
    "eth_btc": (1e-6, 1.0),
    "dvol_btc": (0.01, 10.0),
    "dvol_eth": (0.01, 10.0),
    "exchange_netflow_btc": (-1e7, 1e7),
    "stablecoin_exchange_netflow_usd": (-1e12, 1e12),
}
EARLIEST = np.datetime64("1900-01-01", "ms")
_MISSING = {"", ".", "nan", "na", "n/a", "null", "none", "-"}


@dataclass(slots=True)
class DatedRows:
    """Rows of a dated CSV that passed the checks (sorted, one per date) and the count of dropped rows by reason."""

    dates: np.ndarray
    values: np.ndarray
    dropped: dict[str, int] = field(default_factory=dict)


def _count(dropped: dict[str, int], reason: str, mask: pd.Series) -> None:
    n = int(mask.sum())
    if n:
        dropped[reason] = dropped.get(reason, 0) + n


def read_dated_csv(path: Path, *, received_at: datetime | None = None) -> DatedRows:
    """The dated rows of a CSV (dates as ``datetime64[ms]`` UTC midnight, float values), sorted, one per date. Rows
    are dropped and counted by reason: status not ok, no date, no value (a missing day), not a number, infinite,
    dated before 1900 or after ``received_at`` (default now), two different values for one date."""
    recv = received_at or datetime.now(UTC)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read file ({exc.strerror})") from exc
    if b"\x00" in raw[:65536]:
        raise UserInputError(f"{path}: binary file, not a dated CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{path}: not a UTF-8 text file (byte {exc.start})") from exc
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise UserInputError(f"{path}: not a CSV file ({detail})") from exc
    if frame.shape[1] < 2 or frame.empty:
        raise UserInputError(f"{path}: expected a date column and a value column")
    dropped: dict[str, int] = {}
    if "status" in frame.columns:
        ok_status = frame["status"].str.strip().str.lower() == "ok"
        _count(dropped, "status not ok", ~ok_status)
        frame = frame[ok_status]
    value_col = "value" if "value" in frame.columns else frame.columns[1]
    dates = pd.to_datetime(frame.iloc[:, 0].str.strip(), utc=True, errors="coerce", format="mixed")
    text_values = frame[value_col].fillna("").str.strip()
    missing = text_values.str.lower().isin(_MISSING)
    values = pd.to_numeric(text_values.where(~missing), errors="coerce")
    no_date = dates.isna()
    _count(dropped, "no date", no_date)
    _count(dropped, "no value (missing day)", ~no_date & missing)
    _count(dropped, "not a number", ~no_date & ~missing & values.isna())
    finite = values.notna() & np.isfinite(values)
    _count(dropped, "infinite", ~no_date & values.notna() & ~finite)
    day_all = dates.dt.floor("D").dt.tz_localize(None)
    newest = pd.Timestamp(recv).tz_convert(None) if pd.Timestamp(recv).tzinfo else pd.Timestamp(recv)
    ok = ~no_date & finite
    future = ok & (day_all > newest)
    ancient = ok & (day_all < pd.Timestamp(EARLIEST))
    _count(dropped, f"dated after {newest:%Y-%m-%d} (future)", future)
    _count(dropped, "dated before 1900", ancient)
    ok &= ~future & ~ancient
    if not ok.any():
        why = ", ".join(f"{n} {r}" for r, n in sorted(dropped.items())) or "no rows"
        raise UserInputError(f"{path}: no usable dated numeric rows ({why})")
    day = day_all[ok].to_numpy().astype("datetime64[ms]")
    vals = values[ok].to_numpy(dtype=float)
    order = np.argsort(day, kind="stable")
    day, vals = day[order], vals[order]
    same = np.concatenate([[False], np.diff(day.astype(np.int64)) == 0])
    differs = same & np.concatenate([[False], vals[1:] != vals[:-1]])
    conflicted = np.isin(day, day[differs])
    if conflicted.any():
        dropped["two different values for one date"] = int(conflicted.sum())
    keep = ~conflicted & ~same
    return DatedRows(day[keep], vals[keep], dropped)


def _in_range(name: str, rows: DatedRows, bounds: tuple[float, float], what: str) -> DatedRows:
    lo, hi = bounds
    ok = (rows.values >= lo) & (rows.values <= hi)
    dropped = dict(rows.dropped)
    if (~ok).any():
        reason = f"outside {name}'s {what}range {lo:g}..{hi:g}"
        dropped[reason] = dropped.get(reason, 0) + int((~ok).sum())
    return DatedRows(rows.dates[ok], rows.values[ok], dropped)


def _convert_units(name: str, values: np.ndarray, input_unit: InputUnit, notes: list[str]) -> np.ndarray:
    unit = MACRO_UNITS[name]
    if input_unit == "native":
        return values
    if unit != "fraction":
        if input_unit == "percent":
            raise UserInputError(f"{name} is stored in {unit}; percent input does not apply")
        return values
    if input_unit == "fraction":
        if np.nanmax(values) > 1.0:
            raise UserInputError(f"{name}: values up to {np.nanmax(values):g} cannot be fractions (use percent)")
        return values
    if input_unit == "percent":
        notes.append(f"{name}: converted from percent to fraction (÷100) as requested")
        return values / 100.0
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    if lo > 1.0 and hi <= 100.0:
        notes.append(f"{name}: values {lo:g}..{hi:g} are percent; divided by 100 to store fractions")
        return values / 100.0
    if lo >= 0.0 and hi <= 1.0:
        notes.append(f"{name}: values {lo:g}..{hi:g} taken as fractions")
        return values
    raise UserInputError(
        f"{name}: values {lo:g}..{hi:g} are neither all fractions nor all percent; pass input_unit explicitly"
    )


def import_series(
    name: str,
    file: Path | str,
    store: HistoryStore,
    *,
    input_unit: InputUnit = "auto",
    release: Release | None = None,
    provider: str = "file",
    received_at: datetime | None = None,
) -> ImportReport:
    """Import one macro series ``name`` (a key of ``MACRO_UNITS``) from ``file``. Rows failing a check (see
    ``read_dated_csv``) or outside ``VALID_RANGE`` are dropped and counted by reason in the report; stored values
    that differ are replaced and counted. Importing twice adds nothing."""
    if name not in MACRO_UNITS:
        raise UserInputError(f"unknown macro series {name!r}: expected one of {', '.join(sorted(MACRO_UNITS))}")
    rule = release or DEFAULT_RELEASE.get(name, "crypto_daily")
    path = Path(file)
    report = ImportReport(files=[str(path)])
    recv = received_at or datetime.now(UTC)
    rows = read_dated_csv(path, received_at=recv)
    lo, hi = VALID_RANGE[name]
    if MACRO_UNITS[name] == "fraction" and input_unit != "native":
        rows = _in_range(name, rows, (lo, 100.0), "raw (fraction or percent) ")  # before the unit is known
    else:
        rows = _in_range(name, rows, (lo, hi), "")
    if len(rows.dates) == 0:
        why = ", ".join(f"{n} {r}" for r, n in sorted(rows.dropped.items()))
        raise UserInputError(f"{path}: no usable {name} rows ({why})")
    values = _convert_units(name, rows.values, input_unit, report.notes)
    rows = _in_range(name, DatedRows(rows.dates, values, rows.dropped), (lo, hi), "")
    if len(rows.dates) == 0:
        why = ", ".join(f"{n} {r}" for r, n in sorted(rows.dropped.items()))
        raise UserInputError(f"{path}: no usable {name} rows ({why})")
    for reason, n in rows.dropped.items():
        report.drop(reason, n)
    dates, values = rows.dates, rows.values
    available = available_times(dates, rule)
    series = MacroSeries(
        name=name,
        unit=MACRO_UNITS[name],
        ts=dates,
        values=values,
        source=Source(provider, f"{path.name}:{name}", from_ms(int(dates[-1].astype(np.int64))), recv),
        available_ts=available,
    )
    report.notes.append(f"{name}: availability rule '{rule}'")
    report.add("macro", len(series), store.write_macro(series, ts_recv=recv, replace=True))
    return report
