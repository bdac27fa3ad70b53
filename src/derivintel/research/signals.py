"""Signal definitions as data: a feature, a comparison and a threshold, and the direction it is read in.

``direction`` +1 means the signal is read as bullish (a 'hit' is a forward return > 0), −1 bearish (hit = return < 0).
Thresholds are in the feature's units: fractions (0.05 = 5 %), funding per hour, z-scores, quadrant labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.compare import COMPARISONS

_OPS = {op: COMPARISONS[op] for op in ("<=", ">=", "<", ">", "==")}


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """``feature op threshold``, read with ``direction`` (+1 bullish, −1 bearish)."""

    name: str
    feature: str
    op: str
    threshold: float | str
    direction: int
    description: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown operator {self.op!r}")
        if self.direction not in (1, -1):
            raise ValueError("direction is +1 (bullish) or -1 (bearish)")
        if isinstance(self.threshold, str) and self.op != "==":
            raise ValueError("label thresholds only compare with ==")

    def fires(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask: where the feature is known and the condition holds (unknown never fires)."""
        if values.dtype == object:
            return np.array([v is not None and bool(_OPS[self.op](v, self.threshold)) for v in values], dtype=bool)
        with np.errstate(invalid="ignore"):
            return np.isfinite(values) & _OPS[self.op](values, self.threshold)

    @property
    def text(self) -> str:
        side = "bullish" if self.direction > 0 else "bearish"
        return f"{self.feature} {self.op} {self.threshold} ({side})"


FUNDING_APR_30 = 0.30 / 8760  # 30 % simple APR as a per-hour fraction

DEFAULT_SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("funding_z_le_-2", "funding_zscore_30d", "<=", -2.0, 1, "funding 2σ below its 30 d mean"),
    SignalSpec("funding_z_ge_2", "funding_zscore_30d", ">=", 2.0, -1, "funding 2σ above its 30 d mean"),
    SignalSpec("funding_negative", "funding_1h", "<", 0.0, 1, "shorts pay longs"),
    SignalSpec("funding_apr_ge_30pct", "funding_1h", ">=", FUNDING_APR_30, -1, "funding ≥ 30 % APR"),
    SignalSpec("price_drop_24h_le_-5pct", "price_change_24h", "<=", -0.05, 1, "price −5 % in 24 h"),
    SignalSpec("price_rise_24h_ge_5pct", "price_change_24h", ">=", 0.05, -1, "price +5 % in 24 h"),
    SignalSpec("basis_le_-0.05pct", "basis", "<=", -0.0005, 1, "perp at a discount to spot"),
    SignalSpec("basis_ge_0.1pct", "basis", ">=", 0.001, -1, "perp at a premium to spot"),
    SignalSpec("funding_z_le_-1.5", "funding_zscore_30d", "<=", -1.5, 1, "funding 1.5σ below its 30 d mean"),
    SignalSpec("funding_z_ge_1.5", "funding_zscore_30d", ">=", 1.5, -1, "funding 1.5σ above its 30 d mean"),
    SignalSpec("oi_drop_24h_le_-5pct", "oi_change_24h", "<=", -0.05, 1, "coin OI −5 % in 24 h (deleveraging)"),
    SignalSpec("oi_rise_24h_ge_5pct", "oi_change_24h", ">=", 0.05, -1, "coin OI +5 % in 24 h"),
    SignalSpec("quadrant_long_liquidation", "quadrant", "==", "long_liquidation", 1, "price ↓ OI ↓ over 24 h"),
    SignalSpec("quadrant_new_shorts", "quadrant", "==", "new_shorts", -1, "price ↓ OI ↑ over 24 h"),
    SignalSpec("top_positions_long_ge_60pct", "long_share_top_positions", ">=", 0.6, -1, "top traders 60 % long"),
    SignalSpec("rr25_30d_le_-5vol", "rr25_30d", "<=", -0.05, 1, "30 d puts 5 vol richer than calls"),
    SignalSpec("bias_bullish", "bias", "==", "bullish", 1, "the report's bias is bullish (replayable evidence)"),
    SignalSpec("bias_bearish", "bias", "==", "bearish", -1, "the report's bias is bearish (replayable evidence)"),
)
PRICE_FUNDING_SIGNALS = DEFAULT_SIGNALS[:10]
OI_SIGNALS = DEFAULT_SIGNALS[10:14]
BIAS_SIGNALS = DEFAULT_SIGNALS[16:18]
