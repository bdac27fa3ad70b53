"""Demo Deribit-like option chain for BTC and ETH.

Expiries (08:00 UTC, strictly after ``as_of``): the next 2 dailies, the next 4 Fridays, the last Friday of the next
3 months and the next 2 quarterlies (last Friday of Mar/Jun/Sep/Dec) after those. Strikes on grids (BTC 1000 within
±10 % of spot, 2500 within ±25 %, 5000 beyond; ETH 50 / 100) over ±3.5 σ√T (within 0.4–2.2 × F).

Smile: ``iv = atm(T) + a·x + b·x²`` with ``x = ln(K/F) / √max(T, 7/365)``, ``a < 0`` (put skew), ``b > 0`` and an
upward ATM term structure ``atm(T) = short + (long − short)(1 − e^{−T/0.25})``; all fractions.
Forward ``F = S·e^{c T}`` (c ≈ 5 %/yr contango). Mark price in coin is Black-76 with r = 0 divided by F:
call ``N(d1) − (K/F) N(d2)``, put ``(K/F) N(−d2) − N(−d1)``, ``d1 = (ln(F/K) + σ²T/2)/(σ√T)``, T floored at 1 h.
OI clusters at round strikes, puts heavier below spot and calls above; 24 h volume favours near-dated, near-ATM rows.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import numpy as np

from derivintel.core.black76 import norm_cdf
from derivintel.domain.options import OptionChain
from derivintel.sources.demo.profiles import ASSETS, OptionsProfile, demo_source
from derivintel.sources.demo.timeline import Timeline, ms_to_dt64

_STREAM_OPTIONS = 9
YEAR_S = 365.0 * 86_400
T_FLOOR_YEARS = 3600.0 / YEAR_S
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_SKEW = {"BTC": (-0.05, 0.12), "ETH": (-0.045, 0.11)}
_CONTANGO = {"BTC": 0.05, "ETH": 0.055}
# OI weight per expiry kind
_KIND_WEIGHT = {"daily": 1.0, "weekly": 3.0, "monthly": 10.0, "quarterly": 18.0}


def _at8(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 8, tzinfo=UTC)


def _last_friday(year: int, month: int) -> datetime:
    last = calendar.monthrange(year, month)[1]
    d = _at8(year, month, last)
    return d - timedelta(days=(d.weekday() - 4) % 7)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def demo_expiries(as_of: datetime) -> dict[datetime, str]:
    """Expiry → kind (``daily``, ``weekly``, ``monthly``, ``quarterly``; the strongest kind wins on overlaps)."""
    first = _at8(as_of.year, as_of.month, as_of.day)
    if first <= as_of:
        first += timedelta(days=1)
    kinds: dict[datetime, str] = {first + timedelta(days=k): "daily" for k in range(2)}
    friday = first + timedelta(days=(4 - first.weekday()) % 7)
    for k in range(4):
        kinds[friday + timedelta(weeks=k)] = "weekly"
    year, month = as_of.year, as_of.month
    monthly: list[datetime] = []
    while len(monthly) < 3:
        lf = _last_friday(year, month)
        if lf > as_of:
            monthly.append(lf)
            kinds[lf] = "quarterly" if month in (3, 6, 9, 12) else "monthly"
        year, month = _next_month(year, month)
    quarterly = 0
    while quarterly < 2:
        if month in (3, 6, 9, 12):
            kinds[_last_friday(year, month)] = "quarterly"
            quarterly += 1
        year, month = _next_month(year, month)
    return dict(sorted(kinds.items()))


def black76_coin_price(forward: np.ndarray, strike: np.ndarray, t_years: np.ndarray, iv: np.ndarray, is_call):
    """Black-76 (r = 0) option price in units of the underlying coin (USD price ÷ F)."""
    t = np.maximum(t_years, T_FLOOR_YEARS)
    sd = iv * np.sqrt(t)
    d1 = (np.log(forward / strike) + 0.5 * sd**2) / sd
    d2 = d1 - sd
    k = strike / forward
    return np.where(is_call, norm_cdf(d1) - k * norm_cdf(d2), k * norm_cdf(-d2) - norm_cdf(-d1))


def _strikes(asset: str, spot: float, forward: float, atm_iv: float, t: float) -> np.ndarray:
    near, mid, far = _options(asset).strike_steps_usd
    sd = atm_iv * np.sqrt(max(t, 1.0 / 365))
    lo = forward * max(np.exp(-3.5 * sd), 0.4)
    hi = forward * min(np.exp(3.5 * sd), 2.2)
    parts = []
    for step, band_lo, band_hi in ((near, 0.0, 0.10), (mid, 0.10, 0.25), (far, 0.25, np.inf)):
        grid = np.arange(np.ceil(lo / step), np.floor(hi / step) + 1) * step
        dist = np.abs(grid / spot - 1.0)
        parts.append(grid[(dist >= band_lo) & (dist <= band_hi)] if band_lo > 0 else grid[dist <= band_hi])
    return np.unique(np.concatenate(parts))


def _instrument(asset: str, expiry: datetime, strike: float, is_call: bool) -> str:
    day = f"{expiry.day}{_MONTHS[expiry.month - 1]}{expiry.year % 100:02d}"
    return f"{asset}-{day}-{int(strike)}-{'C' if is_call else 'P'}"


def build_option_chain(timeline: Timeline, asset: str, asset_code: int, spot_usd: float) -> OptionChain:
    rng = timeline.rng(asset_code, _STREAM_OPTIONS)
    profile = _options(asset)
    a, b = _SKEW[asset]
    round1, round2 = profile.round_strike_usd
    expiries = demo_expiries(timeline.as_of)
    total_weight = sum(_KIND_WEIGHT[k] for k in expiries.values())
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("exp", "k", "call", "iv", "oi", "vol", "fwd", "t")}
    names: list[str] = []
    for expiry, kind in expiries.items():
        t = max((expiry - timeline.as_of).total_seconds() / YEAR_S, T_FLOOR_YEARS)
        atm = profile.atm_iv_short + (profile.atm_iv_long - profile.atm_iv_short) * (1 - np.exp(-t / 0.25))
        forward = spot_usd * np.exp(_CONTANGO[asset] * t)
        strikes = _strikes(asset, spot_usd, forward, atm, t)
        k = np.repeat(strikes, 2)
        call = np.tile([True, False], len(strikes))
        x = np.log(k / forward) / np.sqrt(max(t, 7 / 365))
        noise = np.repeat(0.002 * rng.standard_normal(len(strikes)), 2)  # one IV per strike: calls = puts
        iv = np.clip(atm + a * x + b * x**2 + noise, 0.08, 2.5)
        width = max(0.08, atm * np.sqrt(t))
        moneyness = np.exp(-0.5 * (np.log(k / forward) / width) ** 2)
        roundness = np.where(k % round2 == 0, 4.0, np.where(k % round1 == 0, 2.2, 1.0))
        otm_side = np.where(call, k > spot_usd, k < spot_usd)
        tilt = np.where(otm_side, np.where(call, 1.5, 1.6), 0.35)
        weight = moneyness * roundness * tilt * np.exp(0.5 * rng.standard_normal(len(k)))
        expiry_oi = profile.oi_total_base * _KIND_WEIGHT[kind] / total_weight
        oi = np.round(expiry_oi * weight / weight.sum(), 1)
        turnover = 0.6 * np.exp(-t / 0.02) + 0.04
        vol = np.round(
            oi
            * turnover
            * np.exp(-0.5 * (np.log(k / forward) / (0.6 * width)) ** 2 + 0.6 * rng.standard_normal(len(k))),
            1,
        )
        cols["exp"].append(np.full(len(k), int(expiry.timestamp() * 1000), dtype=np.int64))
        cols["k"].append(k)
        cols["call"].append(call)
        cols["iv"].append(iv)
        cols["oi"].append(oi)
        cols["vol"].append(vol)
        cols["fwd"].append(np.full(len(k), forward))
        cols["t"].append(np.full(len(k), t))
        names.extend(_instrument(asset, expiry, s, c) for s, c in zip(k.tolist(), call.tolist(), strict=True))
    c = {key: np.concatenate(v) for key, v in cols.items()}
    return OptionChain(
        currency=asset,
        instrument=tuple(names),
        expiry=ms_to_dt64(c["exp"]),
        strike=c["k"],
        is_call=c["call"].astype(np.bool_),
        mark_iv=c["iv"],
        oi_base=c["oi"],
        volume_base=c["vol"],
        underlying_price_usd=c["fwd"],
        mark_price_coin=black76_coin_price(c["fwd"], c["k"], c["t"], c["iv"], c["call"]),
        index_price_usd=float(spot_usd),
        source=demo_source("deribit/get_book_summary_by_currency", timeline.last_close, timeline.as_of),
    )


def _options(asset: str) -> OptionsProfile:
    profile = ASSETS[asset].options
    if profile is None:
        raise ValueError(f"{asset} has no listed options in the demo scenario")
    return profile
