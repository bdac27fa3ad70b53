"""Import Binance public data dumps (https://data.binance.vision): klines, fundingRate and metrics files.

Accepted: the CSV as published, with or without its header row, or the ``.zip`` that holds it. The kind is recognised
from the columns: 12 numeric columns = klines (interval from ``close_time − open_time + 1``; microsecond timestamps of
the 2025+ spot dumps are detected and converted), 3 columns ``calc_time, funding_interval_hours, last_funding_rate``
= settled funding, a ``create_time … sum_open_interest …`` header = 5-minute metrics (single-sided OI in coins and
USD, three long/short ratios). Units: prices in USD (USDT taken as USD), volumes in coins, funding a fraction per
interval. Funding settlement times are rounded to the second (Binance stamps ``calc_time`` a few ms after the hour).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
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
)
from derivintel.store.history_store import HistoryStore, Series, table_of
from derivintel.store.importers.report import ImportReport

PROVIDER_DATASET = "data.binance.vision"
VENUE_BY_MARKET = {"perp": "binance-usdm", "spot": "binance-spot"}
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


def _frame(name: str, payload: bytes) -> pd.DataFrame:
    """Parse CSV; detect the header (first cell not a number)."""
    first = payload.split(b"\n", 1)[0].decode("utf-8", "replace").strip().split(",")
    has_header = not re.fullmatch(r"-?\d+(\.\d+)?", first[0].strip() or "x")
    try:
        return pd.read_csv(io.BytesIO(payload), header=0 if has_header else None)
    except (ValueError, pd.errors.ParserError) as exc:
        raise UserInputError(f"{name}: not a CSV file ({exc})") from exc


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


def parse_klines(name: str, frame: pd.DataFrame, *, asset: str, market: str, received_at: datetime) -> CandleSeries:
    """12-column Binance klines → ``CandleSeries`` (open times; interval from close − open + 1 ms)."""
    if frame.shape[1] < 11:
        raise UserInputError(f"{name}: klines need 12 columns, found {frame.shape[1]}")
    cols = frame.iloc[:, :11].to_numpy()
    open_ms = _to_ms(cols[:, 0])
    close_ms = _to_ms(cols[:, 6])
    order = np.argsort(open_ms, kind="stable")
    open_ms, close_ms, cols = open_ms[order], close_ms[order], cols[order]
    keep = np.concatenate([[True], np.diff(open_ms) > 0]) if len(open_ms) else np.array([], dtype=bool)
    open_ms, close_ms, cols = open_ms[keep], close_ms[keep], cols[keep]
    if len(open_ms) == 0:
        raise UserInputError(f"{name}: no kline rows")
    interval_ms = int(np.median(close_ms - open_ms + 1))
    interval_s = round(interval_ms / 1000)
    if interval_s <= 0:
        raise UserInputError(f"{name}: cannot infer the bar interval")
    venue = VENUE_BY_MARKET[market]
    label = _INTERVAL_NAMES.get(interval_s, f"{interval_s}s")
    f = cols.astype(float)
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
        taker_buy_base=f[:, 9],
        source=Source(venue, f"{PROVIDER_DATASET}/klines_{label}", from_ms(open_ms[-1] + interval_ms), received_at),
    )


def parse_funding(name: str, frame: pd.DataFrame, *, asset: str, received_at: datetime) -> FundingSeries:
    """``calc_time, funding_interval_hours, last_funding_rate`` → ``FundingSeries`` (fraction per interval)."""
    cols = frame.iloc[:, :3].to_numpy(dtype=float)
    ts = np.round(_to_ms(cols[:, 0].astype(np.int64)) / 1000.0).astype(np.int64) * 1000
    order = np.argsort(ts, kind="stable")
    ts, cols = ts[order], cols[order]
    keep = np.concatenate([[True], np.diff(ts) > 0]) if len(ts) else np.array([], dtype=bool)
    ts, cols = ts[keep], cols[keep]
    if len(ts) == 0:
        raise UserInputError(f"{name}: no funding rows")
    if not np.all(cols[:, 1] > 0):
        raise UserInputError(f"{name}: funding_interval_hours must be positive")
    return FundingSeries(
        venue="binance-usdm",
        asset=asset,
        ts=ts.astype("datetime64[ms]"),
        rate_interval=cols[:, 2],
        interval_hours=cols[:, 1],
        source=Source("binance-usdm", f"{PROVIDER_DATASET}/fundingRate", from_ms(ts[-1]), received_at),
    )


def parse_metrics(name: str, frame: pd.DataFrame, *, asset: str, received_at: datetime) -> list[Series]:
    """5-minute metrics → OI series (coins, USD) and the three long/short ratio series. The taker long/short
    volume ratio is not stored: the store keeps taker volumes in coins and the file gives only their ratio."""
    ts_all = pd.to_datetime(frame["create_time"], utc=True).dt.tz_localize(None).to_numpy().astype("datetime64[ms]")
    order = np.argsort(ts_all, kind="stable")
    frame = frame.iloc[order]
    ts_all = ts_all[order]
    keep = np.concatenate([[True], np.diff(ts_all.astype(np.int64)) > 0])
    frame, ts = frame[keep], ts_all[keep]
    interval_s = 300
    as_of = from_ms(int(ts[-1].astype(np.int64)))
    out: list[Series] = [
        OpenInterestSeries(
            venue="binance-usdm",
            asset=asset,
            interval_s=interval_s,
            ts=ts,
            oi_base=frame["sum_open_interest"].to_numpy(dtype=float),
            oi_usd=frame["sum_open_interest_value"].to_numpy(dtype=float),
            source=Source("binance-usdm", f"{PROVIDER_DATASET}/metrics", as_of, received_at),
        )
    ]
    for col, kind in _METRIC_RATIOS.items():
        if col in frame.columns:
            vals = frame[col].to_numpy(dtype=float)
            ok = np.isfinite(vals)
            out.append(
                LongShortSeries(
                    venue="binance-usdm",
                    asset=asset,
                    kind=kind,
                    interval_s=interval_s,
                    ts=ts[ok],
                    ratio=vals[ok],
                    source=Source("binance-usdm", f"{PROVIDER_DATASET}/metrics:{col}", as_of, received_at),
                )
            )
    return out


def detect_kind(frame: pd.DataFrame) -> str:
    """``klines``, ``funding`` or ``metrics`` from the columns."""
    names = [str(c) for c in frame.columns]
    if "create_time" in names and "sum_open_interest" in names:
        return "metrics"
    if "last_funding_rate" in names or frame.shape[1] == 3:
        return "funding"
    if frame.shape[1] >= 11:
        return "klines"
    raise UserInputError(f"unrecognised Binance dump with columns {names[:6]}")


def parse_binance_file(
    path: Path | str,
    *,
    asset: str | None = None,
    market: str | None = None,
    received_at: datetime | None = None,
) -> list[Series]:
    """Parse one dump file (CSV or zip) into domain series; raises ``UserInputError`` on unknown content."""
    p = Path(path)
    recv = received_at or datetime.now(UTC)
    out: list[Series] = []
    for name, payload in read_csv_payloads(p):
        frame = _frame(name, payload)
        kind = detect_kind(frame)
        a = _asset_from(name, frame, asset)
        if kind == "klines":
            out.append(parse_klines(name, frame, asset=a, market=_market_from(str(p), market), received_at=recv))
        elif kind == "funding":
            out.append(parse_funding(name, frame, asset=a, received_at=recv))
        else:
            out.extend(parse_metrics(name, frame, asset=a, received_at=recv))
    return out


def import_binance_vision(
    files: Iterable[Path | str],
    store: HistoryStore,
    *,
    asset: str | None = None,
    market: str | None = None,
    received_at: datetime | None = None,
) -> ImportReport:
    """Import dumps into ``store``; each parsed series is written in one transaction. Importing twice adds nothing.

    ``asset`` (e.g. ``BTC``) and ``market`` (``perp``/``spot``) override what the file name says.
    """
    report = ImportReport()
    recv = received_at or datetime.now(UTC)
    for f in files:
        series = parse_binance_file(f, asset=asset, market=market, received_at=recv)
        report.files.append(str(f))
        for s in series:
            report.add(table_of(s), len(s), store.write_series(s, ts_recv=recv))
        if any(isinstance(s, OpenInterestSeries) for s in series):
            report.notes.append(f"{Path(f).name}: taker long/short volume ratio not stored (ratio only, no volumes)")
    return report
