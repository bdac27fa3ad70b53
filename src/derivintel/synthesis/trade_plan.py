"""Trade plan by construction: each side from its own ladders of levels, after costs, or "no trade".

Two ladders of named USD levels feed the plan. **Entry levels** are where a side would trade against the move
(supports below price for the long: AVWAPs, value area, options walls; resistances above for the short).
**Target levels** are the liquidity a side aims at in its own direction (resting buy stops above untouched highs and
modelled short-liquidation clusters for the long; sell stops below untouched lows and long-liquidation clusters for
the short). Construction, for the long (the short mirrors it):

- entry level ``L`` = the nearest entry level below price; *enter* when ``(price − L) / ATR ≤ reach_atr``, else
  *wait for L*. Zone ``[L, min(L + w, price)]`` with ``w = min(zone_atr·ATR, (R − L) / 3)`` where ``R`` is the short's
  entry level, so the two zones can never overlap; the entry price is the zone's middle ``e``.
- stop: ``stop_buffer_atr·ATR`` below the lowest level of the cluster under ``L`` (any level of either ladder lying
  within that buffer below the current anchor extends it), so the stop is beyond structure, never inside it.
- targets: the target levels above both price and the zone, nearest first (at most ``n_targets``).
- reward/risk to the first target after costs, ``c = taker_fee_frac + slippage_frac`` per fill (entry, exit):
  ``RR = ((T − e) − c·(e + T)) / ((e − S) + c·(e + S))``. Below ``min_reward_risk`` the side is "no trade".
- size: loss per unit notional at the stop ``u = ((e − S) + c·(e + S)) / e``; notional / equity
  ``= min(risk_fraction / u, max_leverage)``, so the loss at the stop is at most ``risk_fraction`` of equity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from derivintel.core.result import Result

SideName = Literal["long", "short"]
SideStatus = Literal["enter", "wait", "no_trade"]


@dataclass(frozen=True, slots=True)
class Level:
    """A named price level (USD) used for planning."""

    price_usd: float
    name: str


@dataclass(frozen=True, slots=True)
class PlanParams:
    """Plan parameters. Fractions are of price (costs, per fill) or of equity (risk); distances in ATRs."""

    risk_fraction: float = 0.01  # equity lost at the stop, costs included
    max_leverage: float = 5.0  # cap on position notional / equity
    min_reward_risk: float = 1.5  # below it a side is "no trade"
    taker_fee_frac: float = 0.0005  # per fill (Binance/OKX USD-M base tier 0.05 %)
    slippage_frac: float = 0.0005  # per fill, assumed
    reach_atr: float = 2.0  # entry level within this many ATRs of price: enter; beyond: wait for it
    zone_atr: float = 0.25  # entry zone width (capped so the two zones never overlap)
    stop_buffer_atr: float = 1.0  # stop distance beyond the last structural level under the entry
    merge_fraction: float = 0.002  # levels closer than this (relative) are one level
    max_distance_fraction: float = 0.15  # levels further than this from price are ignored
    n_targets: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.risk_fraction < 0.2:
            raise ValueError("risk_fraction must be in (0, 0.2)")
        if self.max_leverage <= 0 or self.min_reward_risk <= 0:
            raise ValueError("max_leverage and min_reward_risk must be positive")
        if min(self.taker_fee_frac, self.slippage_frac) < 0 or self.taker_fee_frac + self.slippage_frac >= 0.05:
            raise ValueError("fees and slippage must be non-negative fractions of price (0.0005 = 5 bp)")
        if min(self.reach_atr, self.zone_atr, self.stop_buffer_atr) <= 0 or self.n_targets < 1:
            raise ValueError("reach_atr, zone_atr, stop_buffer_atr and n_targets must be positive")

    @property
    def cost_per_fill_frac(self) -> float:
        return self.taker_fee_frac + self.slippage_frac


@dataclass(frozen=True, slots=True)
class SidePlan:
    """One side. ``status``: ``enter`` (entry level within reach), ``wait`` (plan valid once price reaches the entry
    level), ``no_trade`` (``reason`` says why; the figures computed, if any, are kept for transparency).

    Prices in USD. ``entry_usd``: zone middle used for reward/risk. ``entry_distance_atr``: ``|price − level| / ATR``.
    ``reward_risk``: to the first target, after costs. ``loss_fraction_at_stop``: loss per unit notional at the stop,
    costs included. ``notional_fraction_of_equity``: position size; ``leverage_capped`` when ``max_leverage`` bound
    it (the loss at the stop is then below the risk budget: ``risk_at_stop_fraction``).
    """

    side: SideName
    status: SideStatus
    reason: str | None
    entry_level: Level | None = None
    entry_low_usd: float | None = None
    entry_high_usd: float | None = None
    entry_usd: float | None = None
    entry_distance_atr: float | None = None
    stop_usd: float | None = None
    stop_beyond: Level | None = None
    targets: tuple[Level, ...] = ()
    reward_risk: float | None = None
    reward_risk_gross: float | None = None
    loss_fraction_at_stop: float | None = None
    notional_fraction_of_equity: float | None = None
    leverage_capped: bool = False
    risk_at_stop_fraction: float | None = None

    @property
    def actionable(self) -> bool:
        return self.status != "no_trade"

    @property
    def label(self) -> str:
        """``enter``, ``wait for $X (name)`` or ``no trade: …``."""
        if self.status == "enter":
            return "enter"
        if self.status == "wait" and self.entry_level is not None:
            return f"wait for {self.entry_level.price_usd:,.6g} ({self.entry_level.name})"
        return f"no trade: {self.reason}"


@dataclass(frozen=True, slots=True)
class TradePlan:
    """Both sides, the side the bias prefers (None when neutral), the parameters and the ATR used (USD)."""

    long: SidePlan
    short: SidePlan
    preferred: SideName | None
    params: PlanParams
    atr_usd: float
    price_usd: float

    @property
    def risk_fraction(self) -> float:
        return self.params.risk_fraction


def _ladder(levels: Sequence[Level], price: float, p: PlanParams, *, above: bool) -> list[Level]:
    """Levels strictly on one side of ``price`` within ``max_distance_fraction``, nearest first, merged within
    ``merge_fraction`` (the nearer level's name is kept)."""
    sign = 1.0 if above else -1.0
    band = [
        lv
        for lv in levels
        if sign * (lv.price_usd - price) > 0 and abs(lv.price_usd / price - 1.0) <= p.max_distance_fraction
    ]
    out: list[Level] = []
    for lv in sorted(band, key=lambda lv: sign * lv.price_usd):
        if out and abs(lv.price_usd / out[-1].price_usd - 1.0) <= p.merge_fraction:
            continue
        out.append(lv)
    return out


def _stop(anchor: Level, structure: Sequence[Level], buffer_usd: float, sign: float) -> tuple[float, Level]:
    """Stop ``buffer_usd`` beyond the last level of the cluster starting at ``anchor`` on the adverse side.

    ``sign`` = +1 for a long (adverse = down). A level within ``buffer_usd`` beyond the current anchor joins it.
    """
    beyond = sorted(
        (lv for lv in structure if sign * (anchor.price_usd - lv.price_usd) > 0), key=lambda lv: -sign * lv.price_usd
    )
    for lv in beyond:
        if sign * (anchor.price_usd - lv.price_usd) <= buffer_usd:
            anchor = lv
        else:
            break
    return anchor.price_usd - sign * buffer_usd, anchor


def _reward_risk(entry: float, stop: float, target: float, cost: float) -> tuple[float, float, float]:
    """``(net RR, gross RR, loss per unit notional at the stop)``; distances are unsigned, costs per fill."""
    reward, risk = abs(target - entry), abs(entry - stop)
    net_reward = reward - cost * (entry + target)
    net_risk = risk + cost * (entry + stop)
    return net_reward / net_risk, reward / risk, net_risk / entry


def _side(
    side: SideName,
    *,
    price: float,
    atr: float,
    entries: list[Level],
    opposite_entry: Level | None,
    targets: list[Level],
    structure: Sequence[Level],
    p: PlanParams,
) -> SidePlan:
    sign = 1.0 if side == "long" else -1.0
    where = "below" if side == "long" else "above"
    if not entries:
        return SidePlan(side, "no_trade", f"no entry level {where} price within {p.max_distance_fraction:.0%}")
    lv = entries[0]
    width = p.zone_atr * atr
    if opposite_entry is not None:
        width = min(width, abs(opposite_entry.price_usd - lv.price_usd) / 3.0)
    far = lv.price_usd + sign * width
    zone_edge = min(far, price) if side == "long" else max(far, price)
    low, high = sorted((lv.price_usd, zone_edge))
    entry = (low + high) / 2.0
    distance_atr = abs(price - lv.price_usd) / atr
    stop, beyond = _stop(lv, structure, p.stop_buffer_atr * atr, sign)
    zone_far = high if side == "long" else low
    ladder = [t for t in targets if sign * (t.price_usd - zone_far) > 0][: p.n_targets]
    common = {
        "entry_level": lv,
        "entry_low_usd": low,
        "entry_high_usd": high,
        "entry_usd": entry,
        "entry_distance_atr": distance_atr,
        "stop_usd": stop,
        "stop_beyond": beyond,
    }
    if stop <= 0:
        return SidePlan(side, "no_trade", "stop at or below zero", **common)
    direction = "above" if side == "long" else "below"
    if not ladder:
        reason = f"no target level {direction} the entry zone within {p.max_distance_fraction:.0%}"
        return SidePlan(side, "no_trade", reason, **common)
    rr, rr_gross, loss = _reward_risk(entry, stop, ladder[0].price_usd, p.cost_per_fill_frac)
    size = min(p.risk_fraction / loss, p.max_leverage)
    sized = {
        **common,
        "targets": tuple(ladder),
        "reward_risk_gross": rr_gross,
        "loss_fraction_at_stop": loss,
    }
    if rr < p.min_reward_risk:
        return SidePlan(side, "no_trade", f"R/R {rr:.2f} < {p.min_reward_risk:g}", **sized)
    status: SideStatus = "enter" if distance_atr <= p.reach_atr else "wait"
    return SidePlan(
        side,
        status,
        None,
        **sized,
        reward_risk=rr,
        notional_fraction_of_equity=size,
        leverage_capped=p.risk_fraction / loss > p.max_leverage,
        risk_at_stop_fraction=size * loss,
    )


def build_trade_plan(
    *,
    price_usd: float,
    atr_usd: float | None,
    entry_levels: Sequence[Level],
    target_levels: Sequence[Level],
    bias: str | None,
    params: PlanParams = PlanParams(),
) -> Result[TradePlan]:
    """Long and short plans from ``entry_levels`` (support/resistance) and ``target_levels`` (liquidity), both USD.

    Missing when the ATR or the price is unavailable. A side without levels is "no trade" with the reason.
    """
    p = params
    run_params: dict[str, object] = {**asdict(p), "atr_usd": atr_usd}
    if atr_usd is None or not atr_usd > 0:
        return Result.missing("ATR unavailable: cannot size zones and stops", params=run_params)
    if not price_usd > 0:
        return Result.missing("no reference price", params=run_params)
    supports = _ladder(entry_levels, price_usd, p, above=False)
    resistances = _ladder(entry_levels, price_usd, p, above=True)
    structure = [*entry_levels, *target_levels]
    long = _side(
        "long",
        price=price_usd,
        atr=atr_usd,
        entries=supports,
        opposite_entry=resistances[0] if resistances else None,
        targets=_ladder(target_levels, price_usd, p, above=True),
        structure=structure,
        p=p,
    )
    short = _side(
        "short",
        price=price_usd,
        atr=atr_usd,
        entries=resistances,
        opposite_entry=supports[0] if supports else None,
        targets=_ladder(target_levels, price_usd, p, above=False),
        structure=structure,
        p=p,
    )
    preferred: SideName | None = "long" if bias == "bullish" else "short" if bias == "bearish" else None
    return Result.of(TradePlan(long, short, preferred, p, float(atr_usd), float(price_usd)), params=run_params)
