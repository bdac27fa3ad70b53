"""Implied-volatility surface: IV by delta at constant maturities, an SVI slice per expiry, arbitrage checks.

Inputs are the per-expiry OTM smiles of :func:`analyze_chain` (strike USD, IV fraction, forward USD, days).

- **IV by delta.** Each smile point gets its Black-76 call delta ``N(d1)`` at its own IV (r = 0, as Deribit). The
  IV at call delta ``Δ`` is the smile interpolated linearly in delta. Wings use their own side only: a call delta
  below 0.5 (10Δ/25Δ calls) must be bracketed by strikes at or above the forward, above 0.5 (25Δ/10Δ puts, i.e.
  call delta 0.75/0.90) by strikes at or below it; 50Δ may straddle it. No extrapolation: None outside the smile.
- **Constant maturity.** Per delta, total variance ``σ²T`` interpolated linearly in T between the bracketing
  expiries (:func:`constant_maturity_iv`); expiries within 24 h are left out (their smile is a few strikes wide);
  None outside the listed range.
- **SVI** (Gatheral's raw parametrisation) per expiry: ``w(k) = a + b(ρ(k − m) + √((k − m)² + s²))`` in total
  variance ``w = σ²T`` against log-moneyness ``k = ln(K/F)``. For fixed ``(m, s)`` the fit is linear in
  ``(a, bρ, b)`` (Zeliade's quasi-explicit method), so ``(m, s)`` are searched on a grid refined twice and the rest
  solved by least squares; a slice whose parameters break ``b ≥ 0``, ``|ρ| < 1`` or ``a + b s √(1 − ρ²) ≥ 0`` is
  reported as not valid with the reason. Fit error is the RMSE in IV (fraction) over the smile's points.
- **Arbitrage checks** on the market smiles, not the fit. Calendar: at a fixed ``k`` inside both smiles, total
  variance must not fall from one expiry to the next (tolerance ``CALENDAR_TOL``, relative). Butterfly: Black-76
  call prices at the smile strikes must be convex and non-increasing in strike, beyond the error that rounding can
  cause: the quoted IV to ``IV_QUOTE_STEP`` (vega × half a step) and the mark to the ``PRICE_TICK_COIN`` tick.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from derivintel.analytics.options.skew import constant_maturity_iv
from derivintel.core.black76 import black76_d1, black76_price, norm_cdf, norm_pdf
from derivintel.core.provenance import Source
from derivintel.core.result import Result

CALL_DELTAS = (0.10, 0.25, 0.50, 0.75, 0.90)
TENORS_DAYS = (7.0, 30.0, 60.0, 90.0, 180.0)
MIN_EXPIRY_DAYS = 1.0
CALENDAR_TOL = 1e-3
IV_QUOTE_STEP = 1e-4  # Deribit quotes mark IV in percent with two decimals
PRICE_TICK_COIN = 1e-4  # Deribit's BTC/ETH option tick: a wing mark sits on it and its IV inherits the rounding
SVI_MIN_POINTS = 5


@dataclass(frozen=True, slots=True)
class SmileInput:
    """One expiry's OTM smile: ``strikes_usd`` sorted, ``iv`` fractions, ``forward_usd``, ``days`` to expiry."""

    days: float
    forward_usd: float
    strikes_usd: np.ndarray
    iv: np.ndarray


@dataclass(frozen=True, slots=True)
class SviSlice:
    """Raw SVI parameters of one expiry (total variance in log-moneyness), fit RMSE in IV (fraction), points used;
    ``valid`` False with ``note`` when a no-arbitrage parameter bound is broken."""

    a: float
    b: float
    rho: float
    m: float
    s: float
    rmse_iv: float
    n_points: int
    valid: bool
    note: str

    def total_variance(self, k: np.ndarray) -> np.ndarray:
        """``w(k)`` of the slice (dimensionless total variance)."""
        x = np.asarray(k, dtype=float) - self.m
        return self.a + self.b * (self.rho * x + np.sqrt(x * x + self.s * self.s))


@dataclass(frozen=True, eq=False)
class VolSurface:
    """``iv[i, j]``: IV (fraction) at tenor ``tenors_days[i]`` and call delta ``call_deltas[j]`` (NaN: not
    interpolable). ``expiry_iv[e, j]``: the same per listed expiry ``expiry_days[e]``. ``svi``: one slice per
    listed expiry (None when too few points). ``calendar_violations`` / ``butterfly_violations``: sentences naming
    where the market smiles break the no-arbitrage conditions (empty when none)."""

    call_deltas: tuple[float, ...]
    tenors_days: tuple[float, ...]
    iv: np.ndarray
    expiry_days: np.ndarray
    expiry_iv: np.ndarray
    svi: tuple[SviSlice | None, ...]
    calendar_violations: tuple[str, ...]
    butterfly_violations: tuple[str, ...]

    def at(self, tenor_days: float, call_delta: float) -> float | None:
        """IV at one grid point, None when not interpolable."""
        v = self.iv[self.tenors_days.index(tenor_days), self.call_deltas.index(call_delta)]
        return float(v) if np.isfinite(v) else None

    def rr25(self, tenor_days: float) -> float | None:
        """25Δ risk reversal ``IV(25Δ call) − IV(25Δ put)`` at a tenor (fraction)."""
        c, p = self.at(tenor_days, 0.25), self.at(tenor_days, 0.75)
        return None if c is None or p is None else c - p

    def bf25(self, tenor_days: float) -> float | None:
        """25Δ butterfly ``½(IV25c + IV25p) − IV(50Δ)`` at a tenor (fraction)."""
        c, p, mid = self.at(tenor_days, 0.25), self.at(tenor_days, 0.75), self.at(tenor_days, 0.50)
        return None if c is None or p is None or mid is None else 0.5 * (c + p) - mid


def iv_at_call_delta(smile: SmileInput, call_delta: float) -> float | None:
    """The smile's IV at ``call_delta`` under the one-side rule of the module doc (None when not interpolable)."""
    k, v, f = smile.strikes_usd, smile.iv, smile.forward_usd
    if k.size < 2:
        return None
    t = max(smile.days, 1e-9) / 365.0
    delta = norm_cdf(black76_d1(f, k, t, v))
    order = np.argsort(delta, kind="stable")
    d, iv_o, k_o = delta[order], v[order], k[order]
    if call_delta < d[0] or call_delta > d[-1]:
        return None
    hi = int(np.searchsorted(d, call_delta, side="left"))
    lo = hi if d[hi] == call_delta else hi - 1
    if call_delta < 0.5 and not (k_o[lo] >= f and k_o[hi] >= f):
        return None
    if call_delta > 0.5 and not (k_o[lo] <= f and k_o[hi] <= f):
        return None
    return float(np.interp(call_delta, d, iv_o))


def fit_svi(k: np.ndarray, w: np.ndarray, t_years: float, *, grid: int = 21, refinements: int = 2) -> SviSlice | None:
    """Least-squares raw SVI slice through points ``(k, w)`` of an expiry ``t_years`` away (module doc); None with
    fewer than ``SVI_MIN_POINTS`` points. The RMSE is in IV: ``√(w/T)`` fitted against market."""
    k = np.asarray(k, dtype=float)
    w = np.asarray(w, dtype=float)
    ok = np.isfinite(k) & np.isfinite(w) & (w > 0)
    k, w = k[ok], w[ok]
    if k.size < SVI_MIN_POINTS:
        return None
    span = float(k.max() - k.min()) or 0.1
    m_lo, m_hi = float(k.min()), float(k.max())
    s_lo, s_hi = 1e-3 * span, 2.0 * span
    m = s = 0.0
    coef = np.zeros(3)
    n, sk, skk, sw, skw, sww = k.size, k.sum(), (k * k).sum(), w.sum(), (k * w).sum(), (w * w).sum()
    for _ in range(refinements + 1):
        mm, sg = (g.ravel() for g in np.meshgrid(np.linspace(m_lo, m_hi, grid), np.geomspace(s_lo, s_hi, grid)))
        x = k[None, :] - mm[:, None]  # (candidates, points); the model is w = a + c·x + b·r, c = bρ
        r = np.sqrt(x * x + (sg * sg)[:, None])
        sx, sxx = sk - n * mm, skk - 2 * mm * sk + n * mm * mm  # Σx and Σx² in closed form
        sr, sxr, srr = r.sum(axis=1), (x * r).sum(axis=1), sxx + n * sg * sg
        gram = np.stack(
            [np.stack([np.full_like(sx, n), sx, sr], -1), np.stack([sx, sxx, sxr], -1), np.stack([sr, sxr, srr], -1)],
            axis=-2,
        ) + 1e-14 * np.eye(3)
        rhs = np.stack([np.full_like(sx, sw), skw - mm * sw, r @ w], axis=-1)
        coefs = np.linalg.solve(gram, rhs[..., None])[..., 0]
        sse = sww - np.einsum("ni,ni->n", coefs, rhs)  # least squares: SSE = w·w − β·(Xᵀw)
        i = int(np.argmin(sse))
        m, s, coef = float(mm[i]), float(sg[i]), coefs[i]
        m_step, s_ratio = (m_hi - m_lo) / (grid - 1), (s_hi / s_lo) ** (1.0 / (grid - 1))
        m_lo, m_hi, s_lo, s_hi = m - m_step, m + m_step, s / s_ratio, s * s_ratio
    a, c, b = (float(v) for v in coef)
    rho = c / b if b != 0 else 0.0
    notes = []
    if b < 0:
        notes.append("b < 0")
    if not abs(rho) < 1:
        notes.append("|rho| >= 1")
    elif b >= 0 and a + b * s * np.sqrt(1 - rho * rho) < 0:
        notes.append("negative minimum total variance")
    x = k - m
    w_fit = a + b * (rho * x + np.sqrt(x * x + s * s))
    rmse = float(np.sqrt(np.mean((np.sqrt(np.maximum(w_fit, 0.0)) - np.sqrt(w)) ** 2) / t_years))
    return SviSlice(a, b, rho, m, s, rmse, int(k.size), not notes, "; ".join(notes))


def _butterfly_violations(sm: SmileInput) -> list[str]:
    t = max(sm.days, 1e-9) / 365.0
    k = sm.strikes_usd
    if k.size < 3:
        return []
    call = black76_price(sm.forward_usd, k, t, sm.iv, True)
    # price error bound per strike (USD): the quoted IV's rounding, vega · IV_QUOTE_STEP / 2 (vega in USD per 1.00
    # of σ), plus the mark price's own rounding to the tick, PRICE_TICK_COIN · F / 2
    vega = sm.forward_usd * norm_pdf(black76_d1(sm.forward_usd, k, t, sm.iv)) * np.sqrt(t)
    err = vega * IV_QUOTE_STEP / 2 + PRICE_TICK_COIN * sm.forward_usd / 2
    out = []
    if np.any(np.diff(call) > err[1:] + err[:-1]):
        out.append(f"{sm.days:.0f}d: call price rises with strike")
    lam = (k[2:] - k[1:-1]) / (k[2:] - k[:-2])  # C(K_i) ≤ λ C(K_i−1) + (1 − λ) C(K_i+1) when convex
    excess = call[1:-1] - (lam * call[:-2] + (1 - lam) * call[2:])
    bad = int((excess > err[1:-1] + lam * err[:-2] + (1 - lam) * err[2:]).sum())
    if bad:
        out.append(f"{sm.days:.0f}d: call prices not convex at {bad} strike(s)")
    return out


def _calendar_violations(smiles: Sequence[SmileInput]) -> list[str]:
    out = []
    for near, far in itertools.pairwise(smiles):
        kn, kf = np.log(near.strikes_usd / near.forward_usd), np.log(far.strikes_usd / far.forward_usd)
        lo, hi = max(kn.min(), kf.min()), min(kn.max(), kf.max())
        if not hi > lo:
            continue
        grid = np.linspace(lo, hi, 41)
        wn = np.interp(grid, kn, near.iv**2 * near.days / 365.0)
        wf = np.interp(grid, kf, far.iv**2 * far.days / 365.0)
        bad = int((wf < wn * (1.0 - CALENDAR_TOL)).sum())
        if bad:
            out.append(f"{near.days:.0f}d→{far.days:.0f}d: total variance falls at {bad} of 41 log-moneyness points")
    return out


def build_surface(smiles: Sequence[SmileInput], *, sources: Sequence[Source] = ()) -> Result[VolSurface]:
    """IV by delta at constant maturities, SVI slices and arbitrage checks from per-expiry smiles (module doc);
    ``sources`` are the chain's, cited by the result."""
    usable = sorted((s for s in smiles if s.days > MIN_EXPIRY_DAYS and s.strikes_usd.size >= 2), key=lambda s: s.days)
    params = {"call_deltas": CALL_DELTAS, "tenors_days": TENORS_DAYS, "min_expiry_days": MIN_EXPIRY_DAYS}
    if not usable:
        return Result.missing("no expiry beyond 24 h with a smile of two or more strikes", params=params)
    days = np.array([s.days for s in usable])
    by_expiry = np.array(
        [[np.nan if (v := iv_at_call_delta(s, d)) is None else v for d in CALL_DELTAS] for s in usable]
    )
    grid = np.full((len(TENORS_DAYS), len(CALL_DELTAS)), np.nan)
    for j in range(len(CALL_DELTAS)):
        for i, tenor in enumerate(TENORS_DAYS):
            v = constant_maturity_iv(days / 365.0, by_expiry[:, j], tenor / 365.0)
            grid[i, j] = np.nan if v is None else v
    slices: list[SviSlice | None] = []
    for s in usable:
        t = s.days / 365.0
        slices.append(fit_svi(np.log(s.strikes_usd / s.forward_usd), s.iv**2 * t, t))
    butterfly = [v for s in usable for v in _butterfly_violations(s)]
    calendar = _calendar_violations(usable)
    reasons = []
    if not np.isfinite(grid).any():
        reasons.append("no tenor inside the listed expiries has an IV at any delta")
    surface = VolSurface(
        CALL_DELTAS, TENORS_DAYS, grid, days, by_expiry, tuple(slices), tuple(calendar), tuple(butterfly)
    )
    return Result.of(surface, sources=sources, params=params, reasons=reasons, partial=bool(reasons))
