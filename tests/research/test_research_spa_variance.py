"""The O(t log t) SPA variance equals arch's O(t²) loop, and StepM/SPA with it give arch's own answers."""

from __future__ import annotations

import numpy as np
import pytest

from derivintel.research.event_study import _stepm, stationary_bootstrap_variance
from derivintel.research.features import DAY_MS, FeatureFrame
from derivintel.research.signals import SignalSpec

bootstrap = pytest.importorskip("arch.bootstrap")


@pytest.mark.parametrize("t", [4, 37, 600, 3000])
@pytest.mark.parametrize("block", [2, 9])
def test_variance_matches_arch_loop(t, block):
    rng = np.random.default_rng(t * 10 + block)
    losses = np.column_stack(
        [
            rng.standard_normal(t),
            1e-4 * rng.standard_normal(t).cumsum(),  # persistent: large lag terms
            np.where(rng.random(t) < 0.1, rng.standard_normal(t), 0.0),  # sparse, like fired-signal losses
        ]
    )
    spa = bootstrap.SPA(np.zeros(t), losses, block_size=block, reps=10, bootstrap="stationary", seed=1)
    spa._compute_variance()  # arch's loop, the reference
    ld = spa._loss_diff
    fast = stationary_bootstrap_variance(ld - ld.mean(axis=0), block)
    # FFT rounding: ~ε·log2(n) of Σd² per lag, summed with weights κ_i ≤ 1 decaying like (1 − 1/block)^i
    np.testing.assert_allclose(fast, spa._loss_diff_var, rtol=1e-12)


def _planted_frame(n: int) -> tuple[FeatureFrame, list[SignalSpec], np.ndarray]:
    rng = np.random.default_rng(5)
    fires = rng.random(n) < 0.15
    ret = np.where(np.roll(fires, 1), 0.02, 0.0) + rng.normal(0, 0.01, n)
    ret[0] = 0.0
    close = 100 * np.cumprod(1 + ret)
    ts = (np.arange(n) * DAY_MS).astype("datetime64[ms]")
    frame = FeatureFrame("BTC", 86_400, ts, close, close, close, {"x": fires.astype(float), "y": rng.random(n)})
    specs = [
        SignalSpec("planted", "x", ">=", 1.0, 1),
        SignalSpec("noise", "y", ">=", 0.7, 1),
        SignalSpec("inverse", "x", "<", 1.0, -1),
    ]
    fwd = np.append(close[1:] / close[:-1] - 1.0, np.nan)
    return frame, specs, fwd


def _arch_reference(frame, specs, fwd, *, seed, n_boot, size):
    """The previous implementation: arch's SPA and StepM as shipped (quadratic variance, two bootstraps)."""
    grid = np.arange(len(frame.ts))
    grid = grid[np.isfinite(fwd[grid])]
    r = fwd[grid]
    cols = [-s.direction * (r - r.mean()) * s.fires(frame.features[s.feature][grid]) for s in specs]
    losses = np.column_stack(cols)
    bench = np.zeros(len(r))
    block = max(2, round(len(r) ** (1 / 3)))
    spa = bootstrap.SPA(bench, losses, block_size=block, reps=n_boot, bootstrap="stationary", seed=seed)
    spa.compute()
    stepm = bootstrap.StepM(bench, losses, size=size, block_size=block, reps=n_boot, bootstrap="stationary", seed=seed)
    stepm.compute()
    return {specs[int(i)].name for i in stepm.superior_models}, float(spa.pvalues["consistent"])


@pytest.mark.parametrize("n", [300, 1200])
def test_stepm_and_spa_answers_unchanged(n):
    frame, specs, fwd = _planted_frame(n)
    superior, p_spa, tested = _stepm(frame, specs, fwd, 1, seed=11, n_boot=300, size=0.05)
    ref_superior, ref_p = _arch_reference(frame, specs, fwd, seed=11, n_boot=300, size=0.05)
    assert tested == [s.name for s in specs]
    assert superior == ref_superior
    assert "planted" in superior
    assert p_spa == ref_p


@pytest.mark.parametrize("n", [1, 7, 1000, 50_001])
def test_blocked_bootstrap_means_equal_one_matrix_draw(n, monkeypatch):
    import derivintel.research.event_study as es

    values = np.random.default_rng(n).standard_normal(n)
    one_draw = values[np.random.default_rng(9).integers(0, n, size=(300, n))].mean(axis=1)
    monkeypatch.setattr(es, "BOOTSTRAP_BLOCK_ELEMENTS", 3 * n + 1)  # blocks of 3 resamples, the last one shorter
    assert np.array_equal(es.bootstrap_means(values, 300, np.random.default_rng(9)), one_draw)
