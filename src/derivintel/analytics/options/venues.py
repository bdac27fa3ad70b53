"""Option venues side by side and their combined book: per-venue OI and ATM IV, and the aggregates of all chains.

Inputs: each venue's ``OptionChain`` (OI in coins, single-sided; strikes and forwards in USD; IV fractions) and that
venue's :func:`analyze_chain` result (the Deribit analysis, unchanged, run on each venue's chain).

- **Per venue:** OI (coins, live options only) and its notional ``oi_usd = oi_base × spot`` (the convention of
  ``ChainSummary.total_oi_usd``), its share of the OI of the venues that publish OI (fraction), and the venue's ATM
  IV: 30-day constant maturity when the venue's expiries bracket 30 days, else the ATM IV of its listed expiry
  (more than 24 h out) nearest to 30 days, with the basis stated. A venue whose chain has no OI gets None there
  and says so; it still counts for ATM IV.
- **Combined book:** the rows of every venue with OI, pooled. OI by strike and by expiry (coins; calls and puts);
  put/call by OI; max pain of the combined book's headline expiry (same rule as ``analyze_chain``: largest total OI
  among expiries 1-35 days out; strikes pooled across venues, pain in USD); net GEX (USD per 1 % move) under the
  dealer scenario over options expiring more than 24 h out, each option at its own venue's forward and IV.
  Expiries match across venues when they fall at the same instant (all four settle at 08:00 UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from derivintel.analytics.options.chain_analysis import EXPIRING_WITHIN_DAYS, ChainAnalysis, choose_headline
from derivintel.analytics.options.gex import DealerScenario, signed_gex
from derivintel.analytics.options.maxpain import max_pain
from derivintel.analytics.options.putcall import put_call
from derivintel.core.black76 import years_to_expiry
from derivintel.core.provenance import Source
from derivintel.core.result import Result
from derivintel.core.timeutil import DAY_S, dt64_to_datetime, to_datetime64, utc
from derivintel.domain.options import OptionChain
from derivintel.domain.venue import VenueId

TARGET_DAYS = 30.0


@dataclass(frozen=True, slots=True)
class VenueRow:
    """One venue: OI (coins, USD notional, share of the venues with OI), ATM IV (fraction) and its basis, the chain's
    source, and notes on what is missing."""

    venue: VenueId
    oi_base: float | None
    oi_usd: float | None
    oi_share: float | None
    atm_iv: float | None
    atm_iv_basis: str
    source: Source
    notes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class CombinedBook:
    """All venues' chains pooled (module doc). OI in coins, notionals and pain in USD, GEX in USD per 1 % move."""

    venues: tuple[VenueRow, ...]
    venues_with_oi: tuple[str, ...]
    total_oi_base: float
    total_oi_usd: float
    put_call_oi_ratio: float | None
    strikes_usd: np.ndarray
    call_oi_by_strike_base: np.ndarray
    put_oi_by_strike_base: np.ndarray
    expiries: np.ndarray
    call_oi_by_expiry_base: np.ndarray
    put_oi_by_expiry_base: np.ndarray
    headline_expiry: datetime | None
    headline_rule: str
    max_pain_usd: float | None
    net_gex_usd_per_1pct: float
    gex_by_venue_usd_per_1pct: Mapping[VenueId, float]


def _atm_iv(analysis: Result[ChainAnalysis]) -> tuple[float | None, str]:
    a = analysis.value
    if a is None:
        return None, "no chain analysis: " + "; ".join(analysis.reasons)
    if a.all_expiries.atm_iv_30d is not None:
        return a.all_expiries.atm_iv_30d, "30d constant maturity"
    listed = [e for e in a.expiries if e.atm_iv is not None and e.days_to_expiry > EXPIRING_WITHIN_DAYS]
    if not listed:
        return None, "no expiry beyond 24 h with an ATM IV"
    e = min(listed, key=lambda x: abs(x.days_to_expiry - TARGET_DAYS))
    return e.atm_iv, "listed expiry nearest 30d, " + e.expiry.strftime("%d%b%y").upper()


def combined_book(
    chains: Mapping[VenueId, OptionChain],
    analyses: Mapping[VenueId, Result[ChainAnalysis]],
    *,
    as_of: datetime,
    spot_usd: float | None,
    scenario: DealerScenario = DealerScenario.DEALERS_LONG_CALLS_SHORT_PUTS,
) -> Result[CombinedBook]:
    """Per-venue rows and the combined book of ``chains`` (venue → chain) at ``as_of`` (module doc). Pure."""
    as_of = utc(as_of)
    if not chains:
        return Result.missing("no option chain from any venue")
    if spot_usd is None or not np.isfinite(spot_usd) or spot_usd <= 0:
        return Result.missing("no reference price: OI notionals and the combined book need a spot")
    now = to_datetime64(as_of)
    pooled: dict[str, list[np.ndarray]] = {k: [] for k in ("k", "call", "oi", "vol", "exp", "fwd", "iv", "venue")}
    rows: list[tuple[VenueId, float | None, float | None, str, Source, list[str]]] = []
    reasons: list[str] = []
    for venue, chain in chains.items():
        live = chain.select(chain.expiry > now)
        notes: list[str] = []
        oi = np.asarray(live.oi_base, dtype=float)
        has_oi = bool(len(live)) and bool(np.isfinite(oi).any())
        if not len(live):
            notes.append("no live option at the report time")
        elif not has_oi:
            notes.append("no open interest in this venue's chain")
        elif not np.isfinite(oi).all():
            notes.append(f"{int((~np.isfinite(oi)).sum())} options without open interest counted as absent")
        iv, basis = _atm_iv(analyses[venue]) if venue in analyses else (None, "not analyzed")
        oi_base = float(np.nansum(oi)) if has_oi else None
        rows.append((venue, oi_base, iv, basis, chain.source, notes))
        if has_oi:
            n = len(live)
            pooled["k"].append(live.strike)
            pooled["call"].append(live.is_call)
            pooled["oi"].append(np.nan_to_num(oi, nan=0.0))
            pooled["vol"].append(np.asarray(live.volume_base, dtype=float))
            pooled["exp"].append(live.expiry)
            pooled["fwd"].append(live.underlying_price_usd)
            pooled["iv"].append(live.mark_iv)
            pooled["venue"].append(np.full(n, venue, dtype=object))
        else:
            reasons.append(f"{venue}: {notes[0]}; left out of the combined book")
    with_oi = tuple(v for v, oi_base, *_ in rows if oi_base is not None)
    total = float(sum(oi_base for _, oi_base, *_ in rows if oi_base is not None))
    venue_rows = tuple(
        VenueRow(
            venue=v,
            oi_base=oi_base,
            oi_usd=None if oi_base is None else oi_base * spot_usd,
            oi_share=None if oi_base is None or total <= 0 else oi_base / total,
            atm_iv=iv,
            atm_iv_basis=basis,
            source=src,
            notes=tuple(notes),
        )
        for v, oi_base, iv, basis, src, notes in rows
    )
    sources = tuple(chains[v].source for v in chains)
    if not with_oi:
        empty = np.empty(0)
        book = CombinedBook(
            venue_rows, (), 0.0, 0.0, None, empty, empty, empty, np.empty(0, "datetime64[ms]"), empty, empty,
            None, "no venue with open interest", None, 0.0, {},
        )  # fmt: skip
        return Result.of(book, sources=sources, reasons=[*reasons, "no venue published open interest"], partial=True)
    c = {k: np.concatenate(v) for k, v in pooled.items()}
    call = c["call"].astype(bool)
    pc = put_call(call, c["oi"], c["vol"]).value
    strikes, at_k = np.unique(c["k"], return_inverse=True)
    expiries, at_e = np.unique(c["exp"], return_inverse=True)

    def by(index: np.ndarray, size: int, calls: bool) -> np.ndarray:
        return np.bincount(index, weights=np.where(call == calls, c["oi"], 0.0), minlength=size)

    days = [(dt64_to_datetime(e) - as_of).total_seconds() / DAY_S for e in expiries]
    per_expiry_oi = np.bincount(at_e, weights=c["oi"], minlength=len(expiries))
    idx, rule = choose_headline([dt64_to_datetime(e) for e in expiries], days, per_expiry_oi.tolist())
    head = c["exp"] == expiries[idx]
    mp = max_pain(c["k"][head], call[head], c["oi"][head])
    if not mp.ok:
        reasons.extend(mp.reasons)
    t = years_to_expiry(c["exp"], as_of)
    gex = np.nan_to_num(signed_gex(c["fwd"], c["k"], t, c["iv"], c["oi"], call, scenario), nan=0.0)
    regime = c["exp"] > now + np.timedelta64(int(EXPIRING_WITHIN_DAYS * DAY_S), "s")
    if not regime.any():
        regime = np.ones(len(regime), dtype=bool)
        reasons.append("every pooled option expires within 24 h: net GEX uses them all")
    no_iv = ~(np.isfinite(c["iv"]) & (c["iv"] > 0))
    if no_iv.any():
        reasons.append(f"{int(no_iv.sum())} pooled options without a mark IV are left out of the combined GEX")
    by_venue = {v: float(gex[regime & (c["venue"] == v)].sum()) for v in with_oi}
    book = CombinedBook(
        venues=venue_rows,
        venues_with_oi=with_oi,
        total_oi_base=total,
        total_oi_usd=total * spot_usd,
        put_call_oi_ratio=pc.put_call_oi_ratio if pc else None,
        strikes_usd=strikes,
        call_oi_by_strike_base=by(at_k, len(strikes), True),
        put_oi_by_strike_base=by(at_k, len(strikes), False),
        expiries=expiries,
        call_oi_by_expiry_base=by(at_e, len(expiries), True),
        put_oi_by_expiry_base=by(at_e, len(expiries), False),
        headline_expiry=dt64_to_datetime(expiries[idx]),
        headline_rule=rule,
        max_pain_usd=mp.value.max_pain_usd if mp.value else None,
        net_gex_usd_per_1pct=float(gex[regime].sum()),
        gex_by_venue_usd_per_1pct=by_venue,
    )
    params = {"scenario": scenario.value, "spot_usd": spot_usd, "venues": list(chains)}
    return Result.of(book, sources=sources, params=params, reasons=reasons, partial=bool(reasons))
