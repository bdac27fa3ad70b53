"""Deribit option-chain file readers. Every reader returns an ``OptionChain`` with ``mark_iv`` as a FRACTION.

Formats:
- ``public/get_book_summary_by_currency?kind=option`` JSON, full envelope ``{"jsonrpc": "2.0", "result": [...]}``
  (``mark_iv`` in percent, ``open_interest``/``volume`` in coins, ``underlying_price`` = forward USD,
  ``mark_price`` in coin, ``estimated_delivery_price`` = index USD, ``creation_timestamp`` ms).
- Deribit web-UI option-chain CSV export (columns ``Instrument, Volume, Open, ..., Vega, Gamma, ..., Δ|Delta, ...,
  Bid, Mark, Ask, ...``; ``-`` = empty). It has no underlying, IV or time column, so: the forward per expiry comes
  from put-call parity on Mark prices (``C − P = 1 − K/F`` in coin), else the strike whose |delta| is nearest 0.5,
  else ``spot_usd``; the capture time from the published vega and delta
  (``vega = F φ(d1) √T / 100`` ⇒ ``T = (100 vega / (F φ(d1)))²``, median over near-ATM rows) unless ``as_of`` is given;
  mark IV by inverting Black-76 on ``Mark × F``. The dataset string says which method was used.
- svcj snapshot CSV (collector of get_book_summary_by_currency + ticker; ``implied_volatility`` already a fraction),
  filtered to one currency.

Bad content raises ``UserInputError`` with a one-line message naming the file and the problem.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtri

from derivintel.core.black76 import SECONDS_PER_YEAR, implied_vol, norm_pdf
from derivintel.core.errors import UserInputError
from derivintel.core.provenance import Source
from derivintel.core.timeutil import from_ms, to_datetime64, utc
from derivintel.domain.options import OptionChain
from derivintel.sources.dumps import DumpFormat, ParsedDump
from derivintel.sources.payload import VENUE_LIFE_START_MS, epoch_ms

CHAIN_VENUE = "deribit"  # = parse.VENUE (parse imports this module, so the id is restated, not imported)

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}

_NAME_RE = re.compile(
    r"^(?P<cur>[A-Z0-9_]+)-(?P<d>\d{1,2})(?P<m>[A-Z]{3})(?P<y>\d{2})-(?P<k>[0-9]+(?:[.d][0-9]+)?)-(?P<cp>[CP])$"
)
DERIBIT_EXPIRY_HOUR_UTC = 8


@dataclass(frozen=True, slots=True)
class OptionName:
    """What a Deribit option name states: ``currency`` (``BTC``; ``XRP_USDC`` for linear ones), ``expiry`` (08:00
    UTC, aware), ``strike`` in the quote currency (USD; USDC for linear ones) and ``is_call``."""

    currency: str
    expiry: datetime
    strike: float
    is_call: bool


def parse_instrument_name(name: str) -> OptionName:
    """``BTC-30APR26-80000-C`` → ``OptionName("BTC", 2026-04-30 08:00 UTC, 80000.0, True)``. ValueError if
    malformed."""
    match = _NAME_RE.match(name.strip())
    if match is None or match["m"] not in MONTHS:
        raise ValueError(f"not a Deribit option instrument name: {name!r}")
    expiry = datetime(2000 + int(match["y"]), MONTHS[match["m"]], int(match["d"]), DERIBIT_EXPIRY_HOUR_UTC, tzinfo=UTC)
    return OptionName(match["cur"], expiry, float(match["k"].replace("d", ".")), match["cp"] == "C")


def _names(names: Sequence[str], file: str) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    parsed = []
    for n in names:
        try:
            parsed.append(parse_instrument_name(str(n)))
        except ValueError as exc:
            raise UserInputError(f"{file}: {exc}") from exc
    if not parsed:
        raise UserInputError(f"{file}: no option rows")
    currencies = {p.currency for p in parsed}
    if len(currencies) > 1:
        raise UserInputError(f"{file}: several currencies {sorted(currencies)}; select one")
    expiry = np.array([to_datetime64(p.expiry) for p in parsed], dtype="datetime64[ms]")
    strike = np.array([p.strike for p in parsed], dtype=float)
    is_call = np.array([p.is_call for p in parsed], dtype=bool)
    return parsed[0].currency, expiry, strike, is_call


def _text(data: str | bytes, file: str) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UserInputError(f"{file}: not UTF-8 text") from exc
    return data.removeprefix("\ufeff")


def _floats(values, file: str, column: str) -> np.ndarray:
    try:
        return np.array([np.nan if v is None or v == "" else float(v) for v in values], dtype=float)
    except (TypeError, ValueError) as exc:
        raise UserInputError(f"{file}: non-numeric value in {column!r}") from exc


# ---------------------------------------------------------------------------------------------------------------
# get_book_summary_by_currency JSON


def _event_time(ts: np.ndarray, file: str) -> datetime:
    """Newest ``creation_timestamp`` (s, ms or µs by magnitude, as ``payload.to_ms``); before 2017 is refused."""
    finite = ts[np.isfinite(ts) & (ts > 0)]
    if len(finite) == 0:
        raise UserInputError(f"{file}: no valid creation_timestamp")
    try:
        newest = epoch_ms(float(finite.max()))
    except ValueError as exc:
        raise UserInputError(f"{file}: creation_timestamp {exc}") from exc
    if newest < VENUE_LIFE_START_MS:
        raise UserInputError(f"{file}: creation_timestamp reads as {from_ms(newest):%Y-%m-%d}, before 2017")
    return from_ms(newest)


def parse_book_summary(data: str | bytes, *, file: str = "<json>") -> OptionChain:
    """Parse a ``get_book_summary_by_currency?kind=option`` response (full JSON-RPC envelope or its result list).

    ``as_of`` = latest ``creation_timestamp``; ``fetched_at`` = envelope ``usOut`` (µs) when present, else ``as_of``.
    """
    try:
        payload = json.loads(_text(data, file))
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{file}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    us_out = None
    if isinstance(payload, dict):
        if "error" in payload:
            raise UserInputError(f"{file}: Deribit error response: {payload['error']}")
        if not isinstance(payload.get("result"), list):
            raise UserInputError(f"{file}: JSON has no 'result' list (expected get_book_summary_by_currency)")
        us_out = payload.get("usOut")
        rows = payload["result"]
    elif isinstance(payload, list):
        rows = payload
    else:
        raise UserInputError(f"{file}: unexpected JSON {type(payload).__name__}")
    rows = [r for r in rows if isinstance(r, dict) and str(r.get("instrument_name", "")).endswith(("-C", "-P"))]
    if not rows:
        raise UserInputError(f"{file}: no option rows in 'result'")
    required = ("instrument_name", "open_interest", "underlying_price", "creation_timestamp")
    for key in required:
        if any(key not in r for r in rows):
            raise UserInputError(f"{file}: rows lack field {key!r} (is this get_book_summary_by_currency?)")
    currency, expiry, strike, is_call = _names([r["instrument_name"] for r in rows], file)
    ts = _floats([r["creation_timestamp"] for r in rows], file, "creation_timestamp")
    as_of = _event_time(ts, file)
    fetched_at = from_ms(float(us_out) / 1000.0) if isinstance(us_out, int | float) else as_of
    index = _floats([r.get("estimated_delivery_price") for r in rows], file, "estimated_delivery_price")
    return OptionChain(
        currency=currency,
        instrument=tuple(str(r["instrument_name"]) for r in rows),
        expiry=expiry,
        strike=strike,
        is_call=is_call,
        mark_iv=_floats([r.get("mark_iv") for r in rows], file, "mark_iv") / 100.0,
        oi_base=_floats([r["open_interest"] for r in rows], file, "open_interest"),
        volume_base=_floats([r.get("volume") for r in rows], file, "volume"),
        underlying_price_usd=_floats([r["underlying_price"] for r in rows], file, "underlying_price"),
        mark_price_coin=_floats([r.get("mark_price") for r in rows], file, "mark_price"),
        index_price_usd=float(np.nanmedian(index)) if np.isfinite(index).any() else None,
        source=Source("deribit", "get_book_summary_by_currency", as_of, fetched_at),
    )


# ---------------------------------------------------------------------------------------------------------------
# svcj snapshot CSV

_SVCJ_COLUMNS = (
    "timestamp",
    "instrument_name",
    "underlying",
    "implied_volatility",
    "open_interest",
    "volume",
    "mark_price",
    "currency",
    "index_price",
)


def parse_svcj_snapshot(data: str | bytes, *, currency: str = "BTC", file: str = "<csv>") -> OptionChain:
    """Parse an svcj snapshot CSV (BTC+ETH rows) keeping ``currency``. ``as_of`` = the snapshot ``timestamp``."""
    try:
        df = pd.read_csv(io.StringIO(_text(data, file)))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserInputError(f"{file}: not a readable CSV ({exc})") from exc
    missing = [c for c in _SVCJ_COLUMNS if c not in df.columns]
    if missing:
        raise UserInputError(f"{file}: missing columns {missing} (expected an svcj snapshot CSV)")
    df = df[df["currency"] == currency]
    if df.empty:
        raise UserInputError(f"{file}: no {currency} rows")
    _, expiry, strike, is_call = _names(list(df["instrument_name"]), file)
    try:
        stamps = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"{file}: bad 'timestamp' values") from exc
    as_of = stamps.max().to_pydatetime()
    delta = df["delta"].to_numpy(dtype=float) if "delta" in df.columns else None
    return OptionChain(
        currency=currency,
        instrument=tuple(df["instrument_name"].astype(str)),
        expiry=expiry,
        strike=strike,
        is_call=is_call,
        mark_iv=df["implied_volatility"].to_numpy(dtype=float),
        oi_base=df["open_interest"].to_numpy(dtype=float),
        volume_base=df["volume"].to_numpy(dtype=float),
        underlying_price_usd=df["underlying"].to_numpy(dtype=float),
        mark_price_coin=df["mark_price"].to_numpy(dtype=float),
        index_price_usd=float(df["index_price"].median()),
        source=Source("deribit", f"svcj snapshot {currency} (get_book_summary_by_currency + ticker)", as_of, as_of),
        delta_published=delta,
    )


# ---------------------------------------------------------------------------------------------------------------
# Deribit web-UI CSV export

_UI_COLUMNS = ("Instrument", "Volume", "Open", "Vega", "Gamma", "Δ|Delta", "Mark")
PARITY_STRIKES = 3  # strikes nearest the money (smallest |C − P|) whose parity forwards are averaged (median)


def _parity_forward(strike: np.ndarray, is_call: np.ndarray, mark: np.ndarray) -> float | None:
    calls = {k: m for k, c, m in zip(strike, is_call, mark, strict=True) if c and np.isfinite(m)}
    puts = {k: m for k, c, m in zip(strike, is_call, mark, strict=True) if not c and np.isfinite(m)}
    pairs = sorted((abs(calls[k] - puts[k]), k, calls[k] - puts[k]) for k in calls.keys() & puts.keys())
    forwards = [k / (1.0 - diff) for _, k, diff in pairs[:PARITY_STRIKES] if diff < 1.0]
    return float(np.median(forwards)) if forwards else None


def _years_from_vega(
    forward: float, strike: np.ndarray, is_call: np.ndarray, delta: np.ndarray, vega: np.ndarray
) -> float | None:
    call_delta = np.where(is_call, delta, delta + 1.0)
    ok = np.isfinite(call_delta) & np.isfinite(vega) & (vega > 0) & (call_delta > 0.1) & (call_delta < 0.9)
    if not ok.any():
        return None
    d1 = ndtri(call_delta[ok])
    sqrt_t = 100.0 * vega[ok] / (forward * norm_pdf(d1))
    return float(np.median(sqrt_t) ** 2)


def parse_ui_export(
    data: str | bytes,
    *,
    file: str = "<csv>",
    spot_usd: float | None = None,
    as_of: datetime | None = None,
) -> OptionChain:
    """Parse a Deribit web-UI option-chain CSV export (see module doc for how forward, time and IV are inferred).

    ``index_price_usd`` is ``spot_usd`` when given, else None (the export has no index column).
    """
    try:
        df = pd.read_csv(io.StringIO(_text(data, file)), na_values=["-"], keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserInputError(f"{file}: not a readable CSV ({exc})") from exc
    missing = [c for c in _UI_COLUMNS if c not in df.columns]
    if missing:
        raise UserInputError(f"{file}: missing columns {missing} (expected a Deribit option-chain export)")
    currency, expiry, strike, is_call = _names(list(df["Instrument"].astype(str)), file)
    num = {c: _floats(df[c].where(df[c].notna(), None), file, c) for c in ("Volume", "Open", "Vega", "Gamma", "Mark")}
    delta = _floats(df["Δ|Delta"].where(df["Δ|Delta"].notna(), None), file, "Δ|Delta")
    n = len(df)
    forward = np.full(n, np.nan)
    t_years = np.full(n, np.nan)
    methods: list[str] = []
    as_of_estimates: list[datetime] = []
    for exp in np.unique(expiry):
        m = expiry == exp
        label = f"{currency}-{pd.Timestamp(exp).strftime('%d%b%y').upper().lstrip('0')}"
        f = _parity_forward(strike[m], is_call[m], num["Mark"][m])
        method = "put-call parity on Mark"
        if f is None:
            ok = np.isfinite(delta[m])
            if ok.any():
                f = float(strike[m][ok][np.argmin(np.abs(np.abs(delta[m][ok]) - 0.5))])
                method = "strike with |delta| nearest 0.5"
            elif spot_usd is not None:
                f, method = float(spot_usd), "spot_usd argument"
            else:
                raise UserInputError(f"{file}: cannot infer the forward of {label} (no marks, no deltas); pass --spot")
        forward[m] = f
        expiry_dt = pd.Timestamp(exp).to_pydatetime().replace(tzinfo=UTC)
        if as_of is None:
            t = _years_from_vega(f, strike[m], is_call[m], delta[m], num["Vega"][m])
            if t is None:
                raise UserInputError(f"{file}: cannot infer the capture time of {label} (no vega/delta near the money)")
            as_of_estimates.append(expiry_dt - timedelta(seconds=round(t * SECONDS_PER_YEAR)))
            t_years[m] = t
        else:
            t_years[m] = max((expiry_dt - utc(as_of)).total_seconds(), 3600.0) / SECONDS_PER_YEAR
        methods.append(f"{label}: forward {f:.2f} by {method}")
    when = utc(as_of) if as_of is not None else min(as_of_estimates)
    time_note = "as_of given" if as_of is not None else "as_of inferred from published vega and delta"
    iv = implied_vol(num["Mark"] * forward, forward, strike, t_years, is_call)
    return OptionChain(
        currency=currency,
        instrument=tuple(df["Instrument"].astype(str)),
        expiry=expiry,
        strike=strike,
        is_call=is_call,
        mark_iv=iv,
        oi_base=np.nan_to_num(num["Open"], nan=0.0),  # "-" in the UI = no open interest
        volume_base=np.nan_to_num(num["Volume"], nan=0.0),
        underlying_price_usd=forward,
        mark_price_coin=num["Mark"],
        index_price_usd=float(spot_usd) if spot_usd is not None else None,
        source=Source("deribit", f"web-ui export ({'; '.join(methods)}; {time_note}; IV from Mark)", when, when),
        delta_published=delta,
        gamma_published=num["Gamma"],
    )


# ---------------------------------------------------------------------------------------------------------------
# Paths


def read_chain_file(
    path: Path | str,
    *,
    currency: str = "BTC",
    spot_usd: float | None = None,
    as_of: datetime | None = None,
) -> OptionChain:
    """Read one chain file, recognising the format from its content (JSON envelope, UI export, svcj snapshot)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UserInputError(f"{p}: cannot read file ({exc.strerror})") from exc
    text = _text(raw, str(p))
    head = text.lstrip()[:2000]
    if head.startswith(("{", "[")):
        return parse_book_summary(text, file=str(p))
    first_line = head.splitlines()[0] if head else ""
    if first_line.startswith("Instrument,"):
        return parse_ui_export(text, file=str(p), spot_usd=spot_usd, as_of=as_of)
    if "instrument_name" in first_line and "implied_volatility" in first_line:
        return parse_svcj_snapshot(text, currency=currency, file=str(p))
    raise UserInputError(f"{p}: unrecognised chain format (expected Deribit JSON, UI export CSV or svcj CSV)")


def parse_chain_dump(
    path: Path, *, received_at: datetime, currency: str = "BTC", spot_usd: float | None = None
) -> ParsedDump:
    """One chain file as one snapshot to store (keyed by the chain's own ``as_of``, so a second import adds
    nothing). ``received_at`` is when the store receives it; the chain keeps its own times."""
    del received_at  # the file's own times are the chain's; the store stamps its receipt
    return ParsedDump(
        Path(path), chains=[read_chain_file(path, currency=currency, spot_usd=spot_usd)], chain_venue=CHAIN_VENUE
    )


DUMP_FORMAT = DumpFormat("deribit-chain", parse_chain_dump, "Deribit chain files (JSON, UI export CSV, svcj CSV)")


def merge_chains(chains: Sequence[OptionChain]) -> OptionChain:
    """Concatenate chains of one currency (e.g. one UI export per expiry). ``as_of`` = the latest source time;
    index = the first known; published greeks are NaN where a part lacks them. Duplicate instruments: last wins."""
    if not chains:
        raise UserInputError("no option chain files given")
    currencies = {c.currency for c in chains}
    if len(currencies) > 1:
        raise UserInputError(f"chain files mix currencies {sorted(currencies)}")
    if len(chains) == 1:
        return chains[0]
    names = [n for c in chains for n in c.instrument]
    keep_last = np.zeros(len(names), dtype=bool)
    seen: set[str] = set()
    for i in range(len(names) - 1, -1, -1):
        if names[i] not in seen:
            seen.add(names[i])
            keep_last[i] = True

    def cat(attr: str) -> np.ndarray:
        return np.concatenate([getattr(c, attr) for c in chains])

    def cat_optional(attr: str) -> np.ndarray | None:
        if all(getattr(c, attr) is None for c in chains):
            return None
        parts = [getattr(c, attr) if getattr(c, attr) is not None else np.full(len(c), np.nan) for c in chains]
        return np.concatenate(parts)[keep_last]

    index = next((c.index_price_usd for c in chains if c.index_price_usd is not None), None)
    as_of = max(c.source.as_of for c in chains)
    fetched = max(c.source.fetched_at for c in chains)
    source = Source("deribit", " + ".join(c.source.dataset for c in chains), as_of, fetched)
    return OptionChain(
        currency=chains[0].currency,
        instrument=tuple(np.asarray(names, dtype=object)[keep_last]),
        expiry=cat("expiry")[keep_last],
        strike=cat("strike")[keep_last],
        is_call=cat("is_call")[keep_last],
        mark_iv=cat("mark_iv")[keep_last],
        oi_base=cat("oi_base")[keep_last],
        volume_base=cat("volume_base")[keep_last],
        underlying_price_usd=cat("underlying_price_usd")[keep_last],
        mark_price_coin=cat("mark_price_coin")[keep_last],
        index_price_usd=index,
        source=source,
        delta_published=cat_optional("delta_published"),
        gamma_published=cat_optional("gamma_published"),
    )
