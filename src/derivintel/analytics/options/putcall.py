"""Put/call ratios by open interest and by 24h volume (both in coins, so the ratio is unit-free)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.result import Result


@dataclass(frozen=True, slots=True)
class PutCall:
    """``call_oi_base``/``put_oi_base`` (coins), ``call_volume_base``/``put_volume_base`` (24h, coins), and the
    ratios ``put_call_oi_ratio`` = put OI / call OI and ``put_call_volume_ratio`` = put volume / call volume
    (None when the denominator is zero)."""

    call_oi_base: float
    put_oi_base: float
    call_volume_base: float
    put_volume_base: float
    put_call_oi_ratio: float | None
    put_call_volume_ratio: float | None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def put_call(is_call: np.ndarray, oi_base: np.ndarray, volume_base: np.ndarray) -> Result[PutCall]:
    """Put/call OI and volume ratios over the given rows (NaN OI/volume rows count as absent, not zero)."""
    call = np.asarray(is_call, dtype=bool)
    oi = np.asarray(oi_base, dtype=float)
    vol = np.asarray(volume_base, dtype=float)
    if call.size == 0 or not np.isfinite(oi).any():
        return Result.missing("no options with open interest")
    c_oi = float(np.nansum(oi[call]))
    p_oi = float(np.nansum(oi[~call]))
    c_vol = float(np.nansum(vol[call]))
    p_vol = float(np.nansum(vol[~call]))
    value = PutCall(c_oi, p_oi, c_vol, p_vol, _ratio(p_oi, c_oi), _ratio(p_vol, c_vol))
    reasons = []
    if value.put_call_oi_ratio is None:
        reasons.append("call OI is zero: put/call OI ratio undefined")
    if value.put_call_volume_ratio is None:
        reasons.append("call 24h volume is zero or absent: put/call volume ratio undefined")
    if not np.isfinite(vol).all():
        reasons.append(f"{int((~np.isfinite(vol)).sum())} rows without 24h volume")
    return Result.of(value, reasons=reasons, partial=bool(reasons))
