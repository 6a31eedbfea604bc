"""Emulated decision rules of other tools, under the same generator (docs/gating.md §6).

Kept as regression tests of the argument for our design: on hierarchical cloud-like noise a
single-run threshold or a test on iterations fails identical code far more often, and a
history z-score on best values misses real regressions.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from tests.support.synthetic import NoiseModel, iteration_logs


def independent_runs(model: NoiseModel, trials: int, runs: int, seed: int, effect_last: float = 0.0,
                     iterations: int | None = None) -> np.ndarray:
    """Per-iteration log times of `runs` single launches, each in its own allocation: (trials, runs, its)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0.0, model.sigma_alloc, (trials, runs)) + rng.normal(0.0, model.sigma_launch, (trials, runs))
    bad = rng.random((trials, runs)) < model.p_bad
    base += np.where(bad, np.log1p(rng.uniform(model.bad_low, model.bad_high, (trials, runs))), 0.0)
    base[:, -1] += np.log1p(effect_last)
    return iteration_logs(model, rng, base[..., None], model.slow_weight, iterations or model.iterations)[..., 0, :]


def pytest_benchmark_rule(logs: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """--benchmark-compare-fail=median:5%: the candidate's one run vs one saved run."""
    med = np.median(np.exp(logs), axis=-1)
    return med[:, -1] / med[:, 0] - 1 > threshold


def asv_rule(logs: np.ndarray, factor: float = 1.1, alpha: float = 0.002) -> np.ndarray:
    """asv compare: ratio > factor AND Mann-Whitney p < 0.002 on the raw samples of one run each."""
    t = np.exp(logs)
    ratio = np.median(t[:, -1], axis=-1) / np.median(t[:, 0], axis=-1)
    p = sps.mannwhitneyu(t[:, -1], t[:, 0], axis=-1, alternative="two-sided").pvalue
    return (ratio > factor) & (p < alpha)


def gbench_rule(logs: np.ndarray, repetitions: int = 9, alpha: float = 0.05) -> np.ndarray:
    """google-benchmark compare.py: U test on 9 in-process repetitions (they share the launch)."""
    t = np.exp(logs)
    trials, _, its = t.shape
    reps = t[..., : its - its % repetitions].reshape(trials, 2, repetitions, -1).mean(axis=-1)
    p = sps.mannwhitneyu(reps[:, 1], reps[:, 0], axis=-1, alternative="two-sided").pvalue
    return (p < alpha) & (np.median(reps[:, 1], axis=-1) > np.median(reps[:, 0], axis=-1))


def conbench_rule(logs: np.ndarray, z: float = 5.0) -> np.ndarray:
    """Conbench lookback z-score of the best (min) value against the history runs."""
    best = np.min(np.exp(logs), axis=-1)
    hist, cand = best[:, :-1], best[:, -1]
    return (cand - hist.mean(axis=-1)) / hist.std(axis=-1, ddof=1) > z


def bencher_rule(logs: np.ndarray, boundary: float = 0.99) -> np.ndarray:
    """Bencher t_test threshold: the candidate median above the upper prediction boundary of history."""
    med = np.median(np.exp(logs), axis=-1)
    hist, cand = med[:, :-1], med[:, -1]
    k = hist.shape[-1]
    limit = hist.mean(axis=-1) + sps.t.ppf(boundary, k - 1) * hist.std(axis=-1, ddof=1) * np.sqrt(1 + 1 / k)
    return cand > limit
