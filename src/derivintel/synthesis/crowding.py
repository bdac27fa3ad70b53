"""Which side is crowded, and an uncalibrated squeeze heuristic.

The squeeze figure is a transparent heuristic score in [0, 1], NOT a probability: it is labelled so until the event
studies calibrate it on history.
"""

from __future__ import annotations

from dataclasses import dataclass

from derivintel.core.result import Result


@dataclass(frozen=True, slots=True)
class CrowdingCall:
    """``side`` is ``longs``, ``shorts`` or ``balanced``; ``evidence`` lists the inputs that voted."""

    side: str
    score: float
    evidence: tuple[str, ...]
    missing: tuple[str, ...]


def crowded_side(
    *,
    funding_zscore: float | None,
    funding_1h: float | None,
    long_share_accounts: float | None,
    long_share_top_positions: float | None,
    funding_z_extreme: float = 1.5,
    long_share_extreme: float = 0.6,
) -> Result[CrowdingCall]:
    """Vote +1 for crowded longs / −1 for crowded shorts from funding and long/short shares; mean of votes."""
    votes: list[float] = []
    evidence: list[str] = []
    missing: list[str] = []
    if funding_zscore is None:
        missing.append("funding z-score")
    else:
        v = 1.0 if funding_zscore >= funding_z_extreme else -1.0 if funding_zscore <= -funding_z_extreme else 0.0
        votes.append(v)
        evidence.append(f"funding z {funding_zscore:+.2f} (extreme ±{funding_z_extreme:g})")
    if funding_1h is None:
        missing.append("funding rate")
    else:
        votes.append(0.5 if funding_1h > 0 else -0.5 if funding_1h < 0 else 0.0)
        evidence.append("funding positive: longs pay" if funding_1h > 0 else "funding negative: shorts pay")
    for name, share in (
        ("accounts long share", long_share_accounts),
        ("top positions long share", long_share_top_positions),
    ):
        if share is None:
            missing.append(name)
            continue
        hi, lo = long_share_extreme, 1.0 - long_share_extreme
        votes.append(1.0 if share >= hi else -1.0 if share <= lo else 0.0)
        evidence.append(f"{name} {share:.0%}")
    params = {"funding_z_extreme": funding_z_extreme, "long_share_extreme": long_share_extreme}
    if not votes:
        return Result.missing("no funding or long/short inputs", params=params)
    score = sum(votes) / len(votes)
    side = "longs" if score >= 0.25 else "shorts" if score <= -0.25 else "balanced"
    return Result.of(
        CrowdingCall(side, score, tuple(evidence), tuple(missing)),
        params=params,
        reasons=[f"missing: {', '.join(missing)}"] if missing else [],
        partial=bool(missing),
    )


@dataclass(frozen=True, slots=True)
class SqueezeHeuristic:
    """Scores in [0, 1]; ``label`` states that they are uncalibrated heuristics, not probabilities."""

    short_squeeze_score: float
    long_squeeze_score: float
    label: str


def squeeze_heuristic(
    *, crowding_score: float | None, long_liq_within_2pct_usd: float | None, short_liq_within_2pct_usd: float | None
) -> Result[SqueezeHeuristic]:
    """Short squeeze score = ½·(crowded-shorts degree) + ½·(share of ±2 % liquidation fuel above price); mirror for
    longs. Crowding degree = max(0, ∓crowding_score)."""
    if crowding_score is None or long_liq_within_2pct_usd is None or short_liq_within_2pct_usd is None:
        return Result.missing("needs the crowding call and modelled liquidations within ±2%")
    fuel = long_liq_within_2pct_usd + short_liq_within_2pct_usd
    short_fuel = short_liq_within_2pct_usd / fuel if fuel > 0 else 0.5
    short_sq = 0.5 * max(0.0, -crowding_score) + 0.5 * short_fuel
    long_sq = 0.5 * max(0.0, crowding_score) + 0.5 * (1.0 - short_fuel)
    return Result.of(
        SqueezeHeuristic(short_sq, long_sq, "uncalibrated heuristic score, not a probability"),
        reasons=["uncalibrated: no event-study history behind this score yet"],
        partial=True,
    )
