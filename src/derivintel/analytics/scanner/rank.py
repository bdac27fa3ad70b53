"""Ranked views of the scan's asset rows (base names, best first; assets lacking the figure are not ranked)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from derivintel.analytics.scanner.model import AssetScan


def _ranked(assets: Sequence[AssetScan], key: Callable[[AssetScan], float | None], top: int) -> tuple[str, ...]:
    scored = [(v, a.base) for a in assets if (v := key(a)) is not None]
    scored.sort(key=lambda x: (-x[0], x[1]))  # ties: alphabetical, so the order never depends on input order
    return tuple(base for _v, base in scored[:top])


def rank_assets(assets: Sequence[AssetScan], top: int) -> Mapping[str, tuple[str, ...]]:
    """``funding_high`` / ``funding_low``: per-hour funding, highest / lowest first; ``oi_surge``: OI change,
    largest rise first; ``basis_outliers``: |basis| largest first; ``funding_spread``: cross-venue max − min
    funding per hour, widest first (the arbitrage view)."""

    def neg(x: float | None) -> float | None:
        return None if x is None else -x

    def mag(x: float | None) -> float | None:
        return None if x is None else abs(x)

    return {
        "funding_high": _ranked(assets, lambda a: a.funding_1h, top),
        "funding_low": _ranked(assets, lambda a: neg(a.funding_1h), top),
        "oi_surge": _ranked(assets, lambda a: a.oi_change_frac, top),
        "basis_outliers": _ranked(assets, lambda a: mag(a.basis_frac), top),
        "funding_spread": _ranked(assets, lambda a: a.funding_spread_1h, top),
    }
