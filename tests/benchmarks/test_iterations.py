"""The median CI and the stopping rule, on synthetic data with known answers."""

import numpy as np
import pytest

from fabricbench.benchmarks.iterations import StopPolicy
from fabricbench.benchmarks.model.stats import median_ci, median_ci_ranks


def test_le_boudec_ranks():
    # n = 100, z = 1.96: lower floor((100 - 19.6)/2) = 40, upper ceil(1 + (100 + 19.6)/2) = 61 (1-based)
    assert median_ci_ranks(100) == (39, 60)
    assert median_ci_ranks(1) == (0, 0)
    lo, hi = median_ci_ranks(5)
    assert 0 <= lo <= 2 <= hi <= 4


def test_ci_coverage_on_synthetic_data():
    """95 % nominal coverage of the true median, for a skewed (log-normal) distribution."""
    rng = np.random.default_rng(1234)
    true_median = 1.0  # exp(0)
    for n in (20, 50, 200):
        hits = 0
        trials = 2000
        for _ in range(trials):
            lo, hi = median_ci(rng.lognormal(0.0, 0.5, size=n))
            hits += lo <= true_median <= hi
        assert 0.93 <= hits / trials <= 0.995, (n, hits / trials)


def test_fixed_policy():
    p = StopPolicy(fixed=7)
    assert p.next_chunk() == 7
    assert p.update(np.ones(7), 0.1) and p.reason == "fixed"


def test_adaptive_stops_on_ci_target_for_tight_data():
    rng = np.random.default_rng(0)
    p = StopPolicy(min_iters=20, ci_target=0.01, time_cap=100)
    while True:
        n = p.next_chunk()
        if p.update(1000 + rng.normal(0, 5, n), 0.01):
            break
    assert p.reason == "ci_target" and len(p.samples) == 20


def test_adaptive_stops_on_time_cap_for_noisy_data():
    rng = np.random.default_rng(0)
    p = StopPolicy(min_iters=10, ci_target=0.001, time_cap=1.0)
    rounds = 0
    while True:
        rounds += 1
        n = p.next_chunk()
        assert n > 0
        if p.update(rng.lognormal(0, 1, n), 0.3):
            break
    assert p.reason == "time_cap" and rounds == 4


def test_adaptive_respects_max_iters():
    p = StopPolicy(min_iters=5, max_iters=30, ci_target=1e-4, time_cap=0)
    rng = np.random.default_rng(3)
    while not p.update(rng.lognormal(0, 1, p.next_chunk()), 0.0):
        pass
    assert p.reason == "max_iters" and len(p.samples) == 30


@pytest.mark.parametrize("n", [0])
def test_empty_is_an_error(n):
    with pytest.raises(ValueError):
        median_ci_ranks(n)
