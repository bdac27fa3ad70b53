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
    """Sorted unique strikes and the pain (USD) at each, in O(n log n) time and O(n) memory.

    OI (coins) is summed per strike; between consecutive strikes ``X_{j−1} < X_j`` the call pain grows by
    ``(X_j − X_{j−1}) · Σ_{K ≤ X_{j−1}} OI_c(K)`` and, from the top, the put pain by the same step times
    ``Σ_{K ≥ X_j} OI_p(K)``. Every term is non-negative for non-negative OI, so the running sums carry no
    cancellation: each value is within ``≈ 2·n_strikes·ε`` (relative) of the exact pain."""
    k = np.asarray(strike_usd, dtype=float)
    oi = np.asarray(oi_base, dtype=float)
    call = np.asarray(is_call, dtype=bool)
    strikes, at = np.unique(k, return_inverse=True)
    m = len(strikes)
    call_oi = np.bincount(at, weights=np.where(call, oi, 0.0), minlength=m)
    put_oi = np.bincount(at, weights=np.where(call, 0.0, oi), minlength=m)
    step = np.diff(strikes)
    call_pain = np.zeros(m)
    put_pain = np.zeros(m)
    if m > 1:
        call_pain[1:] = np.cumsum(step * np.cumsum(call_oi)[:-1])
        put_pain[:-1] = np.cumsum((step * np.cumsum(put_oi[::-1])[::-1][1:])[::-1])[::-1]
    return strikes, call_pain + put_pain


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
