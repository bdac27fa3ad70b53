"""OI flow: change of open interest (coins) by strike between two snapshots of the same chain.

Instruments are outer-joined on their name: one present in only one snapshot counts as OI 0 in the other
(listed or expired in between), so the per-strike changes sum exactly to the change in total OI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.result import Result
from derivintel.domain.options import OptionChain


@dataclass(frozen=True, eq=False)
class OiFlow:
    """``strikes_usd`` sorted; ``call_change_base``, ``put_change_base``, ``change_base`` (= call + put) in coins
    per strike; ``total_change_base`` = total OI after − total OI before; ``n_new``/``n_gone``: instruments
    listed/expired in between."""

    strikes_usd: np.ndarray
    call_change_base: np.ndarray
    put_change_base: np.ndarray
    change_base: np.ndarray
    total_change_base: float
    n_new: int
    n_gone: int


def oi_flow(before: OptionChain, after: OptionChain) -> Result[OiFlow]:
    """OI change by strike from ``before`` to ``after`` (same currency). NaN OI counts as absent (0)."""
    if before.currency != after.currency:
        return Result.missing(f"different currencies: {before.currency} vs {after.currency}")
    rows: dict[str, list[float]] = {}  # name -> [strike, is_call, oi_before, oi_after]
    for chain, col in ((before, 2), (after, 3)):
        oi = np.nan_to_num(np.asarray(chain.oi_base, dtype=float), nan=0.0)
        for name, strike, call, value in zip(chain.instrument, chain.strike, chain.is_call, oi, strict=True):
            row = rows.setdefault(name, [float(strike), float(call), 0.0, 0.0])
            row[col] += float(value)
    if not rows:
        return Result.missing("both snapshots are empty")
    table = np.array(list(rows.values()), dtype=float)
    before_names = set(before.instrument)
    after_names = set(after.instrument)
    strikes, idx = np.unique(table[:, 0], return_inverse=True)
    change = table[:, 3] - table[:, 2]
    is_call = table[:, 1] > 0
    call = np.bincount(idx, weights=np.where(is_call, change, 0.0), minlength=strikes.size)
    put = np.bincount(idx, weights=np.where(is_call, 0.0, change), minlength=strikes.size)
    total = float(np.nansum(after.oi_base) - np.nansum(before.oi_base))
    value = OiFlow(
        strikes_usd=strikes,
        call_change_base=call,
        put_change_base=put,
        change_base=call + put,
        total_change_base=total,
        n_new=len(after_names - before_names),
        n_gone=len(before_names - after_names),
    )
    return Result.of(value, sources=(before.source, after.source))
