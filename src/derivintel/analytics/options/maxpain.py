"""Max pain: the settlement price at which option holders' total intrinsic value (writers' payout) is smallest.

``pain(X) = Σ_K OI_c(K)·max(0, X − K) + OI_p(K)·max(0, K − X)`` in USD (OI in coins, contract size 1 coin),
evaluated at every listed strike X. Max pain is ``argmin_X pain(X)``.

Tie rule: strikes whose pain is within ``1e-12 × max(pain)`` of the minimum are ties (guards against float
summation noise); the LOWEST such strike is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.result import Result

TIE_RELATIVE_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False)
class MaxPain:
    """``max_pain_usd``: the strike minimising pain; ``strikes_usd``: sorted unique listed strikes;
    ``pain_usd``: total intrinsic value (USD) paid to holders if the expiry settles at each strike."""

    max_pain_usd: float
    strikes_usd: np.ndarray
    pain_usd: np.ndarray


def pain_curve(strike_usd: np.ndarray, is_call: np.ndarray, oi_base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique strikes and the pain (USD) at each; vectorised as an (n_strikes × n_options) matrix."""
    strikes = np.unique(np.asarray(strike_usd, dtype=float))
    k = np.asarray(strike_usd, dtype=float)[None, :]
    x = strikes[:, None]
    oi = np.asarray(oi_base, dtype=float)[None, :]
    call = np.asarray(is_call, dtype=bool)[None, :]
    intrinsic = np.where(call, np.maximum(x - k, 0.0), np.maximum(k - x, 0.0))
    return strikes, (intrinsic * oi).sum(axis=1)


def max_pain(strike_usd: np.ndarray, is_call: np.ndarray, oi_base: np.ndarray) -> Result[MaxPain]:
    """Max pain of ONE expiry's options (rows: strike USD, call flag, OI in coins). See the module doc for ties."""
    oi = np.asarray(oi_base, dtype=float)
    finite = np.isfinite(oi) & np.isfinite(np.asarray(strike_usd, dtype=float))
    if not finite.any() or oi[finite].sum() <= 0:
        return Result.missing("no open interest in this expiry: max pain undefined")
    strikes, pain = pain_curve(np.asarray(strike_usd)[finite], np.asarray(is_call)[finite], oi[finite])
    tol = TIE_RELATIVE_TOLERANCE * float(pain.max())
    best = int(np.flatnonzero(pain <= pain.min() + tol)[0])  # strikes are sorted: first = lowest
    reasons = () if finite.all() else (f"{int((~finite).sum())} rows without OI or strike ignored",)
    return Result.of(
        MaxPain(max_pain_usd=float(strikes[best]), strikes_usd=strikes, pain_usd=pain),
        params={"tie_rule": "lowest strike among ties"},
        reasons=reasons,
    )
