import numpy as np

from fabricbench.benchmarks.model.summary import per_iteration
from fabricbench.reports.gate import rules
from fabricbench.reports.gate.evaluate import split_half_sd

RULE = rules.PairedRule()


def test_delta_is_the_floor_or_two_and_a_half_aa_sds():
    assert RULE.delta(None) == 0.03
    assert RULE.delta(0.005) == 0.03
    assert abs(RULE.delta(0.02) - np.expm1(0.05)) < 1e-12


def test_clear_regression_fails_and_identical_arms_pass():
    rng = np.random.default_rng(1)
    ctrl = rng.normal(0, 0.005, 7)
    out = rules.decide_paired(ctrl, ctrl + np.log(1.10), 0.03, RULE, 1)
    assert out.verdict[0] == rules.FAIL and out.p_slower[0] < 0.001
    same = rules.decide_paired(ctrl, rng.normal(0, 0.005, 7), 0.03, RULE, 1)
    assert same.verdict[0] == rules.PASS


def test_improvement_passes_and_is_flagged():
    rng = np.random.default_rng(2)
    ctrl = rng.normal(0, 0.005, 7)
    out = rules.decide_paired(ctrl, ctrl - np.log(1.10), 0.03, RULE, 1)
    assert out.verdict[0] == rules.PASS and out.improved[0]


def test_small_real_change_below_delta_is_not_a_failure():
    """+1.5 %, clearly significant, but below the 3 % materiality: never FAIL."""
    rng = np.random.default_rng(3)
    ctrl = rng.normal(0, 0.002, 11)
    out = rules.decide_paired(ctrl, ctrl + np.log(1.015), 0.03, RULE, 1)
    assert out.verdict[0] != rules.FAIL


def test_history_single_run_uses_the_golden_band():
    h = rules.HistoryRule()
    assert rules.decide_history(np.array([0.0]), 0.0, np.log(1.25), h).verdict == rules.FAIL
    small = rules.decide_history(np.array([0.0]), 0.0, np.log(1.08), h)
    assert small.verdict == rules.INCONCLUSIVE and "need 5" in small.reason


def test_history_warns_then_fails_on_confirmation():
    h = rules.HistoryRule()
    centres = np.random.default_rng(4).normal(0, 0.01, 10)
    first = rules.decide_history(centres, 0.0, np.log(1.12), h, previous_warnings=0)
    assert first.warned and first.verdict == rules.INCONCLUSIVE
    second = rules.decide_history(centres, 0.0, np.log(1.12), h, previous_warnings=1)
    assert second.verdict == rules.FAIL
    assert rules.decide_history(centres, 0.0, np.log(1.01), h).verdict == rules.PASS


def test_rank_straggler_is_seen_by_max_over_ranks_and_diluted_by_the_mean():
    """One of 16 ranks arrives 20 % late: max-over-ranks shows ~+20 %, the mean only ~+1.25 %."""
    rng = np.random.default_rng(6)
    ctrl_l, cand_l, ctrl_m, cand_m = [], [], [], []
    for _ in range(7):
        base = 100 * np.exp(rng.normal(0, 0.002, (16, 300)))
        slow = base.copy()
        slow[5] *= 1.20
        for arr, lmax, lmean in ((base, ctrl_l, ctrl_m), (slow, cand_l, cand_m)):
            it = per_iteration(arr)
            lmax.append(np.log(np.median(it["time_us"])))
            lmean.append(np.log(np.median(it["time_us_mean"])))
    by_max = rules.decide_paired(np.array(ctrl_l), np.array(cand_l), 0.03, RULE, 1)
    by_mean = rules.decide_paired(np.array(ctrl_m), np.array(cand_m), 0.03, RULE, 1)
    assert by_max.verdict[0] == rules.FAIL and np.expm1(by_max.effect[0]) > 0.15
    assert abs(np.expm1(by_mean.effect[0]) - 0.0125) < 0.003
    assert by_mean.verdict[0] != rules.FAIL  # the dilution that avg-over-ranks tools suffer


def test_split_half_sd_scales_with_launch_noise():
    rng = np.random.default_rng(7)
    quiet = split_half_sd([rng.normal(0, 0.005, 10) for _ in range(5)], 7)
    loud = split_half_sd([rng.normal(0, 0.03, 10) for _ in range(5)], 7)
    assert quiet is not None and loud is not None and 3 < loud / quiet < 10
    assert split_half_sd([np.zeros(3)], 7) is None


def test_same_inputs_same_verdicts():
    rng = np.random.default_rng(9)
    c, k = rng.normal(0, 0.02, (100, 7)), rng.normal(0.03, 0.02, (100, 7))
    a = rules.decide_paired(c, k, 0.03, RULE, 42)
    b = rules.decide_paired(c, k, 0.03, RULE, 42)
    assert (a.verdict == b.verdict).all() and np.array_equal(a.lower, b.lower)


def test_fit_recovers_the_launch_noise_of_synthetic_launches():
    from tests.support import synthetic as syn

    model = syn.with_model("reference", sigma_launch=0.02, p_bad=0.0)
    ctrl, _ = syn.launch_tables(12, 4, 15, seed=5, model=model)
    fitted, facts = syn.fit(ctrl)
    assert 0.013 < fitted.sigma_launch < 0.028 and facts["units"] == 12
    assert 0.02 < fitted.sigma_iter < 0.06
