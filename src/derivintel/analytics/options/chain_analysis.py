"""Phase 5 entry point: ``analyze_chain`` turns one ``OptionChain`` into per-expiry and overall options figures.

Units: strikes, forwards, spot and pain in USD; OI and volume in coins (contract = 1 coin); IVs, RR25, BF25 as
fractions; GEX in USD per 1% move of the underlying under the stated ``DealerScenario``.

Headline expiry rule: among expiries more than 24 h and at most 35 days after ``as_of``, the one with the largest
total OI (coins; ties → the nearer); if none, the nearest expiry more than 24 h away; if none, the nearest expiry.
Rationale: the most positioned monthly/weekly cycle drives pinning and hedging flows; sub-24 h expiries are about to
vanish and far quarterlies move slowly.

Expiring gamma rule: options expiring within ``EXPIRING_WITHIN_DAYS`` (24 h) of ``as_of`` are reported apart
(``ChainSummary.expiring_*``) and left out of the chain-wide dealer regime: net/call/put GEX, GEX by strike, walls and
the gamma flip. Their gamma is large and about to vanish, so counting it would set the regime from positions that
will not exist tomorrow (three hours before the 27MAR26 quarterly the whole-chain net GEX was −$37.5M/1%, without
that expiry +$15.3M). Open interest and put/call still count every live option. When every option expires within
24 h the regime uses them all and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.analytics.options.gex import (
    DealerScenario,
    gamma_flip,
    gex_by_strike,
    signed_gex,
    walls,
)
from derivintel.analytics.options.maxpain import max_pain
from derivintel.analytics.options.putcall import put_call
from derivintel.analytics.options.skew import constant_maturity_iv, expiry_skew, otm_smile
from derivintel.core.black76 import years_to_expiry
from derivintel.core.result import Result
from derivintel.core.timeutil import DAY_S, dt64_to_datetime, to_datetime64, utc
from derivintel.domain.options import OptionChain

HEADLINE_MIN_DAYS = 1.0
HEADLINE_MAX_DAYS = 35.0
EXPIRING_WITHIN_DAYS = 1.0
CM_TENORS_DAYS = (7.0, 30.0)


@dataclass(frozen=True, eq=False)
class ExpiryAnalysis:
    """Figures for one expiry (see module doc for units). None = not computable (``notes`` says why)."""

    expiry: datetime
    days_to_expiry: float
    forward_usd: float
    total_oi_base: float
    call_oi_base: float
    put_oi_base: float
    call_volume_base: float
    put_volume_base: float
    put_call_oi_ratio: float | None
    put_call_volume_ratio: float | None
    max_pain_usd: float | None
    pain_strikes_usd: np.ndarray
    pain_usd: np.ndarray
    net_gex_usd_per_1pct: float
    call_gex_usd_per_1pct: float
    put_gex_usd_per_1pct: float
    gamma_flip_usd: float | None
    call_wall_usd: float | None
    put_wall_usd: float | None
    atm_iv: float | None
    iv_25d_call: float | None
    iv_25d_put: float | None
    rr25: float | None
    bf25: float | None
    smile_strikes_usd: np.ndarray
    smile_iv: np.ndarray
    notes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class ChainSummary:
    """All expiries together. ``total_oi_usd`` = Σ OI (coins) × spot (notional). ``gex_by_strike_usd_per_1pct`` is
    net (calls + puts, signed) per ``gex_strikes_usd``; the flip sweep arrays are total GEX per swept spot level.
    ``next_expiry_gamma_share`` = |GEX| of the nearest expiry / Σ|GEX| (fraction). ``atm_term_*``: ATM term
    structure (days, IV) over expiries with an ATM IV. GEX, walls, flip and the by-strike/sweep arrays exclude
    options expiring within 24 h (module doc); those are in ``expiring_gex_usd_per_1pct`` (net, USD per 1%) over
    ``expiring_expiries`` (count) and ``expiring_oi_base`` (coins). ``regime_excludes_expiring`` is False only when
    every option expires within 24 h and the regime had to use them."""

    put_call_oi_ratio: float | None
    put_call_volume_ratio: float | None
    call_oi_base: float
    put_oi_base: float
    total_oi_base: float
    total_oi_usd: float
    net_gex_usd_per_1pct: float
    call_gex_usd_per_1pct: float
    put_gex_usd_per_1pct: float
    gamma_flip_usd: float | None
    call_wall_usd: float | None
    put_wall_usd: float | None
    next_expiry: datetime
    next_expiry_gamma_share: float | None
    atm_iv_7d: float | None
    atm_iv_30d: float | None
    rr25_30d: float | None
    atm_term_days: np.ndarray
    atm_term_iv: np.ndarray
    gex_strikes_usd: np.ndarray
    gex_by_strike_usd_per_1pct: np.ndarray
    flip_sweep_spots_usd: np.ndarray
    flip_sweep_gex: np.ndarray
    expiring_gex_usd_per_1pct: float
    expiring_expiries: int
    expiring_oi_base: float
    regime_excludes_expiring: bool


@dataclass(frozen=True, eq=False)
class ChainAnalysis:
    """Result of :func:`analyze_chain`. ``spot_basis`` says where ``spot_usd`` came from; ``headline_rule`` how
    ``headline_expiry`` was chosen."""

    currency: str
    as_of: datetime
    spot_usd: float
    spot_basis: str
    scenario: DealerScenario
    headline_expiry: datetime
    headline_rule: str
    expiries: tuple[ExpiryAnalysis, ...]
    all_expiries: ChainSummary

    def expiry(self, when: datetime) -> ExpiryAnalysis:
        """The analysis of the expiry at ``when`` (KeyError if absent)."""
        for e in self.expiries:
            if e.expiry == utc(when):
                return e
        raise KeyError(when)


def regime_mask(chain: OptionChain, as_of: datetime) -> tuple[np.ndarray, bool]:
    """Options that set the dealer regime: those expiring more than ``EXPIRING_WITHIN_DAYS`` after ``as_of``; all
    of them (flag False) when every option expires sooner (module doc)."""
    beyond = chain.expiry > to_datetime64(as_of) + np.timedelta64(int(EXPIRING_WITHIN_DAYS * DAY_S), "s")
    if beyond.any():
        return beyond, True
    return np.ones(len(chain), dtype=bool), False


@dataclass(frozen=True, slots=True)
class DealerGamma:
    """Net dealer GEX (USD per 1%) of the regime options and the gamma flip (USD, None when none in range)."""

    net_gex_usd_per_1pct: float
    gamma_flip_usd: float | None
    spot_usd: float


def dealer_gamma(
    chain: OptionChain,
    *,
    as_of: datetime,
    spot_usd: float | None = None,
    scenario: DealerScenario = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS,
) -> Result[DealerGamma]:
    """Only the regime inputs of :func:`analyze_chain` (net GEX and flip over options beyond 24 h), without the
    per-expiry work: the same building blocks, a sixth of the cost, for replaying the regime call over history."""
    as_of = utc(as_of)
    chain = chain.select(chain.expiry > to_datetime64(as_of))
    if len(chain) == 0:
        return Result.missing("no live option at as_of")
    spot, _basis = _spot(chain, spot_usd, chain.expiry == chain.expiries[0])
    if spot is None:
        return Result.missing("no spot: no index price and no forward")
    t = years_to_expiry(chain.expiry, as_of)
    oi = np.nan_to_num(chain.oi_base, nan=0.0)
    gex = np.nan_to_num(
        signed_gex(chain.underlying_price_usd, chain.strike, t, chain.mark_iv, oi, chain.is_call, scenario), nan=0.0
    )
    m, _ = regime_mask(chain, as_of)
    flip = gamma_flip(
        chain.underlying_price_usd[m], chain.strike[m], t[m], chain.mark_iv[m], oi[m], chain.is_call[m],
        spot_usd=spot, scenario=scenario,
    )  # fmt: skip
    value = DealerGamma(float(gex[m].sum()), flip.value.flip_usd if flip.value else None, spot)
    return Result.of(value, sources=(chain.source,))


def choose_headline(expiries: list[datetime], days: list[float], total_oi: list[float]) -> tuple[int, str]:
    """Index of the headline expiry and the rule branch used (module doc)."""
    window = [i for i, d in enumerate(days) if HEADLINE_MIN_DAYS < d <= HEADLINE_MAX_DAYS]
    if window:
        best = max(window, key=lambda i: (total_oi[i], -days[i]))
        return best, "largest total OI among expiries 1-35 days out"
    later = [i for i, d in enumerate(days) if d > HEADLINE_MIN_DAYS]
    if later:
        return min(later, key=lambda i: days[i]), "no expiry 1-35 days out: nearest expiry more than 24 h away"
    return int(np.argmin(days)), "all expiries within 24 h: nearest expiry"


def _spot(chain: OptionChain, spot_usd: float | None, near: np.ndarray) -> tuple[float | None, str]:
    if spot_usd is not None:
        return float(spot_usd), "given"
    if chain.index_price_usd is not None and np.isfinite(chain.index_price_usd) and chain.index_price_usd > 0:
        return float(chain.index_price_usd), "chain index price"
    fwd = chain.underlying_price_usd[near]
    oi = np.nan_to_num(chain.oi_base[near], nan=0.0)
    ok = np.isfinite(fwd)
    if not ok.any():
        return None, "none"
    value = float(np.average(fwd[ok], weights=oi[ok])) if oi[ok].sum() > 0 else float(fwd[ok].mean())
    return value, "no index price: OI-weighted forward of the nearest expiry used as spot"


def _total_variance_pair(
    t: np.ndarray, a: np.ndarray, b: np.ndarray, target: float
) -> tuple[float | None, float | None]:
    ok = np.isfinite(a) & np.isfinite(b)
    return constant_maturity_iv(t[ok], a[ok], target), constant_maturity_iv(t[ok], b[ok], target)


def analyze_chain(
    chain: OptionChain,
    *,
    as_of: datetime,
    spot_usd: float | None = None,
    scenario: DealerScenario = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS,
) -> Result[ChainAnalysis]:
    """Max pain, put/call, skew, GEX, walls and flip per expiry and overall (see module doc and
    docs/analytics/options.md). Pure: ``as_of`` is the chain's time, never the clock."""
    as_of = utc(as_of)
    params = {"scenario": scenario.value, "as_of": as_of.isoformat(), "headline_window_days": (1, 35)}
    if len(chain) == 0:
        return Result.missing("empty option chain", params=params)
    reasons: list[str] = []
    live = chain.expiry > to_datetime64(as_of)
    if not live.all():
        reasons.append(f"{int((~live).sum())} options expired at or before as_of were dropped")
        chain = chain.select(live)
        if len(chain) == 0:
            return Result.missing("every option in the chain has expired at as_of", params=params)

    t = years_to_expiry(chain.expiry, as_of)
    exp_values = chain.expiries
    near_mask = chain.expiry == exp_values[0]
    spot, spot_basis = _spot(chain, spot_usd, near_mask)
    if spot is None:
        return Result.missing("no spot: no index price, no --spot and no forward in the chain", params=params)
    if spot_basis != "given" and spot_basis != "chain index price":
        reasons.append(spot_basis)
    partial = False
    bad_iv = ~(np.isfinite(chain.mark_iv) & (chain.mark_iv > 0))
    if bad_iv.any():
        partial = True
        reasons.append(f"{int(bad_iv.sum())} options without a mark IV are left out of GEX and skew")
    bad_oi = ~np.isfinite(chain.oi_base)
    if bad_oi.any():
        partial = True
        reasons.append(f"{int(bad_oi.sum())} options without open interest are counted as absent")
    oi = np.nan_to_num(chain.oi_base, nan=0.0)
    gex = np.nan_to_num(
        signed_gex(chain.underlying_price_usd, chain.strike, t, chain.mark_iv, oi, chain.is_call, scenario), nan=0.0
    )

    expiries: list[ExpiryAnalysis] = []
    abs_gex_by_expiry: list[float] = []
    for exp in exp_values:
        m = chain.expiry == exp
        expiry_dt = dt64_to_datetime(exp)
        days = (expiry_dt - as_of).total_seconds() / DAY_S
        forward = float(np.nanmedian(chain.underlying_price_usd[m]))
        notes: list[str] = []
        pc = put_call(chain.is_call[m], chain.oi_base[m], chain.volume_base[m])
        mp = max_pain(chain.strike[m], chain.is_call[m], oi[m])
        if not mp.ok:
            notes.extend(mp.reasons)
        smile = otm_smile(chain.strike[m], chain.is_call[m], chain.mark_iv[m], forward)
        sk = expiry_skew(smile, forward, float(t[m][0]))
        notes.extend(sk.reasons)
        g = gex[m]
        by_k = gex_by_strike(chain.strike[m], chain.is_call[m], g)
        call_wall, put_wall = walls(by_k, spot)
        flip = gamma_flip(
            chain.underlying_price_usd[m], chain.strike[m], t[m], chain.mark_iv[m], oi[m], chain.is_call[m],
            spot_usd=spot, scenario=scenario,
        )  # fmt: skip
        notes.extend(flip.reasons)
        pcv = pc.value
        skv = sk.value
        expiries.append(
            ExpiryAnalysis(
                expiry=expiry_dt,
                days_to_expiry=days,
                forward_usd=forward,
                total_oi_base=float(oi[m].sum()),
                call_oi_base=pcv.call_oi_base if pcv else 0.0,
                put_oi_base=pcv.put_oi_base if pcv else 0.0,
                call_volume_base=pcv.call_volume_base if pcv else 0.0,
                put_volume_base=pcv.put_volume_base if pcv else 0.0,
                put_call_oi_ratio=pcv.put_call_oi_ratio if pcv else None,
                put_call_volume_ratio=pcv.put_call_volume_ratio if pcv else None,
                max_pain_usd=mp.value.max_pain_usd if mp.value else None,
                pain_strikes_usd=mp.value.strikes_usd if mp.value else np.empty(0),
                pain_usd=mp.value.pain_usd if mp.value else np.empty(0),
                net_gex_usd_per_1pct=float(g.sum()),
                call_gex_usd_per_1pct=float(g[chain.is_call[m]].sum()),
                put_gex_usd_per_1pct=float(g[~chain.is_call[m]].sum()),
                gamma_flip_usd=flip.value.flip_usd if flip.value else None,
                call_wall_usd=call_wall,
                put_wall_usd=put_wall,
                atm_iv=skv.atm_iv if skv else None,
                iv_25d_call=skv.iv_25d_call if skv else None,
                iv_25d_put=skv.iv_25d_put if skv else None,
                rr25=skv.rr25 if skv else None,
                bf25=skv.bf25 if skv else None,
                smile_strikes_usd=smile.strikes_usd,
                smile_iv=smile.iv,
                notes=tuple(dict.fromkeys(notes)),
            )
        )
        abs_gex_by_expiry.append(float(np.abs(g).sum()))

    # Overall figures: the dealer regime leaves out options expiring within 24 h (module doc).
    pc_all = put_call(chain.is_call, chain.oi_base, chain.volume_base).value
    regime, regime_excludes_expiring = regime_mask(chain, as_of)
    expiring = ~regime if regime_excludes_expiring else np.ones(len(chain), dtype=bool)
    if not regime_excludes_expiring:
        reasons.append("every option expires within 24 h: the dealer regime, walls and flip use expiring gamma")
    elif expiring.any():
        reasons.append(
            f"{int(np.unique(chain.expiry[expiring]).size)} expiry within 24 h shown apart as expiring gamma, "
            "left out of net GEX, walls and flip"
        )
    by_k_all = gex_by_strike(chain.strike[regime], chain.is_call[regime], gex[regime])
    call_wall, put_wall = walls(by_k_all, spot)
    flip_all = gamma_flip(
        chain.underlying_price_usd[regime], chain.strike[regime], t[regime], chain.mark_iv[regime], oi[regime],
        chain.is_call[regime], spot_usd=spot, scenario=scenario,
    )  # fmt: skip
    if flip_all.value is not None and flip_all.value.flip_usd is None:
        reasons.append("all expiries: no gamma flip in range 0.8-1.2 × spot")
    total_abs = float(sum(abs_gex_by_expiry))
    share = abs_gex_by_expiry[0] / total_abs if total_abs > 0 else None
    if share is None:
        reasons.append("no gamma in the chain: next-expiry gamma share undefined")

    t_exp = np.array([e.days_to_expiry / 365.0 for e in expiries])
    atm = np.array([np.nan if e.atm_iv is None else e.atm_iv for e in expiries])
    iv_c = np.array([np.nan if e.iv_25d_call is None else e.iv_25d_call for e in expiries])
    iv_p = np.array([np.nan if e.iv_25d_put is None else e.iv_25d_put for e in expiries])
    atm_7d = constant_maturity_iv(t_exp, atm, CM_TENORS_DAYS[0] / 365.0)
    atm_30d = constant_maturity_iv(t_exp, atm, CM_TENORS_DAYS[1] / 365.0)
    c30, p30 = _total_variance_pair(t_exp, iv_c, iv_p, CM_TENORS_DAYS[1] / 365.0)
    rr25_30d = c30 - p30 if c30 is not None and p30 is not None else None
    for name, value in (("7d ATM IV", atm_7d), ("30d ATM IV", atm_30d), ("30d RR25", rr25_30d)):
        if value is None:
            reasons.append(f"{name}: tenor outside the listed expiries with that figure (no extrapolation)")
    has_atm = np.isfinite(atm)

    summary = ChainSummary(
        put_call_oi_ratio=pc_all.put_call_oi_ratio if pc_all else None,
        put_call_volume_ratio=pc_all.put_call_volume_ratio if pc_all else None,
        call_oi_base=pc_all.call_oi_base if pc_all else 0.0,
        put_oi_base=pc_all.put_oi_base if pc_all else 0.0,
        total_oi_base=float(oi.sum()),
        total_oi_usd=float(oi.sum()) * spot,
        net_gex_usd_per_1pct=float(gex[regime].sum()),
        call_gex_usd_per_1pct=float(gex[regime & chain.is_call].sum()),
        put_gex_usd_per_1pct=float(gex[regime & ~chain.is_call].sum()),
        gamma_flip_usd=flip_all.value.flip_usd if flip_all.value else None,
        call_wall_usd=call_wall,
        put_wall_usd=put_wall,
        next_expiry=expiries[0].expiry,
        next_expiry_gamma_share=share,
        atm_iv_7d=atm_7d,
        atm_iv_30d=atm_30d,
        rr25_30d=rr25_30d,
        atm_term_days=np.array([e.days_to_expiry for e in expiries])[has_atm],
        atm_term_iv=atm[has_atm],
        gex_strikes_usd=by_k_all.strikes_usd,
        gex_by_strike_usd_per_1pct=by_k_all.net,
        flip_sweep_spots_usd=flip_all.value.spots_usd if flip_all.value else np.empty(0),
        flip_sweep_gex=flip_all.value.gex_usd_per_1pct if flip_all.value else np.empty(0),
        expiring_gex_usd_per_1pct=float(gex[expiring].sum()),
        expiring_expiries=int(np.unique(chain.expiry[expiring]).size),
        expiring_oi_base=float(oi[expiring].sum()),
        regime_excludes_expiring=regime_excludes_expiring,
    )
    idx, rule = choose_headline(
        [e.expiry for e in expiries], [e.days_to_expiry for e in expiries], [e.total_oi_base for e in expiries]
    )
    analysis = ChainAnalysis(
        currency=chain.currency,
        as_of=as_of,
        spot_usd=spot,
        spot_basis=spot_basis,
        scenario=scenario,
        headline_expiry=expiries[idx].expiry,
        headline_rule=rule,
        expiries=tuple(expiries),
        all_expiries=summary,
    )
    params["spot_basis"] = spot_basis
    return Result.of(analysis, sources=(chain.source,), params=params, reasons=reasons, partial=partial)
