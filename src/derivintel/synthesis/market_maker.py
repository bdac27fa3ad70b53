"""Expected market-maker behaviour from pin risk, dealer gamma sign and liquidity asymmetry (explicit rules)."""

from __future__ import annotations

from dataclasses import dataclass

from derivintel.core.result import Result


@dataclass(frozen=True, slots=True)
class MarketMakerInputs:
    """All optional; a None input disables the rules that need it (and is listed as missing).

    ``net_gex_usd_per_1pct`` under the report's dealer scenario; ``long_liq_below_usd`` / ``short_liq_above_usd`` =
    modelled long liquidation notional within 2 % below and short within 2 % above (USD); ``book_imbalance`` =
    (bid − ask)/(bid + ask) depth within 1 %.
    """

    price_usd: float
    max_pain_usd: float | None = None
    days_to_headline_expiry: float | None = None
    net_gex_usd_per_1pct: float | None = None
    gamma_flip_usd: float | None = None
    long_liq_below_usd: float | None = None
    short_liq_above_usd: float | None = None
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
    - sweep: long-below ÷ short-above ≥ threshold → downside sweep first; ≤ 1/threshold → upside sweep first.
      Nothing modelled on one side and something on the other is the largest asymmetry there is (not missing);
      nothing on either side → no sweep.
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
    below, above = inputs.long_liq_below_usd, inputs.short_liq_above_usd
    if below is None or above is None:
        missing.append("liquidation map")
    elif below > 0 and (above == 0 or below / above >= asymmetry_threshold):
        sweep = "down"
        why = " (none modelled above)" if above == 0 else ""
        behaviours.append(f"more modelled long liquidations below than shorts above{why}: a downside sweep pays more")
    elif above > 0 and (below == 0 or above / below >= asymmetry_threshold):
        sweep = "up"
        why = " (none modelled below)" if below == 0 else ""
        behaviours.append(f"more modelled short liquidations above than longs below{why}: an upside sweep pays more")
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
