"""The difference of two groups' means and its percentile bootstrap interval (resampling within each group): the
measured records of the macro regime, the dealer regime and the market phase compare their two groups this way."""

from __future__ import annotations

import numpy as np


def bootstrap_mean_difference(
    a: np.ndarray,
    b: np.ndarray,
    *,
    n_boot: int,
    ci_level: float,
    seed: int,
    draw_b_first: bool = False,
) -> tuple[float, float, float]:
    """``(mean(a) − mean(b), low, high)``: the ``ci_level`` percentile interval of the difference over ``n_boot``
    resamples drawn with replacement within each group from ``default_rng(seed)``, ``a``'s resamples first (or
    ``b``'s with ``draw_b_first``: the order only fixes which seeded draws each group gets)."""
    rng = np.random.default_rng(seed)

    def means(x: np.ndarray) -> np.ndarray:
        return x[rng.integers(0, x.size, (n_boot, x.size))].mean(axis=1)

    if draw_b_first:
        mb = means(b)
        ma = means(a)
    else:
        ma = means(a)
        mb = means(b)
    tail = (1 - ci_level) / 2
    lo, hi = np.quantile(ma - mb, [tail, 1 - tail])
    return float(a.mean() - b.mean()), float(lo), float(hi)
