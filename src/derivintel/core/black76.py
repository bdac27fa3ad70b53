"""Vectorised Black-76 greeks and prices on the forward (Deribit convention, r = 0).

Inputs are numpy arrays (or scalars) that broadcast together:
``forward_usd`` F (the option's underlying/forward price in USD), ``strike_usd`` K, ``t_years`` T (years to
expiry, floored at one hour by :func:`years_to_expiry`), ``iv`` σ as a fraction (0.55, not 55) and ``is_call``.

Formulas (DOMAIN.md §3): ``d1 = (ln(F/K) + σ²T/2)/(σ√T)``, ``d2 = d1 − σ√T``; call delta ``N(d1)``, put delta
``N(d1) − 1``; gamma ``φ(d1)/(F σ √T)`` per USD of forward; vega ``F φ(d1) √T`` USD per 1.00 of vol, reported per
vol point (× 0.01) as Deribit does; price ``F N(d1) − K N(d2)`` (call) and ``K N(−d2) − F N(−d1)`` (put), in USD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.core.timeutil import to_datetime64

SECONDS_PER_YEAR = 365.0 * 86_400.0
MIN_T_YEARS = 3600.0 / SECONDS_PER_YEAR  # one-hour floor on time to expiry
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
_SQRT_HALF = math.sqrt(0.5)


@dataclass(frozen=True, eq=False)
class Greeks:
    """Black-76 greeks per option (arrays aligned with the inputs).

    ``delta`` (call or put, per ``is_call``; dimensionless), ``call_delta``, ``gamma_per_usd`` (change of delta per
    USD of forward), ``vega_usd_per_vol_point`` (USD per 0.01 of σ), ``price_usd`` (Black-76 value in USD),
    ``d1``.
    """

    delta: np.ndarray
    call_delta: np.ndarray
    gamma_per_usd: np.ndarray
    vega_usd_per_vol_point: np.ndarray
    price_usd: np.ndarray
    d1: np.ndarray


def years_to_expiry(expiry: np.ndarray, as_of: datetime, *, floor_years: float = MIN_T_YEARS) -> np.ndarray:
    """Years (365-day) from ``as_of`` to each ``expiry`` (``datetime64[ms]``), floored at ``floor_years`` (1 h)."""
    delta_ms = (np.asarray(expiry, dtype="datetime64[ms]") - to_datetime64(as_of)).astype(np.int64)
    return np.maximum(delta_ms / 1000.0 / SECONDS_PER_YEAR, floor_years)


def norm_pdf(x: np.ndarray) -> np.ndarray:
    """Standard normal density φ(x)."""
    return _INV_SQRT_2PI * np.exp(-0.5 * np.square(x))


def norm_cdf(x: np.ndarray | float) -> np.ndarray:
    """Standard normal CDF ``N(x) = ½·erfc(−x/√2)``, element-wise with the C library's ``erfc`` (``math.erfc``).

    Agrees with ``scipy.special.ndtr`` to 2.3e-16 absolute (tests check it) without importing scipy.special, which
    costs ~0.2 s of CPU at start-up; ~0.3 µs per element, i.e. 30 ms for 100k options."""
    a = np.asarray(x, dtype=float)
    flat = (a.ravel() * -_SQRT_HALF).tolist()
    return (0.5 * np.fromiter(map(math.erfc, flat), dtype=float, count=len(flat))).reshape(a.shape)[()]


def black76_d1(forward_usd, strike_usd, t_years, iv) -> np.ndarray:
    """``d1 = (ln(F/K) + σ²T/2)/(σ√T)`` (dimensionless)."""
    sig_sqrt_t = np.asarray(iv, dtype=float) * np.sqrt(t_years)
    return (np.log(np.divide(forward_usd, strike_usd)) + 0.5 * sig_sqrt_t * sig_sqrt_t) / sig_sqrt_t


def black76_price(forward_usd, strike_usd, t_years, iv, is_call) -> np.ndarray:
    """Black-76 option value in USD with r = 0 (call ``F N(d1) − K N(d2)``, put ``K N(−d2) − F N(−d1)``)."""
    f = np.asarray(forward_usd, dtype=float)
    k = np.asarray(strike_usd, dtype=float)
    sig_sqrt_t = np.asarray(iv, dtype=float) * np.sqrt(t_years)
    d1 = (np.log(f / k) + 0.5 * sig_sqrt_t * sig_sqrt_t) / sig_sqrt_t
    d2 = d1 - sig_sqrt_t
    call = f * norm_cdf(d1) - k * norm_cdf(d2)
    put = k * norm_cdf(-d2) - f * norm_cdf(-d1)
    return np.where(is_call, call, put)


def black76_greeks(forward_usd, strike_usd, t_years, iv, is_call) -> Greeks:
    """All greeks at once, vectorised over rows. NaN where σ or T is not positive or an input is NaN."""
    f = np.asarray(forward_usd, dtype=float)
    k = np.asarray(strike_usd, dtype=float)
    t = np.asarray(t_years, dtype=float)
    sigma = np.asarray(iv, dtype=float)
    valid = (sigma > 0) & (t > 0) & (f > 0) & (k > 0)
    sigma = np.where(valid, sigma, np.nan)
    sqrt_t = np.sqrt(np.where(valid, t, np.nan))
    sig_sqrt_t = sigma * sqrt_t
    d1 = (np.log(f / k) + 0.5 * sig_sqrt_t * sig_sqrt_t) / sig_sqrt_t
    d2 = d1 - sig_sqrt_t
    pdf = norm_pdf(d1)
    n_d1 = norm_cdf(d1)
    call_delta = n_d1
    delta = np.where(is_call, n_d1, n_d1 - 1.0)
    gamma = pdf / (f * sig_sqrt_t)
    vega = f * pdf * sqrt_t * 0.01
    price = np.where(is_call, f * n_d1 - k * norm_cdf(d2), k * norm_cdf(-d2) - f * norm_cdf(-d1))
    return Greeks(
        delta=delta,
        call_delta=call_delta,
        gamma_per_usd=gamma,
        vega_usd_per_vol_point=vega,
        price_usd=price,
        d1=d1,
    )


def implied_vol(
    price_usd,
    forward_usd,
    strike_usd,
    t_years,
    is_call,
    *,
    lo: float = 1e-3,
    hi: float = 20.0,
    iterations: int = 100,
) -> np.ndarray:
    """Black-76 implied volatility (fraction) from USD prices by vectorised bisection on ``[lo, hi]``.

    NaN where the price is outside the no-arbitrage range (below intrinsic value or at/above the upper bound)
    of volatilities ``lo``..``hi``. Bisection is slow but cannot diverge; 100 halvings reach ~1e-29 of the bracket.
    """
    p, f, k, t, c = np.broadcast_arrays(
        np.asarray(price_usd, dtype=float),
        np.asarray(forward_usd, dtype=float),
        np.asarray(strike_usd, dtype=float),
        np.asarray(t_years, dtype=float),
        np.asarray(is_call, dtype=bool),
    )
    low = np.full(f.shape, lo)
    high = np.full(f.shape, hi)
    p_low = black76_price(f, k, t, low, c)
    p_high = black76_price(f, k, t, high, c)
    ok = np.isfinite(p) & (p > p_low) & (p < p_high)
    for _ in range(iterations):
        mid = 0.5 * (low + high)
        above = black76_price(f, k, t, mid, c) > p
        high = np.where(above, mid, high)
        low = np.where(above, low, mid)
    return np.where(ok, 0.5 * (low + high), np.nan)
