"""Market phase (accumulation / markup / distribution / markdown) as a transparent heuristic (DOMAIN.md §4).

Six pieces of evidence each cast one vote, split between the phases it supports (weights of one vote sum to 1):

==================  ==========================================================================================
position_in_range   ≥ upper band: distribution 0.6, markup 0.4 · ≤ lower band: accumulation 0.6, markdown 0.4 ·
                    between: markup 0.5, markdown 0.5 (price travelling through the range)
avwap_side          close above the reference AVWAP: markup 0.6, distribution 0.4 · below: markdown 0.6,
                    accumulation 0.4
avwap_slope         rising beyond ±flat band: markup 1 · falling: markdown 1 · flat: accumulation 0.5,
                    distribution 0.5
oi_trend            (7d OI change × 7d price change) OI↑ price↑ new longs: markup 1 · OI↑ price↓ new shorts:
                    markdown 1 · OI↓ price↑ short covering: markup 0.5, accumulation 0.5 · OI↓ price↓
                    deleveraging: markdown 0.5, accumulation 0.5 · OI flat: accumulation 0.5, distribution 0.5
funding             > elevated: distribution 0.6, markup 0.4 · < 0: accumulation 0.6, markdown 0.4 · otherwise
                    (baseline): markup 0.5, accumulation 0.5
spot_vs_perp_cvd    spot↑ perp↓ spot absorbing: accumulation 1 · spot↑ perp↑: markup 1 · spot↓ perp↑ perp-led
                    buying into spot selling: distribution 1 · spot↓ perp↓: markdown 1 (a CVD of 0 counts as ↓)
==================  ==========================================================================================

The phase with the largest summed weight wins (ties broken in the order accumulation, markup, distribution,
markdown, and said in the reasons). ``confidence = winning score / 6``: the share of ALL possible evidence that
supports the call, so each missing input lowers it; missing inputs are named in the reasons (status partial).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from derivintel.core.result import Result


class Phase(StrEnum):
    ACCUMULATION = "accumulation"
    MARKUP = "markup"
    DISTRIBUTION = "distribution"
    MARKDOWN = "markdown"


EVIDENCE_NAMES: tuple[str, ...] = (
    "position_in_range",
    "avwap_side",
    "avwap_slope",
    "oi_trend",
    "funding",
    "spot_vs_perp_cvd",
)


@dataclass(frozen=True, slots=True)
class PhaseParams:
    """Thresholds. Fractions, funding per hour as a fraction."""

    range_lower_band: float = 1 / 3  # position_in_range ≤ this: low in range
    range_upper_band: float = 2 / 3  # position_in_range ≥ this: high in range
    avwap_flat_fraction: float = 0.002  # |AVWAP change over the slope span| below this: flat
    oi_flat_fraction: float = 0.01  # |7d OI change| below this: flat
    funding_elevated_1h: float = 0.000025  # 2 × the 0.01 %/8h baseline (0.0000125/h)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One input to the phase call: its ``value`` (in ``unit``), a plain-words ``reading`` and the phases it
    supports with their weights (summing to 1)."""

    name: str
    value: float
    unit: str
    reading: str
    weights: tuple[tuple[Phase, float], ...]


@dataclass(frozen=True, slots=True)
class PhaseCall:
    """The called ``phase``, ``confidence`` in [0, 1], per-phase ``scores``, the ``evidence`` used and the names
    of evidence that was ``missing``."""

    phase: Phase
    confidence: float
    scores: tuple[tuple[Phase, float], ...]
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...]


def _w(**kw: float) -> tuple[tuple[Phase, float], ...]:
    return tuple((Phase(k), v) for k, v in kw.items())


def classify_phase(
    *,
    position_fraction: float | None,
    close_usd: float | None,
    avwap_usd: float | None,
    avwap_slope_fraction: float | None,
    price_change_7d_fraction: float | None,
    oi_change_7d_fraction: float | None,
    funding_1h: float | None,
    perp_cvd_7d_base: float | None,
    spot_cvd_7d_base: float | None,
    params: PhaseParams = PhaseParams(),
) -> Result[PhaseCall]:
    """Score the four phases from the evidence given (see the module docstring for the rules).

    ``position_fraction`` is the last close's place in the range (0 = low, 1 = high); ``avwap_usd`` the reference
    AVWAP and ``avwap_slope_fraction`` its relative change over the slope span. Missing when no evidence at all.
    """
    p = params
    evidence: list[Evidence] = []
    missing: list[str] = []
    reasons: list[str] = []

    if position_fraction is None:
        missing.append("position_in_range")
        reasons.append("position in range missing (no range)")
    else:
        if position_fraction >= p.range_upper_band:
            reading, w = "high in range", _w(distribution=0.6, markup=0.4)
        elif position_fraction <= p.range_lower_band:
            reading, w = "low in range", _w(accumulation=0.6, markdown=0.4)
        else:
            reading, w = "mid range", _w(markup=0.5, markdown=0.5)
        evidence.append(Evidence("position_in_range", position_fraction, "fraction of range", reading, w))

    if avwap_usd is None or close_usd is None:
        missing.append("avwap_side")
        reasons.append("AVWAP side missing (no reference AVWAP)")
    else:
        dist = close_usd / avwap_usd - 1.0
        if dist >= 0:
            ev = Evidence(
                "avwap_side", dist, "fraction above AVWAP", "close above AVWAP", _w(markup=0.6, distribution=0.4)
            )
        else:
            ev = Evidence(
                "avwap_side", dist, "fraction above AVWAP", "close below AVWAP", _w(markdown=0.6, accumulation=0.4)
            )
        evidence.append(ev)

    if avwap_slope_fraction is None:
        missing.append("avwap_slope")
        reasons.append("AVWAP slope missing (fewer than two bars since the anchor)")
    else:
        s = avwap_slope_fraction
        if s > p.avwap_flat_fraction:
            reading, w = "AVWAP rising", _w(markup=1.0)
        elif s < -p.avwap_flat_fraction:
            reading, w = "AVWAP falling", _w(markdown=1.0)
        else:
            reading, w = "AVWAP flat", _w(accumulation=0.5, distribution=0.5)
        evidence.append(Evidence("avwap_slope", s, "fraction over slope span", reading, w))

    if oi_change_7d_fraction is None or price_change_7d_fraction is None:
        missing.append("oi_trend")
        what = "7d OI change not supplied" if oi_change_7d_fraction is None else "7d price change unavailable"
        reasons.append(f"OI trend missing ({what})")
    else:
        oi, px = oi_change_7d_fraction, price_change_7d_fraction
        if abs(oi) < p.oi_flat_fraction:
            reading, w = "OI flat", _w(accumulation=0.5, distribution=0.5)
        elif oi > 0 and px >= 0:
            reading, w = "OI up, price up: new longs", _w(markup=1.0)
        elif oi > 0:
            reading, w = "OI up, price down: new shorts", _w(markdown=1.0)
        elif px >= 0:
            reading, w = "OI down, price up: short covering", _w(markup=0.5, accumulation=0.5)
        else:
            reading, w = "OI down, price down: deleveraging", _w(markdown=0.5, accumulation=0.5)
        evidence.append(Evidence("oi_trend", oi, "fraction over 7d", reading, w))

    if funding_1h is None:
        missing.append("funding")
        reasons.append("funding not supplied")
    else:
        if funding_1h > p.funding_elevated_1h:
            reading, w = "funding elevated (longs crowded)", _w(distribution=0.6, markup=0.4)
        elif funding_1h < 0:
            reading, w = "funding negative (shorts pay)", _w(accumulation=0.6, markdown=0.4)
        else:
            reading, w = "funding at baseline", _w(markup=0.5, accumulation=0.5)
        evidence.append(Evidence("funding", funding_1h, "fraction per hour", reading, w))

    if perp_cvd_7d_base is None or spot_cvd_7d_base is None:
        missing.append("spot_vs_perp_cvd")
        absent = [n for n, v in (("spot", spot_cvd_7d_base), ("perp", perp_cvd_7d_base)) if v is None]
        reasons.append(f"spot vs perp CVD missing ({' and '.join(absent)} 7d CVD not supplied)")
    else:
        spot_up, perp_up = spot_cvd_7d_base > 0, perp_cvd_7d_base > 0
        if spot_up and not perp_up:
            reading, w = "spot buying, perp selling: spot absorbing", _w(accumulation=1.0)
        elif spot_up:
            reading, w = "spot and perp buying", _w(markup=1.0)
        elif perp_up:
            reading, w = "perp buying into spot selling", _w(distribution=1.0)
        else:
            reading, w = "spot and perp selling", _w(markdown=1.0)
        evidence.append(
            Evidence("spot_vs_perp_cvd", spot_cvd_7d_base - perp_cvd_7d_base, "base (spot − perp)", reading, w)
        )

    params_out = {name: getattr(p, name) for name in p.__dataclass_fields__}
    if not evidence:
        return Result.missing(*reasons, params=params_out)
    scores = dict.fromkeys(Phase, 0.0)
    for ev in evidence:
        for ph, weight in ev.weights:
            scores[ph] += weight
    best = max(scores.values())
    leaders = [ph for ph in Phase if abs(scores[ph] - best) < 1e-12]
    if len(leaders) > 1:
        reasons.append(f"tie between {', '.join(leaders)}; called {leaders[0]} by fixed order")
    call = PhaseCall(
        phase=leaders[0],
        confidence=best / len(EVIDENCE_NAMES),
        scores=tuple(scores.items()),
        evidence=tuple(evidence),
        missing=tuple(missing),
    )
    return Result.of(call, params=params_out, reasons=reasons, partial=bool(missing))
