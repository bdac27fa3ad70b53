"""Demo dated futures (SYNTHETIC): each venue's listed expiries priced off the spot path with a contango curve.

The annualised basis of an expiry ``d`` days out is ``level + slope × d / 365.25`` (asset profile below) plus a
small per-venue offset and seeded noise; ``mark = index × (1 + annualised × d / 365.25)``. Expiries follow each
venue's listing pattern (Deribit weeklies, monthlies and quarterlies; Binance current and next quarter; OKX weeks
and quarters; Bybit USDT quarterlies and inverse quarterlies), all delivering at 08:00 UTC. Every ``Source`` is
``name="demo"``, ``synthetic=True``; nothing is dated after ``as_of``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from derivintel.domain.futures import DatedFuture, Margin
from derivintel.sources.demo.profiles import demo_source
from derivintel.sources.demo.timeline import Timeline

_STREAM_FUTURES = 13
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_CODE = "FGHJKMNQUVXZ"  # Bybit inverse futures month codes


@dataclass(frozen=True, slots=True)
class CurveProfile:
    """Synthetic annualised basis: ``level`` (fraction per year) at zero days, rising by ``slope`` per year."""

    level: float
    slope: float
    noise: float  # standard deviation of each contract's annualised basis, fraction per year


CURVES: dict[str, CurveProfile] = {
    "BTC": CurveProfile(level=0.048, slope=0.012, noise=0.002),
    "ETH": CurveProfile(level=0.055, slope=0.015, noise=0.003),
}
# Per-venue offset of the annualised basis (fraction per year): venues' curves do not coincide.
VENUE_OFFSET: dict[str, float] = {"deribit": 0.0, "binance": 0.003, "okx": -0.002, "bybit": 0.001}


def _last_friday(year: int, month: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - 4) % 7)


def _at8(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 8, tzinfo=UTC)


def _quarterlies(after: datetime, n: int) -> list[datetime]:
    out: list[datetime] = []
    year, month = after.year, after.month
    while len(out) < n:
        if month in (3, 6, 9, 12) and _at8(_last_friday(year, month)) > after:
            out.append(_at8(_last_friday(year, month)))
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return out


def _fridays(after: datetime, n: int) -> list[datetime]:
    first = after.date() + timedelta(days=(4 - after.weekday()) % 7)
    days = [_at8(first + timedelta(days=7 * i)) for i in range(n + 1)]
    return [d for d in days if d > after][:n]


def _monthlies(after: datetime, n: int) -> list[datetime]:
    out: list[datetime] = []
    year, month = after.year, after.month
    while len(out) < n:
        if _at8(_last_friday(year, month)) > after:
            out.append(_at8(_last_friday(year, month)))
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return out


def _ddmmmyy(t: datetime) -> str:
    return f"{t.day}{_MONTHS[t.month - 1]}{t.year % 100:02d}"


def listings(asset: str, after: datetime) -> list[tuple[str, str, datetime, Margin, str]]:
    """(venue, symbol, expiry, margin, dataset imitated) of every demo dated future of ``asset``."""
    quarters = _quarterlies(after, 4)
    deribit = sorted({*_fridays(after, 2), *_monthlies(after, 2), *quarters})
    out = [("deribit", f"{asset}-{_ddmmmyy(t)}", t, Margin.INVERSE, "book_summary_future") for t in deribit]
    out += [("binance", f"{asset}USDT_{t:%y%m%d}", t, Margin.LINEAR, "premiumIndex_all") for t in quarters[:2]]
    okx = sorted({*_fridays(after, 2), *quarters[:3]})
    out += [("okx", f"{asset}-USD-{t:%y%m%d}", t, Margin.INVERSE, "mark-price_futures") for t in okx]
    out += [("bybit", f"{asset}USDT-{_ddmmmyy(t)}", t, Margin.LINEAR, "tickers_linear_all") for t in quarters[:2]]
    out += [
        ("bybit", f"{asset}USD{_MONTH_CODE[t.month - 1]}{t.year % 100:02d}", t, Margin.INVERSE, "tickers_inverse_all")
        for t in quarters[:2]
    ]
    return out


def build_futures(
    timeline: Timeline, asset: str, asset_code: int, index_usd: float, oi_scale_base: float
) -> tuple[DatedFuture, ...]:
    """Every demo venue's dated futures of ``asset`` at the last full hour, against ``index_usd`` (the spot path's
    last close). OI: ``oi_scale_base`` coins shared out with the nearer quarterlies holding most."""
    curve = CURVES[asset]
    rng = timeline.rng(asset_code, _STREAM_FUTURES)
    at = timeline.last_close
    out = []
    for venue, symbol, expiry, margin, dataset in listings(asset, at):
        days = (expiry - at).total_seconds() / 86_400.0
        annualised = (
            curve.level + curve.slope * days / 365.25 + VENUE_OFFSET[venue] + curve.noise * rng.standard_normal()
        )
        mark = index_usd * (1.0 + annualised * days / 365.25)
        weight = 1.0 / (1.0 + days / 60.0)
        out.append(
            DatedFuture(
                venue=venue,
                asset=asset,
                venue_symbol=symbol,
                expiry=expiry,
                mark_price_usd=round(mark, 2),
                index_price_usd=None if venue == "okx" else index_usd,  # OKX sends no index with its marks
                oi_base=round(oi_scale_base * weight * float(rng.uniform(0.6, 1.4)), 3),
                margin=margin,
                source=demo_source(f"{'binance-usdm' if venue == 'binance' else venue}/{dataset}", at, timeline.as_of),
            )
        )
    return tuple(out)
