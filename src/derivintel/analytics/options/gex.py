"""Gamma exposure (GEX) in USD per 1% move of the underlying, by option, strike and expiry; zero-gamma flip.

Per option (DOMAIN.md §3): ``GEX = s · Γ_F · OI · F² · 0.01`` where ``Γ_F`` is the Black-76 gamma per USD of that
option's forward F, OI in coins (contract size 1 coin) and ``s`` the dealer-position sign of the scenario:
``DEALERS_LONG_CALLS_SHORT_PUTS`` (default: calls +, puts −) or ``DEALERS_SHORT_CALLS_LONG_PUTS`` (calls −, puts +).
``Γ_F · F²`` equals spot gamma × S² (dollar gamma), so the figure is "USD of delta the dealers must trade per 1%
move". Positive net GEX: hedging dampens moves; negative: amplifies them (size, not direction).

Flip sweep: spot levels ``linspace(0.8 S, 1.2 S, 60)``; each option's forward moves proportionally with spot
(F' = F·S'/S), IV, OI and T are fixed. The zero-gamma flip is the sign change of total GEX nearest to S,
interpolated linearly between the two levels; None ("no flip in range") when total GEX keeps one sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from derivintel.core.black76 import norm_pdf
from derivintel.core.result import Result

FLIP_LEVELS = 60
FLIP_RANGE = (0.8, 1.2)


class DealerScenario(StrEnum):
    """Assumed dealer positioning that sets the sign of GEX."""

    DEALERS_LONG_CALLS_SHORT_PUTS = "dealers_long_calls_short_puts"
    DEALERS_SHORT_CALLS_LONG_PUTS = "dealers_short_calls_long_puts"

    def signs(self, is_call: np.ndarray) -> np.ndarray:
        """+1/−1 per option under this scenario."""
        call_sign = 1.0 if self is DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS else -1.0
        return np.where(np.asarray(is_call, dtype=bool), call_sign, -call_sign)


def dollar_gamma_per_1pct(forward_usd, strike_usd, t_years, iv, oi_base) -> np.ndarray:
    """Unsigned ``Γ_F · OI · F² · 0.01`` (USD per 1% move) per option = ``φ(d1)·F·OI·0.01/(σ√T)``.
    NaN where σ or T is not positive."""
    f = np.asarray(forward_usd, dtype=float)
    sigma = np.asarray(iv, dtype=float)
    sig_sqrt_t = np.where(sigma > 0, sigma, np.nan) * np.sqrt(np.where(np.asarray(t_years) > 0, t_years, np.nan))
    d1 = (np.log(f / np.asarray(strike_usd, dtype=float)) + 0.5 * sig_sqrt_t * sig_sqrt_t) / sig_sqrt_t
    return norm_pdf(d1) * f * np.asarray(oi_base, dtype=float) * 0.01 / sig_sqrt_t


def signed_gex(
    forward_usd,
    strike_usd,
    t_years,
    iv,
    oi_base,
    is_call,
    scenario: DealerScenario = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS,
) -> np.ndarray:
    """Signed GEX (USD per 1% move) per option under ``scenario``; NaN where IV is missing."""
    return scenario.signs(is_call) * dollar_gamma_per_1pct(forward_usd, strike_usd, t_years, iv, oi_base)


@dataclass(frozen=True, eq=False)
class GexByStrike:
    """Signed GEX aggregated per strike (USD per 1% move): ``strikes_usd`` sorted, ``call``, ``put``, ``net``."""

    strikes_usd: np.ndarray
    call: np.ndarray
    put: np.ndarray
    net: np.ndarray


def gex_by_strike(strike_usd: np.ndarray, is_call: np.ndarray, gex: np.ndarray) -> GexByStrike:
    """Sum signed per-option GEX by strike (NaN rows are skipped: they have no IV)."""
    strikes, idx = np.unique(np.asarray(strike_usd, dtype=float), return_inverse=True)
    g = np.nan_to_num(np.asarray(gex, dtype=float), nan=0.0)
    c = np.asarray(is_call, dtype=bool)
    call = np.bincount(idx, weights=np.where(c, g, 0.0), minlength=strikes.size)
    put = np.bincount(idx, weights=np.where(c, 0.0, g), minlength=strikes.size)
    return GexByStrike(strikes_usd=strikes, call=call, put=put, net=call + put)


def walls(by_strike: GexByStrike, spot_usd: float) -> tuple[float | None, float | None]:
    """(call wall, put wall): the strike above spot with the largest |call GEX| and the strike below spot with
    the largest |put GEX|. Magnitudes are used so the walls do not depend on the dealer scenario; None when there
    is no call gamma above (put gamma below) spot."""
    k = by_strike.strikes_usd
    above = (k > spot_usd) & (np.abs(by_strike.call) > 0)
    below = (k < spot_usd) & (np.abs(by_strike.put) > 0)
    call_wall = float(k[above][np.argmax(np.abs(by_strike.call[above]))]) if above.any() else None
    put_wall = float(k[below][np.argmax(np.abs(by_strike.put[below]))]) if below.any() else None
    return call_wall, put_wall


SWEEP_BLOCK_ELEMENTS = 1 << 16  # levels × options values per block of the flip sweep (512 KiB per temporary)


@dataclass(frozen=True, eq=False)
class FlipSweep:
    """Total signed GEX (USD per 1% move) at each swept spot level, and the interpolated flip (None if no sign
    change in range)."""

    spots_usd: np.ndarray
    gex_usd_per_1pct: np.ndarray
    flip_usd: float | None


def sweep_total_gex(
    forward_usd, strike_usd, t_years, iv, oi_base, is_call, spot_usd: float, scenario: DealerScenario, spots_usd
) -> np.ndarray:
    """Total signed GEX at each level of ``spots_usd`` (forwards scaled by level/spot). Options without IV are
    skipped. Levels go in blocks of at most ``SWEEP_BLOCK_ELEMENTS`` (levels × options) values, so memory is
    O(options) and the temporaries stay in cache (all 60 levels of 100k options would be 48 MB per temporary);
    each level's sum is the same contiguous row reduction whatever the block, so the totals do not depend on it."""
    f = np.asarray(forward_usd, dtype=float)
    sigma = np.asarray(iv, dtype=float)
    t = np.asarray(t_years, dtype=float)
    keep = np.isfinite(sigma) & (sigma > 0) & (t > 0) & np.isfinite(f)
    f, sigma, t = f[keep], sigma[keep], t[keep]
    k = np.asarray(strike_usd, dtype=float)[keep]
    w = scenario.signs(np.asarray(is_call)[keep]) * np.asarray(oi_base, dtype=float)[keep] * 0.01
    v = sigma * np.sqrt(t)
    scale = np.asarray(spots_usd, dtype=float) / spot_usd
    log_fk = np.log(f / k)
    half_var = 0.5 * (v * v)
    weight = (f * w / v)[None, :]
    log_scale = np.log(scale)
    total = np.empty(len(scale))
    step = max(1, SWEEP_BLOCK_ELEMENTS // max(len(v), 1))
    for start in range(0, len(scale), step):
        block = slice(start, start + step)
        d1 = (log_fk[None, :] + log_scale[block, None] + half_var[None, :]) / v[None, :]
        # Γ_F · F'^2 = φ(d1)·F'/(σ√T) with F' = F·scale
        total[block] = (norm_pdf(d1) * weight).sum(axis=1)
    return total * scale


def _flip_from_sweep(spots: np.ndarray, gex: np.ndarray, spot_usd: float) -> float | None:
    s = np.sign(gex)
    candidates: list[float] = []
    for i in range(len(gex) - 1):
        if s[i] == 0 and (i == 0 or s[i - 1] != 0):
            candidates.append(float(spots[i]))
        elif s[i] * s[i + 1] < 0:
            g0, g1 = gex[i], gex[i + 1]
            candidates.append(float(spots[i] + (spots[i + 1] - spots[i]) * g0 / (g0 - g1)))
    if s[-1] == 0 and len(gex) > 1 and s[-2] != 0:
        candidates.append(float(spots[-1]))
    if not candidates:
        return None
    return min(candidates, key=lambda x: abs(x - spot_usd))


def gamma_flip(
    forward_usd,
    strike_usd,
    t_years,
    iv,
    oi_base,
    is_call,
    *,
    spot_usd: float,
    scenario: DealerScenario = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS,
    levels: int = FLIP_LEVELS,
    span: tuple[float, float] = FLIP_RANGE,
) -> Result[FlipSweep]:
    """Sweep spot over ``span`` × spot on ``levels`` levels and locate the zero-gamma flip (see module doc).

    The sweep is always returned when computable; ``flip_usd`` is None with reason "no flip in range" when total
    GEX does not change sign. Several sign changes: the one nearest to spot is reported (reason says so).
    """
    if not np.isfinite(spot_usd) or spot_usd <= 0:
        return Result.missing("no spot price for the flip sweep")
    oi = np.asarray(oi_base, dtype=float)
    if oi.size == 0 or np.nansum(oi) <= 0:
        return Result.missing("no open interest: no gamma to sweep")
    spots = np.linspace(span[0] * spot_usd, span[1] * spot_usd, levels)
    gex = sweep_total_gex(forward_usd, strike_usd, t_years, iv, oi_base, is_call, spot_usd, scenario, spots)
    flip = _flip_from_sweep(spots, gex, spot_usd)
    reasons = []
    if flip is None:
        reasons.append("no flip in range")
    else:
        n_changes = int((np.sign(gex[:-1]) * np.sign(gex[1:]) < 0).sum())
        if n_changes > 1:
            reasons.append(f"{n_changes} sign changes in range; the one nearest to spot is reported")
    params = {"levels": levels, "span": span, "scenario": scenario.value}
    return Result.of(FlipSweep(spots, gex, flip), reasons=reasons, params=params)
