"""``scan_market``: a ``ScanUniverse`` (+ stored history) → per-perp rows, per-asset aggregates, ranked views. Pure.

Per-asset figures, over the venues listing the base asset (``base_key`` groups ``1000PEPE``, ``kPEPE``, ``PEPE``):

- OI USD: Σ single-sided OI USD of the venues that publish OI (``oi_venues``; the others are named in ``missing``).
- OI change: Σ coin OI now / Σ coin OI ``oi_change_hours`` ago − 1, over venues with a stored value then.
- funding per hour: ``Σ r_1h·OI_usd / Σ OI_usd`` over venues with both; APR = ``r_1h × 8760``.
- funding z: z of the asset's per-hour funding against the pooled stored per-hour settlements of its venues over
  ``lookback_days`` (sample std, at least ``min_funding_obs``); per perp, against that venue's own settlements.
- funding spread: max − min per-hour funding across venues (at least two), with the venues paying most and least.
- basis: ``mark / index − 1``, OI-weighted like funding; price change: median of the venues' 24h changes.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np

from derivintel.analytics.scanner.model import AssetScan, PerpScan, ScanHistory, ScanResult, base_key
from derivintel.analytics.scanner.rank import rank_assets
from derivintel.core.units import funding_apr
from derivintel.domain.scan import PerpTicker, ScanUniverse

Moments = tuple[int, float, float]  # (n, mean, M2 = Σ (x − mean)²) of finite per-hour funding settlements


def moments(history: np.ndarray) -> Moments:
    """Count, mean and sum of squared deviations of the finite values of ``history``."""
    rates = history[np.isfinite(history)]
    n = len(rates)
    if n == 0:
        return 0, 0.0, 0.0
    mean = float(rates.mean())
    dev = rates - mean
    return n, mean, float(np.dot(dev, dev))


def pooled(parts: Sequence[Moments]) -> Moments:
    """Moments of the union of samples (Chan et al.'s parallel combination; no concatenation)."""
    n, mean, m2 = 0, 0.0, 0.0
    for nb, mb, m2b in parts:
        if nb == 0:
            continue
        total = n + nb
        delta = mb - mean
        mean += delta * nb / total
        m2 += m2b + delta * delta * n * nb / total
        n = total
    return n, mean, m2


def _z(current: float | None, mom: Moments | None, min_obs: int, what: str) -> tuple[float | None, str | None]:
    """z = (current − mean) / sample std (ddof 1) of the stored settlements, with the reason when there is none."""
    if current is None:
        return None, "no current funding rate"
    if mom is None:
        return None, f"no stored funding history for {what}"
    n, mean, m2 = mom
    if n < min_obs:
        return None, f"{n} stored funding settlements for {what}, need {min_obs}"
    sd = (m2 / (n - 1)) ** 0.5
    if sd == 0.0:
        return None, f"stored funding of {what} has zero spread"
    return (current - mean) / sd, None


def perp_row(
    t: PerpTicker, as_of: datetime, history: ScanHistory, stats: Mapping[tuple[str, str], Moments]
) -> PerpScan:
    """One ticker as a scan row; every None has its reason in ``missing``."""
    base = base_key(t.asset)
    missing: dict[str, str] = {}
    oi_usd = t.oi_usd
    if oi_usd is None:
        missing["oi_usd"] = f"{t.venue} publishes no open interest in its bulk answer (or it failed)"
    rate = t.funding_rate_1h
    if rate is None:
        missing["funding_1h"] = f"{t.venue}: funding rate or its interval not available"
    basis = t.basis_fraction
    if basis is None:
        missing["basis_frac"] = f"{t.venue}: no index price"
    before = history.oi_base_before.get((t.venue, base))
    change = None
    if t.oi_base is not None and before:
        change = t.oi_base / before - 1.0
    else:
        missing["oi_change_frac"] = (
            "no history store given"
            if history.store is None
            else f"no stored {t.venue} OI {history.oi_change_hours} h ago"
        )
    z, why = _z(rate, stats.get((t.venue, base)), history.min_funding_obs, f"{t.venue} {base}")
    if why:
        missing["funding_z"] = "no history store given" if history.store is None else why
    if t.volume_24h_usd is None:
        missing["volume_24h_usd"] = f"{t.venue}: 24h volume not available"
    if t.price_change_24h_frac is None:
        missing["price_change_24h_frac"] = f"{t.venue}: 24h change not available"
    return PerpScan(
        venue=t.venue,
        symbol=t.venue_symbol,
        base=base,
        mark_usd=t.mark_price_usd,
        index_usd=t.index_price_usd,
        oi_base=t.oi_base,
        oi_usd=oi_usd,
        oi_change_frac=change,
        funding_1h=rate,
        funding_apr=None if rate is None else funding_apr(rate),
        funding_interval_h=t.funding_interval_hours if rate is not None else None,
        funding_z=z,
        basis_frac=basis,
        volume_24h_usd=t.volume_24h_usd,
        price_change_24h_frac=t.price_change_24h_frac,
        source=t.source.label,
        as_of=t.source.as_of,
        staleness_s=max(0.0, (as_of - t.source.as_of).total_seconds()),
        synthetic=t.source.synthetic,
        missing=missing,
    )


def _weighted(pairs: Sequence[tuple[float, float | None]]) -> tuple[float | None, bool]:
    """OI-weighted mean of ``(value, oi_usd)`` pairs: ``(mean, weighted)``; the plain mean when no pair has OI."""
    if not pairs:
        return None, False
    with_oi = [(v, w) for v, w in pairs if w is not None and w > 0]
    if with_oi:
        total = sum(w for _, w in with_oi)
        return sum(v * w for v, w in with_oi) / total, True
    return sum(v for v, _ in pairs) / len(pairs), False


def asset_row(
    base: str,
    rows: Sequence[PerpScan],
    as_of: datetime,
    history: ScanHistory,
    stats: Mapping[tuple[str, str], Moments],
) -> AssetScan:
    """Aggregate one base asset's venue rows (module doc)."""
    missing: dict[str, str] = {}
    venues = tuple(r.venue for r in rows)
    with_oi = [r for r in rows if r.oi_usd is not None]
    oi_usd = sum(r.oi_usd for r in with_oi if r.oi_usd is not None) if with_oi else None
    if len(with_oi) < len(rows):
        no_oi = sorted({r.venue for r in rows if r.oi_usd is None})
        missing["oi_usd"] = f"OI summed without {', '.join(no_oi)} (no OI figure)"
    now_then = [(r.oi_base, history.oi_base_before.get((r.venue, base))) for r in rows if r.oi_base is not None]
    now_then = [(n, b) for n, b in now_then if b]
    oi_change = None
    if now_then:
        oi_change = sum(n for n, _ in now_then) / sum(b for _, b in now_then if b) - 1.0
    else:
        missing["oi_change_frac"] = (
            "no history store given" if history.store is None else f"no stored OI {history.oi_change_hours} h ago"
        )
    funded = [(r.funding_1h, r.oi_usd) for r in rows if r.funding_1h is not None]
    funding, weighted = _weighted(funded)
    if funding is not None and not weighted:
        missing["funding_weighting"] = "no venue with both funding and OI: plain mean of the venues' rates"
    if funding is None:
        missing["funding_1h"] = "no venue published a usable funding rate"
    parts = [stats[(r.venue, base)] for r in rows if (r.venue, base) in stats]
    z, why = _z(funding, pooled(parts) if parts else None, history.min_funding_obs, base)
    if why:
        missing["funding_z"] = "no history store given" if history.store is None else why
    spread = max_venue = min_venue = None
    rated = [r for r in rows if r.funding_1h is not None]
    if len(rated) >= 2:
        hi = max(rated, key=lambda r: r.funding_1h or 0.0)
        lo = min(rated, key=lambda r: r.funding_1h or 0.0)
        spread, max_venue, min_venue = (hi.funding_1h or 0.0) - (lo.funding_1h or 0.0), hi.venue, lo.venue
    else:
        missing["funding_spread_1h"] = f"funding on {len(rated)} venue(s): a spread needs two"
    basis, _ = _weighted([(r.basis_frac, r.oi_usd) for r in rows if r.basis_frac is not None])
    if basis is None:
        missing["basis_frac"] = "no venue with an index price"
    volumes = [r.volume_24h_usd for r in rows if r.volume_24h_usd is not None]
    changes = [r.price_change_24h_frac for r in rows if r.price_change_24h_frac is not None]
    long_share = history.long_share.get(base)
    if long_share is None:
        missing["long_share"] = (
            "no history store given" if history.store is None else "no stored long/short ratio (no bulk endpoint)"
        )
    liq = history.liquidations_usd.get(base)
    if liq is None:
        missing["liquidations_usd"] = (
            "no history store given"
            if history.store is None
            else f"no stored liquidations in {history.liquidation_hours} h"
        )
    oldest = min(r.as_of for r in rows)
    return AssetScan(
        base=base,
        venues=venues,
        oi_usd=oi_usd,
        oi_venues=tuple(r.venue for r in with_oi),
        oi_change_frac=oi_change,
        funding_1h=funding,
        funding_apr=None if funding is None else funding_apr(funding),
        funding_z=z,
        funding_spread_1h=spread,
        funding_max_venue=max_venue,
        funding_min_venue=min_venue,
        basis_frac=basis,
        volume_24h_usd=sum(volumes) if volumes else None,
        price_change_24h_frac=statistics.median(changes) if changes else None,
        long_share=None if long_share is None else long_share[0],
        liquidations_long_usd=None if liq is None else liq[0],
        liquidations_short_usd=None if liq is None else liq[1],
        sources=tuple(dict.fromkeys(r.source for r in rows)),
        as_of=oldest,
        staleness_s=max(0.0, (as_of - oldest).total_seconds()),
        missing=missing,
    )


def scan_market(
    universe: ScanUniverse,
    *,
    as_of: datetime,
    history: ScanHistory | None = None,
    min_oi_usd: float = 0.0,
    top: int = 10,
) -> ScanResult:
    """Rows, aggregates and rankings of ``universe`` at ``as_of`` (the scan time). Assets whose summed OI USD is
    below ``min_oi_usd`` are left out (with ``min_oi_usd`` > 0, assets with no OI figure at all are too, and a note
    says how many)."""
    hist = history or ScanHistory()
    stats = {key: moments(np.asarray(h, dtype=float)) for key, h in hist.funding_1h.items()}
    perps = [perp_row(t, as_of, hist, stats) for t in universe.tickers]
    groups: dict[str, list[PerpScan]] = defaultdict(list)
    for p in perps:
        groups[p.base].append(p)
    assets = [asset_row(base, rows, as_of, hist, stats) for base, rows in groups.items()]
    notes: list[str] = []
    if min_oi_usd > 0:
        unknown = sum(1 for a in assets if a.oi_usd is None)
        assets = [a for a in assets if a.oi_usd is not None and a.oi_usd >= min_oi_usd]
        kept = {a.base for a in assets}
        perps = [p for p in perps if p.base in kept]
        if unknown:
            notes.append(f"{unknown} asset(s) without any OI figure left out by --min-oi")
    assets.sort(key=lambda a: (-(a.oi_usd or 0.0), a.base))
    return ScanResult(
        as_of=as_of,
        venues=universe.venues,
        perps=tuple(perps),
        assets=tuple(assets),
        rankings=rank_assets(assets, top),
        gaps=universe.gaps,
        synthetic=universe.synthetic,
        min_oi_usd=min_oi_usd,
        top=top,
        notes=tuple(notes),
    )
