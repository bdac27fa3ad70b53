"""Expected market-maker behaviour from pin risk, dealer gamma sign and liquidity asymmetry (explicit rules)."""

from __future__ import annotations

from dataclasses import dataclass

from derivintel.core.result import Result


@dataclass(frozen=True, slots=True)
class MarketMakerInputs:
    """All optional; a None input disables the rules that need it (and is listed as missing).

    ``net_gex_usd_per_1pct`` under the report's dealer scenario; ``liq_asymmetry`` = modelled long liquidation
    notional below ÷ short above within ±2 %; ``book_imbalance`` = (bid − ask)/(bid + ask) depth within 1 %.
    """

    price_usd: float
    max_pain_usd: float | None = None
    days_to_headline_expiry: float | None = None
    net_gex_usd_per_1pct: float | None = None
    gamma_flip_usd: float | None = None
    liq_asymmetry: float | None = None
    book_imbalance: float | None = None


@dataclass(frozen=True, slots=True)
class MarketMakerRead:
    """``regime`` is ``dampening``, ``amplifying`` or ``unknown``; ``behaviours`` are sentences with evidence."""

    regime: str
    pin_risk: bool
    sweep_direction: str | None
    behaviours: tuple[str, ...]
    missing: tuple[str, ...]


def read_market_makers(
    inputs: MarketMakerInputs,
    *,
    pin_distance_fraction: float = 0.02,
    pin_days: float = 3.0,
    asymmetry_threshold: float = 1.5,
) -> Result[MarketMakerRead]:
    """Rules:
    - gamma: net GEX > 0 and price above the flip (or no flip) → dampening (dealers sell rallies, buy dips);
      net GEX < 0 or price below the flip → amplifying (dealer hedging chases moves).
    - pin: headline expiry within ``pin_days`` and price within ``pin_distance_fraction`` of max pain → pin risk.
    - sweep: liquidation asymmetry ≥ threshold → downside sweep first; ≤ 1/threshold → upside sweep first.
    """
    missing: list[str] = []
    behaviours: list[str] = []
    regime = "unknown"
    if inputs.net_gex_usd_per_1pct is None:
        missing.append("dealer gamma")
    else:
        above_flip = inputs.gamma_flip_usd is None or inputs.price_usd >= inputs.gamma_flip_usd
        if inputs.net_gex_usd_per_1pct > 0 and above_flip:
            regime = "dampening"
            behaviours.append("dealers long gamma: hedging sells rallies and buys dips, favouring a range")
        else:
            regime = "amplifying"
            behaviours.append("dealers short gamma (or price below the flip): hedging chases moves, expect expansion")
    pin = False
    if inputs.max_pain_usd is None or inputs.days_to_headline_expiry is None:
        missing.append("max pain / expiry")
    else:
        distance = abs(inputs.price_usd / inputs.max_pain_usd - 1.0)
        if inputs.days_to_headline_expiry <= pin_days and distance <= pin_distance_fraction:
            pin = True
            behaviours.append("expiry close and price near max pain: pin risk into the expiry")
    sweep: str | None = None
    if inputs.liq_asymmetry is None:
        missing.append("liquidation asymmetry")
    elif inputs.liq_asymmetry >= asymmetry_threshold:
        sweep = "down"
        behaviours.append("more modelled long liquidations below than shorts above: a downside sweep pays more")
    elif inputs.liq_asymmetry <= 1.0 / asymmetry_threshold:
        sweep = "up"
        behaviours.append("more modelled short liquidations above than longs below: an upside sweep pays more")
    if inputs.book_imbalance is None:
        missing.append("book imbalance")
    elif abs(inputs.book_imbalance) >= 0.2:
        side = "bids" if inputs.book_imbalance > 0 else "asks"
        behaviours.append(f"book within 1% leans to the {side}")
    params = {
        "pin_distance_fraction": pin_distance_fraction,
        "pin_days": pin_days,
        "asymmetry_threshold": asymmetry_threshold,
    }
    if regime == "unknown" and not behaviours:
        return Result.missing("no options, liquidation or book inputs", params=params)
    return Result.of(
        MarketMakerRead(regime, pin, sweep, tuple(behaviours), tuple(missing)),
        params=params,
        reasons=[f"missing: {', '.join(missing)}"] if missing else [],
        partial=bool(missing),
    )
