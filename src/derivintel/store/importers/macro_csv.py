"""Import dated macro series (``date,value`` CSVs) with their availability times.

Accepted layouts: ``as_of,value[,status]`` (rows with a status other than ``ok`` are skipped), ``date,value``, and
FRED downloads (``observation_date,VIXCLS`` with ``.`` for missing days). The first column is the observation date,
the value column is ``value`` when present, else the second column.

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


def read_dated_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(dates as ``datetime64[ms]`` UTC midnight, float values) from a dated CSV; sorted, unique dates, finite
    values only."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read file ({exc.strerror})") from exc
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str)
    except (ValueError, pd.errors.ParserError) as exc:
        raise UserInputError(f"{path}: not a CSV file ({exc})") from exc
    if frame.shape[1] < 2 or frame.empty:
        raise UserInputError(f"{path}: expected a date column and a value column")
    if "status" in frame.columns:
        frame = frame[frame["status"].str.strip().str.lower() == "ok"]
    value_col = "value" if "value" in frame.columns else frame.columns[1]
    dates = pd.to_datetime(frame.iloc[:, 0].str.strip(), utc=True, errors="coerce", format="mixed")
    values = pd.to_numeric(frame[value_col], errors="coerce")
    ok = dates.notna() & values.notna() & np.isfinite(values)
    if not ok.any():
        raise UserInputError(f"{path}: no dated numeric rows")
    day = dates[ok].dt.floor("D").dt.tz_localize(None).to_numpy().astype("datetime64[ms]")
    vals = values[ok].to_numpy(dtype=float)
    order = np.argsort(day, kind="stable")
    day, vals = day[order], vals[order]
    last_of_day = np.concatenate([np.diff(day.astype(np.int64)) > 0, [True]])  # keep the last row of a date
    return day[last_of_day], vals[last_of_day]


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
    """Import one macro series ``name`` (a key of ``MACRO_UNITS``) from ``file``. Importing twice adds nothing."""
    if name not in MACRO_UNITS:
        raise UserInputError(f"unknown macro series {name!r}: expected one of {', '.join(sorted(MACRO_UNITS))}")
    rule = release or DEFAULT_RELEASE.get(name, "crypto_daily")
    path = Path(file)
    report = ImportReport(files=[str(path)])
    dates, values = read_dated_csv(path)
    values = _convert_units(name, values, input_unit, report.notes)
    available = available_times(dates, rule)
    recv = received_at or datetime.now(UTC)
    series = MacroSeries(
        name=name,
        unit=MACRO_UNITS[name],
        ts=dates,
        values=values,
        source=Source(provider, f"{path.name}:{name}", from_ms(int(dates[-1].astype(np.int64))), recv),
        available_ts=available,
    )
    report.notes.append(f"{name}: availability rule '{rule}'")
    report.add("macro", len(series), store.write_macro(series, ts_recv=recv))
    return report
