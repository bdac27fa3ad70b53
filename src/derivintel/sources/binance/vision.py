"""Parse Binance public data dumps (https://data.binance.vision): klines, fundingRate and metrics files.

Accepted: the CSV as published, with or without its header row, or the ``.zip`` that holds it. The kind is recognised
from the columns: 12 numeric columns = klines (interval from ``close_time − open_time + 1``; microsecond timestamps of
the 2025+ spot dumps are detected and converted), 3 columns ``calc_time, funding_interval_hours, last_funding_rate``
= settled funding, a ``create_time … sum_open_interest …`` header = 5-minute metrics (single-sided OI in coins and
USD, three long/short ratios). Units: prices in USD (USDT taken as USD), volumes in coins, funding a fraction per
interval. Funding settlement times are rounded to the second (Binance stamps ``calc_time`` a few ms after the hour).

Pure: a file in, typed series out (``parse_file`` → ``ParsedDump``); every row is checked before a series is built
and one bad row refuses the file (``UserInputError`` naming file and line). The store writes the result.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from derivintel.core.errors import UserInputError
from derivintel.core.provenance import Source
from derivintel.core.timeutil import from_ms
from derivintel.domain.assets import normalise_asset
from derivintel.domain.series import (
    CandleSeries,
    FundingSeries,
    LongShortKind,
    LongShortSeries,
    OpenInterestSeries,
    TakerRatioSeries,
)
from derivintel.sources.dumps import DumpFormat, DumpSeries, ParsedDump
from derivintel.sources.row_checks import Check, conflicting_duplicates, refuse_bad_rows, within_life

PROVIDER_DATASET = "data.binance.vision"
VENUE_BY_MARKET = {"perp": "binance-usdm", "spot": "binance-spot"}
PERP_VENUE = VENUE_BY_MARKET["perp"]  # fundingRate and metrics dumps exist for USD-M perpetuals only
# First trading day of each market whose dumps are read (UTC): no row is older.
VENUE_START: dict[str, datetime] = {
    "binance-spot": datetime(2017, 7, 14, tzinfo=UTC),
    "binance-usdm": datetime(2019, 9, 8, tzinfo=UTC),
}
_METRIC_RATIOS = {
    "count_long_short_ratio": LongShortKind.GLOBAL_ACCOUNTS,
    "count_toptrader_long_short_ratio": LongShortKind.TOP_ACCOUNTS,
    "sum_toptrader_long_short_ratio": LongShortKind.TOP_POSITIONS,
}
_INTERVAL_NAMES = {60: "1m", 300: "5m", 900: "15m", 3600: "1h", 14400: "4h", 28800: "8h", 86400: "1d"}


def read_csv_payloads(path: Path) -> list[tuple[str, bytes]]:
    """The CSV payload(s) of a file: the file itself, or every ``.csv`` inside a zip."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read file ({exc.strerror})") from exc
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
                if not names:
                    raise UserInputError(f"{path}: zip holds no .csv file")
                return [(f"{path.name}:{n}", zf.read(n)) for n in names]
        except zipfile.BadZipFile as exc:
            raise UserInputError(f"{path}: corrupt zip file") from exc
    return [(path.name, raw)]


@dataclass(frozen=True, slots=True)
class DumpFrame:
    """A parsed CSV: ``frame`` (numeric columns as numbers, others as strings or NaN), ``lines`` (the file line
    of each row, 1-based) and whether the file had a header row."""

    frame: pd.DataFrame
    lines: np.ndarray
    has_header: bool


def _frame(name: str, payload: bytes) -> DumpFrame:
    """Parse CSV as text cells; detect the header (first cell not a number). Blank lines are skipped but counted
    in the line numbers."""
    end = payload.find(b"\n")
    first = payload[: end if end >= 0 else len(payload)].decode("utf-8", "replace").strip().split(",")
    has_header = not re.fullmatch(r"-?\d+(\.\d+)?", first[0].strip() or "x")
    try:
        # numbers parsed by the C reader; a column with any non-number cell stays text (see ``_numeric``)
        frame = pd.read_csv(
            io.BytesIO(payload), header=0 if has_header else None, skip_blank_lines=False, low_memory=False
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise UserInputError(f"{name}: not a CSV file ({detail})") from exc
    lines = np.arange(len(frame)) + (2 if has_header else 1)
    if len(frame.columns) == 0 or not frame.iloc[:, 0].isna().any():  # a blank row is empty in its first cell
        return DumpFrame(frame, lines, has_header)
    blank = frame.isna().all(axis=1).to_numpy()
    return DumpFrame(frame[~blank].reset_index(drop=True), lines[~blank], has_header)


def _numeric(frame: pd.DataFrame, columns: Sequence[int]) -> np.ndarray:
    """The given columns as floats (NaN where a cell is empty or not a number): a column the CSV reader already
    parsed as numbers is taken as is, a text column (one bad cell is enough) is converted cell by cell."""
    out = []
    for c in columns:
        col = frame.iloc[:, c]
        is_num = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        out.append(col.to_numpy(float) if is_num else pd.to_numeric(col, errors="coerce").to_numpy(float))
    return np.column_stack(out)


def _complete(values: np.ndarray, what: str) -> Check:
    return Check(f"incomplete row or non-numeric {what}", np.all(np.isfinite(values), axis=1))


def _dedupe(name: str, keys: np.ndarray, values: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Order of rows by key with exact repeats removed (indices into the input); refuse conflicting repeats."""
    if len(keys) < 2 or bool(np.all(keys[1:] > keys[:-1])):  # already in order, no repeat (the usual dump)
        return np.arange(len(keys))
    order = np.argsort(keys, kind="stable")
    keep, conflict = conflicting_duplicates(keys[order], values[order])
    if conflict.any():
        i = int(np.argmax(conflict))
        first = int(lines[order][i - 1])
        raise UserInputError(
            f"{name}: lines {first} and {int(lines[order][i])}: two different rows for one time; "
            f"{int(conflict.sum())} conflicting duplicate(s), nothing imported from this file"
        )
    return order[keep]


def _asset_from(name: str, frame: pd.DataFrame, asset: str | None) -> str:
    if asset:
        return normalise_asset(asset)
    if "symbol" in frame.columns and len(frame):
        return normalise_asset(str(frame["symbol"].iloc[0]))
    m = re.search(r"([A-Z0-9]{2,12}USDT?)", name.upper())
    if not m:
        raise UserInputError(f"{name}: cannot tell the asset from the file name; pass asset=")
    return normalise_asset(m.group(1))


def _to_ms(values: np.ndarray) -> np.ndarray:
    """Epoch times in ms; values above 1e14 are microseconds (Binance spot dumps from 2025) and are converted."""
    v = np.asarray(values, dtype=np.int64)
    return np.where(v > 10**14, v // 1000, v)


def _market_from(name: str, market: str | None) -> str:
    if market:
        if market not in VENUE_BY_MARKET:
            raise UserInputError(f"market must be 'perp' or 'spot', got {market!r}")
        return market
    return "spot" if "spot" in name.lower() else "perp"


KLINE_HEADERS = ("open_time", "open", "high", "low", "close", "volume", "close_time")
FUNDING_HEADER = ("calc_time", "funding_interval_hours", "last_funding_rate")
MAX_FUNDING_FRAC = 0.05  # per interval; Binance caps every USD-M contract well below 5%
_KLINE_COLUMNS = (0, 1, 2, 3, 4, 5, 6, 9)  # open_time, o, h, l, c, volume, close_time, taker_buy_volume


def parse_klines(name: str, dump: DumpFrame, *, asset: str, market: str, received_at: datetime) -> CandleSeries:
    """12-column Binance klines → ``CandleSeries`` (open times; interval from close − open + 1 ms). Every row is
    checked first (complete, finite, positive prices, high ≥ max(open, close) ≥ min(open, close) ≥ low, volumes
    ≥ 0, time within the venue's life, close time within the bar); one bad row refuses the file, naming its line."""
    frame = dump.frame
    if frame.shape[1] < 11:
        raise UserInputError(f"{name}: klines need 12 columns, found {frame.shape[1]}")
    if len(frame) == 0:
        raise UserInputError(f"{name}: no kline rows")
    f = _numeric(frame, _KLINE_COLUMNS)
    complete = _complete(f, "field")
    f_safe = np.where(np.isfinite(f), f, 0.0)
    open_ms = _to_ms(f_safe[:, 0])
    close_ms = _to_ms(f_safe[:, 6])
    o, h, lo, c, vol, taker = f_safe[:, 1], f_safe[:, 2], f_safe[:, 3], f_safe[:, 4], f_safe[:, 5], f_safe[:, 7]
    span = close_ms - open_ms + 1
    interval_ms = int(np.median(span[complete.ok])) if complete.ok.any() else 0
    if interval_ms <= 0:
        raise UserInputError(f"{name}: line {int(dump.lines[0])}: cannot infer the bar interval")
    venue = VENUE_BY_MARKET[market]
    checks = [
        complete,
        Check("price not positive", (o > 0) & (h > 0) & (lo > 0) & (c > 0)),
        Check("high below open or close", h >= np.maximum(o, c)),
        Check("low above open or close", lo <= np.minimum(o, c)),
        Check("negative volume", (vol >= 0) & (taker >= 0)),
        Check("taker buy volume above volume", taker <= vol * (1 + 1e-9) + 1e-12),
        # maintenance can close a bar early (Binance spot 2021-02-11 04:00), never late or before it opened
        Check(f"close_time outside its {interval_ms} ms bar", (span > 0) & (span <= interval_ms)),
        within_life(open_ms, venue, start=VENUE_START[venue], latest=received_at),
    ]
    refuse_bad_rows(name, checks, dump.lines, last_row=len(frame) - 1)
    idx = _dedupe(name, open_ms, f[:, 1:], dump.lines)
    open_ms, f = open_ms[idx], f[idx]
    interval_s = round(interval_ms / 1000)
    label = _INTERVAL_NAMES.get(interval_s, f"{interval_s}s")
    return CandleSeries(
        venue=venue,
        asset=asset,
        market=market,
        interval_s=interval_s,
        ts=open_ms.astype("datetime64[ms]"),
        open=f[:, 1],
        high=f[:, 2],
        low=f[:, 3],
        close=f[:, 4],
        volume_base=f[:, 5],
        taker_buy_base=f[:, 7],
        source=Source(venue, f"{PROVIDER_DATASET}/klines_{label}", from_ms(open_ms[-1] + interval_ms), received_at),
    )


def parse_funding(name: str, dump: DumpFrame, *, asset: str, received_at: datetime) -> FundingSeries:
    """``calc_time, funding_interval_hours, last_funding_rate`` → ``FundingSeries`` (fraction per interval). Rows
    are checked (complete, time within the venue's life, interval 1..24 h, |rate| ≤ 5% per interval)."""
    frame = dump.frame
    if len(frame) == 0:
        raise UserInputError(f"{name}: no funding rows")
    cols = _numeric(frame, (0, 1, 2))
    safe = np.where(np.isfinite(cols), cols, 0.0)
    ts = np.round(_to_ms(safe[:, 0]) / 1000.0).astype(np.int64) * 1000
    checks = [
        _complete(cols, "field"),
        within_life(ts, PERP_VENUE, start=VENUE_START[PERP_VENUE], latest=received_at),
        Check("funding_interval_hours not in 1..24", (safe[:, 1] >= 1) & (safe[:, 1] <= 24)),
        Check(f"funding rate beyond ±{MAX_FUNDING_FRAC:.0%} per interval", np.abs(safe[:, 2]) <= MAX_FUNDING_FRAC),
    ]
    refuse_bad_rows(name, checks, dump.lines, last_row=len(frame) - 1)
    idx = _dedupe(name, ts, cols[:, 1:], dump.lines)
    ts, cols = ts[idx], cols[idx]
    return FundingSeries(
        venue=PERP_VENUE,
        asset=asset,
        ts=ts.astype("datetime64[ms]"),
        rate_interval=cols[:, 2],
        interval_hours=cols[:, 1],
        source=Source(PERP_VENUE, f"{PROVIDER_DATASET}/fundingRate", from_ms(ts[-1]), received_at),
    )


_TAKER_RATIO = "sum_taker_long_short_vol_ratio"
_METRIC_VALUES = ("sum_open_interest", "sum_open_interest_value", *_METRIC_RATIOS, _TAKER_RATIO)


def parse_metrics(name: str, dump: DumpFrame, *, asset: str, received_at: datetime) -> list[DumpSeries]:
    """5-minute metrics → OI series (coins, USD), the three long/short ratio series and the taker buy ÷ sell
    volume ratio (``TakerRatioSeries``: the file gives the ratio, not the volumes). Rows are checked (time parsed
    and within the venue's life, OI finite and ≥ 0, long/short ratios > 0 and the taker ratio ≥ 0 when given)."""
    frame = dump.frame
    if len(frame) == 0:
        raise UserInputError(f"{name}: no metrics rows")
    times = pd.to_datetime(frame["create_time"], utc=True, errors="coerce", format="mixed")
    ts_ms = np.where(times.notna(), times.dt.tz_localize(None).to_numpy().astype("datetime64[ms]").astype(np.int64), 0)
    present = [c for c in _METRIC_VALUES if c in frame.columns]
    values = np.column_stack([pd.to_numeric(frame[c], errors="coerce").to_numpy(float) for c in present])
    oi = values[:, :2]
    ratio_cols = [j for j, c in enumerate(present) if c in _METRIC_RATIOS]
    ratios = values[:, ratio_cols]
    taker = values[:, present.index(_TAKER_RATIO)] if _TAKER_RATIO in present else np.zeros(len(frame))
    checks = [
        Check("incomplete row or unreadable create_time", times.notna().to_numpy()),
        _complete(oi, "open interest"),
        Check("negative open interest", np.all(np.where(np.isfinite(oi), oi, 0.0) >= 0, axis=1)),
        Check("long/short ratio not positive", np.all(~(ratios <= 0), axis=1)),
        Check("taker buy/sell volume ratio negative", ~(taker < 0)),
        within_life(ts_ms, PERP_VENUE, start=VENUE_START[PERP_VENUE], latest=received_at),
    ]
    refuse_bad_rows(name, checks, dump.lines, last_row=len(frame) - 1)
    idx = _dedupe(name, ts_ms, values, dump.lines)
    ts, values = ts_ms[idx].astype("datetime64[ms]"), values[idx]
    interval_s = 300
    as_of = from_ms(int(ts[-1].astype(np.int64)))
    out: list[DumpSeries] = [
        OpenInterestSeries(
            venue=PERP_VENUE,
            asset=asset,
            interval_s=interval_s,
            ts=ts,
            oi_base=values[:, 0],
            oi_usd=values[:, 1],
            source=Source(PERP_VENUE, f"{PROVIDER_DATASET}/metrics", as_of, received_at),
        )
    ]
    for j, col in enumerate(present[2:], start=2):
        vals = values[:, j]
        ok = np.isfinite(vals)
        source = Source(PERP_VENUE, f"{PROVIDER_DATASET}/metrics:{col}", as_of, received_at)
        if col == _TAKER_RATIO:
            out.append(TakerRatioSeries(PERP_VENUE, asset, interval_s, ts[ok], vals[ok], source))
            continue
        out.append(
            LongShortSeries(
                venue=PERP_VENUE,
                asset=asset,
                kind=_METRIC_RATIOS[col],
                interval_s=interval_s,
                ts=ts[ok],
                ratio=vals[ok],
                source=source,
            )
        )
    return out


def detect_kind(dump: DumpFrame) -> str:
    """``klines``, ``funding`` or ``metrics`` from the columns; a header must be Binance's own (a CSV with other
    column names is refused rather than read by position)."""
    frame = dump.frame
    names = [str(c).strip().lower() for c in frame.columns]
    if dump.has_header:
        if "create_time" in names and "sum_open_interest" in names and "sum_open_interest_value" in names:
            return "metrics"
        if tuple(names) == FUNDING_HEADER:
            return "funding"
        if len(names) >= 11 and tuple(names[:7]) == KLINE_HEADERS:
            return "klines"
    elif frame.shape[1] == 3:
        return "funding"
    elif frame.shape[1] >= 11:
        return "klines"
    shown = ", ".join(names[:8]) if dump.has_header else f"{frame.shape[1]} unnamed columns"
    raise UserInputError(
        f"unrecognised Binance dump ({shown}): expected klines ({','.join(KLINE_HEADERS)},…), "
        f"fundingRate ({','.join(FUNDING_HEADER)}) or metrics (create_time,symbol,sum_open_interest,…)"
    )


def parse_file(
    path: Path,
    *,
    received_at: datetime,
    asset: str | None = None,
    market: str | None = None,
) -> ParsedDump:
    """Parse one dump file (CSV or zip) into domain series; raises ``UserInputError`` on unknown content.
    ``asset`` (e.g. ``BTC``) and ``market`` (``perp``/``spot``) override what the file name says."""
    p = Path(path)
    out: list[DumpSeries] = []
    for name, payload in read_csv_payloads(p):
        dump = _frame(name, payload)
        try:
            kind = detect_kind(dump)
        except UserInputError as exc:
            raise UserInputError(f"{name}: {exc}") from exc
        a = _asset_from(name, dump.frame, asset)
        if kind == "klines":
            out.append(parse_klines(name, dump, asset=a, market=_market_from(str(p), market), received_at=received_at))
        elif kind == "funding":
            out.append(parse_funding(name, dump, asset=a, received_at=received_at))
        else:
            out.extend(parse_metrics(name, dump, asset=a, received_at=received_at))
    return ParsedDump(p, series=out)


DUMP_FORMAT = DumpFormat("binance-vision", parse_file, "data.binance.vision klines/fundingRate/metrics CSV or zip")
