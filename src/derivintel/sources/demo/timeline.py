"""The demo's time grid: hourly bars ending at the last full hour before ``as_of``, and seeded random streams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from derivintel.core.timeutil import HOUR_S, floor_to, from_ms, to_ms, utc

HOUR_MS = HOUR_S * 1000
HISTORY_DAYS = 440  # hourly perp/spot candles: ≥ 420 days with margin for warm-up windows
RECENT_DAYS = 30  # other venues' candles, OI, long/short, taker volume
FUNDING_DAYS = 90
STEPS_PER_HOUR = 6  # the price path is simulated on a 10-minute grid; bars aggregate 6 steps


@dataclass(frozen=True, eq=False)
class Timeline:
    """Hourly bar grid: ``bar_open_ms[i]`` (int64 epoch ms) is bar i's open; bar i closes at ``+ 1 h``.

    The last bar closes at ``floor(as_of, 1 h) ≤ as_of``. ``seed`` drives every random stream.
    """

    as_of: datetime
    seed: int
    bar_open_ms: np.ndarray

    @classmethod
    def build(cls, as_of: datetime, seed: int, days: int = HISTORY_DAYS) -> Timeline:
        as_of = utc(as_of)
        last_close_ms = to_ms(floor_to(as_of, HOUR_S))
        n = days * 24
        opens = last_close_ms - HOUR_MS * np.arange(n, 0, -1, dtype=np.int64)
        return cls(as_of=as_of, seed=seed, bar_open_ms=opens)

    @property
    def n_hours(self) -> int:
        return len(self.bar_open_ms)

    @property
    def bar_close_ms(self) -> np.ndarray:
        return self.bar_open_ms + HOUR_MS

    @property
    def last_close(self) -> datetime:
        """Close time of the last full bar (the newest observation time on the hourly grid)."""
        return from_ms(int(self.bar_close_ms[-1]))

    def recent(self, days: int) -> slice:
        """Slice of the last ``days`` × 24 bars."""
        return slice(self.n_hours - days * 24, self.n_hours)

    def rng(self, asset_code: int, stream: int) -> np.random.Generator:
        """Independent generator for one (asset, component) stream of this seed."""
        return np.random.default_rng((self.seed, asset_code, stream))


def ms_to_dt64(ms: np.ndarray) -> np.ndarray:
    """int64 epoch-ms array to ``datetime64[ms]``."""
    return np.asarray(ms, dtype=np.int64).astype("datetime64[ms]")


def hours_before(dt: datetime, hours: float) -> datetime:
    return dt - timedelta(hours=hours)
