"""The one underlying spot price path per asset that drives every other demo series.

BTC: a regime-switching random walk around a hidden "skeleton" of trend legs and ranges. The skeleton is a piecewise
linear log-price through random anchors (trend legs of 6–15 %, ranges of ±2.5–4.5 % with several touches); the
observed path is skeleton + an Ornstein–Uhlenbeck residual whose volatility clusters (log-AR(1) stochastic
volatility) and depends on the regime (calm in ranges, livelier in trends). Inside ranges, excursions beyond the range
edge are damped (price x beyond top T becomes T + 0.2 (x − T)), which leaves clusters of nearly equal highs/lows the
way resistance and support do. The last 36 h are bent into a mild sell-off and the path is shifted to end at a
drawn level. ETH = β × BTC log-moves + its own OU residual (so hourly returns correlate at about 0.85); the other
alts the same way with their own β (``AssetProfile.beta_to_btc``).

Everything is on a 10-minute grid (6 steps per hourly bar); all arrays come from seeded generators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivintel.core.recursive_filter import first_order_filter
from derivintel.sources.demo.profiles import ASSET_CODE, ASSETS
from derivintel.sources.demo.timeline import STEPS_PER_HOUR, Timeline

STEPS_PER_YEAR = 8760 * STEPS_PER_HOUR
SELLOFF_HOURS = 36
ETH_BETA = 1.15
_STREAM_PATH = 1


@dataclass(frozen=True, eq=False)
class PricePath:
    """Spot (index) path of one asset on the 10-minute grid.

    ``log_price`` has ``n_hours × 6 + 1`` points: index 0 is bar 0's open, index 6·i + 6 is bar i's close.
    ``sigma_step`` (``n_hours × 6``) is the local per-step log-return volatility (fraction).
    """

    asset: str
    log_price: np.ndarray
    sigma_step: np.ndarray

    @property
    def n_hours(self) -> int:
        return len(self.sigma_step) // STEPS_PER_HOUR

    @property
    def price_usd(self) -> np.ndarray:
        return np.exp(self.log_price)

    @property
    def close_usd(self) -> np.ndarray:
        """Hourly closes (spot, USD)."""
        return np.exp(self.log_price[STEPS_PER_HOUR::STEPS_PER_HOUR])

    @property
    def sigma_1h(self) -> np.ndarray:
        """Local hourly volatility of log returns (fraction), per bar."""
        return np.sqrt((self.sigma_step.reshape(-1, STEPS_PER_HOUR) ** 2).sum(axis=1))

    @property
    def log_return_1h(self) -> np.ndarray:
        """Close-to-close hourly log returns, per bar (bar 0 from its open)."""
        return np.diff(self.log_price[::STEPS_PER_HOUR])


@dataclass(frozen=True, slots=True)
class _Skeleton:
    anchor_day: np.ndarray
    anchor_level: np.ndarray  # log level relative to the centre
    range_top: np.ndarray  # per day, NaN outside ranges
    range_bottom: np.ndarray
    vol_mult: np.ndarray  # per day


def _skeleton(rng: np.random.Generator, n_days: int) -> _Skeleton:
    lo, hi = -0.11, 0.09
    days: list[float] = [0.0]
    levels: list[float] = [float(rng.uniform(-0.08, 0.04))]
    top = np.full(n_days, np.nan)
    bottom = np.full(n_days, np.nan)
    vol_mult = np.ones(n_days)
    final_range = int(rng.integers(16, 24))

    def range_leg(start: int, length: int) -> None:
        centre = levels[-1]
        half = float(rng.uniform(0.025, 0.045))
        touches = max(2, length // 5)
        sign = 1.0 if rng.random() < 0.5 else -1.0
        times = start + (np.arange(1, touches + 1) - rng.uniform(0.2, 0.5, touches)) * length / touches
        for t in times:
            days.append(float(t))
            levels.append(centre + sign * half * float(rng.uniform(0.5, 0.8)))
            sign = -sign
        days.append(float(start + length))
        levels.append(centre + float(rng.uniform(-0.3, 0.3)) * half)
        top[start : start + length] = centre + half
        bottom[start : start + length] = centre - half
        vol_mult[start : start + length] = rng.uniform(0.6, 0.85)

    day, last_kind = 0, "range"
    while (remaining := n_days - final_range - day) > 0:
        x = levels[-1]
        if remaining < 40:
            kind, length, target = "trend", remaining, float(rng.uniform(-0.02, 0.04))
        else:
            kind = "range" if last_kind == "trend" and rng.random() < 0.6 else "trend"
            length = int(rng.integers(10, 30))
            direction = -np.sign(x) if abs(x) > 0.04 else (1.0 if rng.random() < 0.5 else -1.0)
            target = float(np.clip(x + direction * rng.uniform(0.07, 0.18), lo, hi))
        if kind == "trend":
            days.append(float(day + length))
            levels.append(target)
            vol_mult[day : day + length] = rng.uniform(1.0, 1.4)
        else:
            range_leg(day, length)
        day += length
        last_kind = kind
    range_leg(day, n_days - day)
    return _Skeleton(np.asarray(days), np.asarray(levels), top, bottom, vol_mult)


def _stochastic_vol(rng: np.random.Generator, n: int, half_life_steps: float, sd: float) -> np.ndarray:
    """exp of a stationary AR(1) with the given half-life and sd, normalised to mean ≈ 1."""
    phi = 0.5 ** (1.0 / half_life_steps)
    h = first_order_filter(rng.standard_normal(n), sd * np.sqrt(1.0 - phi**2), phi)
    return np.exp(h - 0.5 * sd**2)


def _ou(shocks: np.ndarray, half_life_steps: float) -> np.ndarray:
    phi = 0.5 ** (1.0 / half_life_steps)
    return first_order_filter(shocks, 1.0, phi)


def _bend_final(log_price: np.ndarray, target_change: float, n_steps: int, power: float = 1.3) -> np.ndarray:
    """Add an accelerating ramp over the last ``n_steps`` so the change over them equals ``target_change``."""
    out = log_price.copy()
    delta = target_change - (out[-1] - out[-1 - n_steps])
    out[-n_steps:] += delta * (np.arange(1, n_steps + 1) / n_steps) ** power
    return out


def simulate_btc(timeline: Timeline) -> PricePath:
    """BTC spot path (see module docstring)."""
    rng = timeline.rng(ASSET_CODE["BTC"], _STREAM_PATH)
    profile = ASSETS["BTC"]
    n_days = timeline.n_hours // 24
    n = timeline.n_hours * STEPS_PER_HOUR
    sk = _skeleton(rng, n_days)
    t_day = np.arange(n + 1) / (24 * STEPS_PER_HOUR)
    day_idx = np.minimum(t_day.astype(np.int64), n_days - 1)
    skeleton = np.interp(t_day, sk.anchor_day, sk.anchor_level)
    sigma = (
        profile.vol_annual
        / np.sqrt(STEPS_PER_YEAR)
        * sk.vol_mult[day_idx[1:]]
        * _stochastic_vol(rng, n, half_life_steps=2 * 24 * STEPS_PER_HOUR, sd=0.35)
    )
    residual = np.concatenate([[0.0], _ou(sigma * rng.standard_normal(n), half_life_steps=3 * 24 * STEPS_PER_HOUR)])
    lp = skeleton + residual
    top, bottom = sk.range_top[day_idx], sk.range_bottom[day_idx]
    above = lp > top  # NaN compares False outside ranges
    below = lp < bottom
    lp[above] = top[above] + 0.2 * (lp[above] - top[above])
    lp[below] = bottom[below] + 0.2 * (lp[below] - bottom[below])
    lp = _bend_final(lp, float(rng.uniform(-0.045, -0.028)), SELLOFF_HOURS * STEPS_PER_HOUR)
    lp += np.log(rng.uniform(*profile.end_price_range_usd)) - lp[-1]
    return PricePath("BTC", lp, sigma)


def simulate_eth(timeline: Timeline, btc: PricePath) -> PricePath:
    """ETH spot path: ``β`` × BTC log-moves + own clustered OU residual, ending in the same sell-off."""
    rng = timeline.rng(ASSET_CODE["ETH"], _STREAM_PATH)
    profile = ASSETS["ETH"]
    n = len(btc.sigma_step)
    own_vol = np.sqrt(max(profile.vol_annual**2 - (ETH_BETA * ASSETS["BTC"].vol_annual) ** 2, 0.3**2))
    sigma_own = own_vol / np.sqrt(STEPS_PER_YEAR) * _stochastic_vol(rng, n, 3 * 24 * STEPS_PER_HOUR, 0.3)
    residual = np.concatenate([[0.0], _ou(sigma_own * rng.standard_normal(n), 15 * 24 * STEPS_PER_HOUR)])
    k = SELLOFF_HOURS * STEPS_PER_HOUR
    residual = _bend_final(residual, 0.3 * (residual[-1] - residual[-1 - k]), k)
    lp = ETH_BETA * (btc.log_price - btc.log_price[-1]) + residual - residual[-1]
    lp += np.log(rng.uniform(*profile.end_price_range_usd))
    sigma = np.sqrt((ETH_BETA * btc.sigma_step) ** 2 + sigma_own**2)
    return PricePath("ETH", lp, sigma)


def simulate_alt(timeline: Timeline, btc: PricePath, asset: str) -> PricePath:
    """An alt's spot path, built like ETH's: ``beta_to_btc`` × BTC log-moves + its own clustered OU residual (own
    volatility = what ``vol_annual`` leaves after the BTC part, at least 30 %), ending in the same sell-off. Its own
    random stream (``ASSET_CODE[asset]``), so adding an alt leaves every other path unchanged."""
    rng = timeline.rng(ASSET_CODE[asset], _STREAM_PATH)
    profile = ASSETS[asset]
    beta = profile.beta_to_btc
    n = len(btc.sigma_step)
    own_vol = np.sqrt(max(profile.vol_annual**2 - (beta * ASSETS["BTC"].vol_annual) ** 2, 0.3**2))
    sigma_own = own_vol / np.sqrt(STEPS_PER_YEAR) * _stochastic_vol(rng, n, 3 * 24 * STEPS_PER_HOUR, 0.3)
    residual = np.concatenate([[0.0], _ou(sigma_own * rng.standard_normal(n), 15 * 24 * STEPS_PER_HOUR)])
    k = SELLOFF_HOURS * STEPS_PER_HOUR
    residual = _bend_final(residual, 0.3 * (residual[-1] - residual[-1 - k]), k)
    lp = beta * (btc.log_price - btc.log_price[-1]) + residual - residual[-1]
    lp += np.log(rng.uniform(*profile.end_price_range_usd))
    sigma = np.sqrt((beta * btc.sigma_step) ** 2 + sigma_own**2)
    return PricePath(asset, lp, sigma)


def simulate_paths(timeline: Timeline, alts: tuple[str, ...] = ()) -> dict[str, PricePath]:
    """The BTC and ETH spot paths (ETH is built on BTC, and the macro series read both, so both are always
    simulated), plus the paths of the ``alts`` asked for."""
    btc = simulate_btc(timeline)
    paths = {"BTC": btc, "ETH": simulate_eth(timeline, btc)}
    for asset in alts:
        if asset not in paths:
            paths[asset] = simulate_alt(timeline, btc, asset)
    return paths
