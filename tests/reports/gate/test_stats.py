import numpy as np
import pytest
from scipy import stats as sps

from fabricbench.reports.gate import stats


@pytest.mark.parametrize("n1,n2", [(3, 3), (7, 7), (7, 11), (11, 7), (19, 19)])
def test_exact_mwu_equals_scipy(n1, n2):
    rng = np.random.default_rng(n1 * 100 + n2)
    for shift in (0.0, 0.5, 2.0):
        x, y = rng.normal(0, 1, n1), rng.normal(shift, 1, n2)
        ours = stats.mwu_greater(x, y)[()]
        ref = sps.mannwhitneyu(y, x, alternative="greater", method="exact").pvalue
        assert ours == pytest.approx(ref, rel=1e-9)


def test_mwu_smallest_p_at_seven_launches():
    assert stats.mwu_greater(np.arange(7.0), np.arange(7.0) + 100)[()] == pytest.approx(1 / 3432)


def test_mwu_with_ties_uses_the_normal_approximation():
    x, y = np.array([1.0, 1, 2, 2, 3, 3, 4]), np.array([3.0, 4, 4, 5, 5, 6, 6])
    ref = sps.mannwhitneyu(y, x, alternative="greater", method="asymptotic", use_continuity=True).pvalue
    assert stats.mwu_greater(x, y)[()] == pytest.approx(ref, rel=1e-9)


def test_mwu_is_vectorised_over_rows():
    rng = np.random.default_rng(3)
    x, y = rng.normal(0, 1, (50, 7)), rng.normal(1, 1, (50, 9))
    rows = np.array([stats.mwu_greater(x[i], y[i])[()] for i in range(50)])
    np.testing.assert_allclose(stats.mwu_greater(x, y), rows)


def test_bootstrap_median_equals_the_median_of_each_resample():
    """The gather shortcut (sorted data, middle resampled indices) is the resample's median."""
    rng = np.random.default_rng(5)
    for n in (6, 7):
        data = rng.normal(0, 1, n)
        pos_rng = np.random.default_rng(11)
        lo, hi = stats._median_positions(n, 500, pos_rng)
        idx = np.sort(np.random.default_rng(11).integers(0, n, size=(500, n)), axis=1)
        direct = np.median(np.sort(data)[idx], axis=1)
        np.testing.assert_allclose(0.5 * (np.sort(data)[lo] + np.sort(data)[hi]), direct)


def test_bootstrap_ci_covers_a_known_shift():
    rng = np.random.default_rng(8)
    x, y = rng.normal(0, 0.01, 11), rng.normal(0.05, 0.01, 11)
    reps = stats.bootstrap_median_diff(x, y, 4000, 1)
    lo, hi = np.quantile(reps, [0.025, 0.975])
    assert lo < 0.05 < hi and lo > 0.03


def test_holm_and_bh_against_hand_computed_values():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(stats.holm(p), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(stats.benjamini_hochberg(p), [0.02, 0.04, 0.04, 0.02])


def test_robust_sd_ignores_one_bad_launch():
    x = np.array([0.0, 0.01, -0.01, 0.005, -0.005, 0.3])
    assert stats.robust_sd(x) < 0.02
