"""Smile, ATM IV, 25-delta risk reversal and butterfly per expiry; constant-maturity IV across expiries.

Conventions (DOMAIN.md §3):
- Smile point per listed strike: the OUT-of-the-money option's mark IV (put for K < F, call for K ≥ F); if that
  one has no IV, the other option at the same strike.
- ATM IV: forward-ATM, i.e. the smile interpolated linearly in log-moneyness ``ln(K/F)`` at 0.
- 25Δ: each smile point gets its Black-76 call delta ``N(d1)`` at its own IV; IV(25Δ call) is the smile
  interpolated linearly in call delta at 0.25 and IV(25Δ put) at call delta 0.75 (put delta −0.25, as
  put delta = call delta − 1 with r = 0). ``RR25 = IV25c − IV25p`` (negative: puts richer),
  ``BF25 = ½(IV25c + IV25p) − IV_ATM``. No extrapolation: a point outside the listed smile is None. No
  interpolation across the ATM gap either: the 25Δ call must lie between two strikes at or above the forward and
  the 25Δ put between two strikes at or below it. Near expiry (hours) the smile's delta jumps from ~0.8 to ~0.2
  between the two strikes either side of the forward, and a "25Δ" IV interpolated across that gap mixes an ITM and
  an OTM option's IV; RR25/BF25 are then None with that reason.
- Constant maturity: total variance ``w = σ²T`` interpolated linearly in T between the bracketing expiries,
  ``σ(τ) = √(w(τ)/τ)``; None outside the listed range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.black76 import black76_d1, norm_cdf
from derivintel.core.result import Result


@dataclass(frozen=True, eq=False)
class Smile:
    """Smile of one expiry: ``strikes_usd`` (sorted) and ``iv`` (fraction) of the OTM option at each strike."""

    strikes_usd: np.ndarray
    iv: np.ndarray


@dataclass(frozen=True, slots=True)
class Skew:
    """``atm_iv``, ``iv_25d_call``, ``iv_25d_put``, ``rr25``, ``bf25`` (fractions; None if not interpolable)."""

    atm_iv: float | None
    iv_25d_call: float | None
    iv_25d_put: float | None
    rr25: float | None
    bf25: float | None


def otm_smile(strike_usd: np.ndarray, is_call: np.ndarray, iv: np.ndarray, forward_usd: float) -> Smile:
    """One IV per strike, from the OTM option (see module doc). Strikes without any finite positive IV are dropped.

    Several rows of the preferred kind at one strike are averaged; grouping by ``np.unique`` keeps it O(n log n)."""
    k = np.asarray(strike_usd, dtype=float)
    c = np.asarray(is_call, dtype=bool)
    v = np.asarray(iv, dtype=float)
    good = np.isfinite(v) & (v > 0)
    k, c, v = k[good], c[good], v[good]
    strikes, at = np.unique(k, return_inverse=True)
    m = len(strikes)
    preferred = c == (k >= forward_usd)  # call at or above the forward, put below
    n_pref = np.bincount(at, weights=preferred.astype(float), minlength=m)
    sum_pref = np.bincount(at, weights=np.where(preferred, v, 0.0), minlength=m)
    n_all = np.bincount(at, minlength=m).astype(float)
    sum_all = np.bincount(at, weights=v, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n_pref > 0, sum_pref / n_pref, sum_all / n_all)
    return Smile(strikes_usd=strikes, iv=out)


def _interp_inside(x: float, xs: np.ndarray, ys: np.ndarray) -> float | None:
    if xs.size < 2 or x < xs.min() or x > xs.max():
        return None
    order = np.argsort(xs, kind="stable")
    return float(np.interp(x, xs[order], ys[order]))


def _interp_one_side(x: float, xs: np.ndarray, ys: np.ndarray, side: np.ndarray) -> tuple[float | None, bool]:
    """``x`` interpolated in ``(xs, ys)`` when both bracketing points are on ``side`` (a mask); the flag says
    the bracket straddled the ATM gap (value None then)."""
    value = _interp_inside(x, xs, ys)
    if value is None:
        return None, False
    order = np.argsort(xs, kind="stable")
    xo, so = xs[order], side[order]
    hi = int(np.searchsorted(xo, x, side="left"))
    lo = max(hi - 1, 0) if hi < xo.size and xo[hi] != x else hi
    hi = min(hi, xo.size - 1)
    if not (so[lo] and so[hi]):
        return None, True
    return value, False


def expiry_skew(smile: Smile, forward_usd: float, t_years: float) -> Result[Skew]:
    """ATM IV, RR25 and BF25 of one expiry from its smile (forward ``forward_usd``, ``t_years`` to expiry)."""
    if smile.strikes_usd.size < 2 or not np.isfinite(forward_usd) or forward_usd <= 0:
        return Result.missing("fewer than two strikes with a mark IV, or no forward")
    log_m = np.log(smile.strikes_usd / forward_usd)
    atm = _interp_inside(0.0, log_m, smile.iv)
    call_delta = norm_cdf(black76_d1(forward_usd, smile.strikes_usd, t_years, smile.iv))
    iv25c, gap_c = _interp_one_side(0.25, call_delta, smile.iv, smile.strikes_usd >= forward_usd)
    iv25p, gap_p = _interp_one_side(0.75, call_delta, smile.iv, smile.strikes_usd <= forward_usd)
    rr = iv25c - iv25p if iv25c is not None and iv25p is not None else None
    bf = 0.5 * (iv25c + iv25p) - atm if rr is not None and atm is not None else None
    reasons = []
    if atm is None:
        reasons.append("forward outside the listed strikes: no ATM IV")
    if gap_c or gap_p:
        which = " and ".join(n for n, g in (("call", gap_c), ("put", gap_p)) if g)
        reasons.append(
            f"25-delta {which} falls between the strikes either side of the forward (ATM gap): "
            "not interpolated, no RR25/BF25"
        )
    elif rr is None:
        reasons.append("25-delta points outside the listed smile: no RR25/BF25")
    value = Skew(atm_iv=atm, iv_25d_call=iv25c, iv_25d_put=iv25p, rr25=rr, bf25=bf)
    return Result.of(value, reasons=reasons, partial=bool(reasons), params={"atm": "forward (K = F)"})


def constant_maturity_iv(t_years: np.ndarray, iv: np.ndarray, target_t_years: float) -> float | None:
    """IV at ``target_t_years`` by linear interpolation of total variance σ²T in T; None outside the range
    of the finite points given (no extrapolation)."""
    t = np.asarray(t_years, dtype=float)
    v = np.asarray(iv, dtype=float)
    ok = np.isfinite(t) & np.isfinite(v) & (t > 0)
    t, v = t[ok], v[ok]
    if t.size == 0 or target_t_years < t.min() or target_t_years > t.max():
        return None
    order = np.argsort(t, kind="stable")
    w = float(np.interp(target_t_years, t[order], (v * v * t)[order]))
    return float(np.sqrt(w / target_t_years))
