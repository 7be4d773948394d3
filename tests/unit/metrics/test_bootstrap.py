"""Paired bootstrap intervals agree with SciPy's percentile bootstrap and are seeded."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tide_exp.metrics.bootstrap import paired_bootstrap_ci


def test_matches_scipy_percentile_bootstrap():
    rng = np.random.default_rng(1)
    differences = rng.normal(0.05, 0.2, size=200)
    low, high = paired_bootstrap_ci([differences], resamples=10_000, seed=3)
    ref = stats.bootstrap(
        (differences,), np.mean, n_resamples=10_000, method="percentile", random_state=3
    ).confidence_interval
    assert low == pytest.approx(ref.low, abs=0.004)
    assert high == pytest.approx(ref.high, abs=0.004)


def test_seeded_and_excludes_zero_only_for_a_real_change():
    shift = [0.3 + 0.01 * (i % 5) for i in range(50)]
    assert paired_bootstrap_ci([shift]) == paired_bootstrap_ci([shift])
    low, _ = paired_bootstrap_ci([shift])
    assert low > 0
    noise = [(-1) ** i * 0.2 for i in range(50)]
    low, high = paired_bootstrap_ci([noise])
    assert low < 0 < high


def test_seeds_are_resampled_within_each_run():
    # Two runs with different means: the interval is around their average, not either run's.
    low, high = paired_bootstrap_ci([[0.1, 0.12, 0.08] * 10, [0.3, 0.32, 0.28] * 10])
    assert low < 0.2 < high and high - low < 0.05


def test_nothing_to_resample_and_bad_arguments():
    assert all(np.isnan(paired_bootstrap_ci([[], []])))
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap_ci([[1.0]], confidence=1.5)
