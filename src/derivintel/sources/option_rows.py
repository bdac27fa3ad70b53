"""Build an ``OptionChain`` from per-instrument rows that a venue's option parsers read (shared by every option
venue; no venue named here). Pure.

Every venue's parser turns its own units into the chain's: IV as a fraction, OI and 24h volume in coins (single
sided; contracts × coins per contract where the venue counts contracts), strikes and forwards in USD, the mark in
coin (USD mark ÷ forward for venues that quote in USD). Rows are sorted by (expiry, strike, call first), so the
chain does not depend on the venue's listing order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from derivintel.core.provenance import Source
from derivintel.domain.options import OptionChain
from derivintel.sources.payload import Where

NAN = float("nan")
EXPIRY_HOUR_UTC = 8  # OKX, Bybit and Binance settle options at 08:00 UTC, as Deribit does
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DMY = re.compile(r"^(?P<d>\d{1,2})(?P<m>[A-Z]{3})(?P<y>\d{2})$")
_YYMMDD = re.compile(r"^(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})$")


@dataclass(frozen=True, slots=True)
class OptionRow:
    """One option as read from a venue, in the chain's units (module doc). NaN where the venue gave nothing."""

    instrument: str
    expiry_ms: int
    strike_usd: float
    is_call: bool
    mark_iv: float
    oi_base: float = NAN
    volume_base: float = NAN
    forward_usd: float = NAN
    mark_price_coin: float = NAN
    delta: float = NAN
    gamma: float = NAN


def expiry_ms(date_text: str, where: Where, what: str) -> int:
    """``26DEC25`` or ``251226`` → the expiry at 08:00 UTC in epoch ms; a bad date is a bad payload."""
    text = date_text.strip().upper()
    m = _DMY.match(text)
    try:
        if m is not None and m["m"] in _MONTHS:
            when = datetime(2000 + int(m["y"]), _MONTHS[m["m"]], int(m["d"]), EXPIRY_HOUR_UTC, tzinfo=UTC)
        elif (m := _YYMMDD.match(text)) is not None:
            when = datetime(2000 + int(m["y"]), int(m["m"]), int(m["d"]), EXPIRY_HOUR_UTC, tzinfo=UTC)
        else:
            raise ValueError(text)
    except ValueError as exc:
        raise where.fail(f"{what}: not an expiry date: {date_text!r}") from exc
    return int(when.timestamp() * 1000)


def build_chain(
    currency: str, rows: list[OptionRow], *, source: Source, index_price_usd: float | None, where: Where
) -> OptionChain:
    """The chain of ``rows`` (sorted; module doc). No rows, or a row without a positive strike or forward, is a bad
    payload; IV must be a non-negative fraction (NaN allowed: the analysis leaves such rows out of GEX and skew)."""
    if not rows:
        raise where.fail(f"no {currency} options in the payload")
    rows = sorted(rows, key=lambda r: (r.expiry_ms, r.strike_usd, not r.is_call, r.instrument))
    for r in rows:
        if not (r.strike_usd > 0 and r.forward_usd > 0):
            raise where.fail(f"{r.instrument}: strike and forward must be positive USD prices")
        if not math.isnan(r.mark_iv) and r.mark_iv < 0:
            raise where.fail(f"{r.instrument}: negative implied volatility {r.mark_iv}")
        if not math.isnan(r.oi_base) and r.oi_base < 0:
            raise where.fail(f"{r.instrument}: negative open interest {r.oi_base}")

    def col(name: str) -> np.ndarray:
        return np.array([getattr(r, name) for r in rows], dtype=float)

    return OptionChain(
        currency=currency,
        instrument=tuple(r.instrument for r in rows),
        expiry=np.array([r.expiry_ms for r in rows], dtype="datetime64[ms]"),
        strike=col("strike_usd"),
        is_call=np.array([r.is_call for r in rows], dtype=np.bool_),
        mark_iv=col("mark_iv"),
        oi_base=col("oi_base"),
        volume_base=col("volume_base"),
        underlying_price_usd=col("forward_usd"),
        mark_price_coin=col("mark_price_coin"),
        index_price_usd=index_price_usd,
        source=source,
        delta_published=col("delta"),
        gamma_published=col("gamma"),
    )
