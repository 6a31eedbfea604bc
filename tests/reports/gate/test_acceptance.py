"""docs/gating.md §5 acceptance table at CI-sized trial counts, fixed seeds.

The full counts (2,000-10,000 trials) run in scripts/gate_acceptance.py, which prints the rates.
"""

from tests.support import acceptance as acc
from tests.support import synthetic as syn


def test_false_fail_rate_under_no_change():
    r = acc.paired("reference", syn.Injection(), 2000, seed=101)
    assert r["fail"] <= 4  # <= 0.1 % per unit
    assert r["inconclusive"] <= 0.15 * 2000
    assert r["mean_launches"] <= 11


def test_power_at_ten_percent():
    r = acc.paired("reference", syn.Injection(effect=0.10), 500, seed=102)
    assert r["fail"] >= 485


def test_power_at_five_percent():
    r = acc.paired("reference", syn.Injection(effect=0.05), 1000, seed=103)
    assert r["fail"] >= 800


def test_never_silently_passes_a_real_regression_under_noise():
    r = acc.paired("noisy", syn.Injection(effect=0.10), 500, seed=104)
    assert r["pass"] <= 5


def test_robust_to_one_bad_candidate_launch():
    r = acc.paired("reference", syn.Injection(bad_launch=0.30), 2000, seed=105)
    assert r["fail"] <= 4


def test_robust_to_drift_across_the_session():
    r = acc.paired("reference", syn.Injection(drift=0.01), 2000, seed=106)
    assert r["fail"] <= 4


def test_band_locality():
    r = acc.band_locality(500, seed=107)
    assert r["bandwidth_fail"] >= 495
    assert r["latency_fail"] <= 1


def test_tail_only_change_warns_without_failing_the_median_gate():
    r = acc.secondary(syn.Injection(tail=0.30), 500, seed=108, which="tail")
    assert r["median_fail"] == 0 and r["median_pass"] >= 495
    assert r["warned"] >= 475


def test_multimodal_flip_gives_a_shape_warning():
    r = acc.secondary(syn.Injection(slow_weight=0.40), 500, seed=109, which="shape", iterations=200)
    assert r["warned"] >= 475


def test_no_tail_or_shape_warning_storm_under_no_change():
    tail = acc.secondary(syn.Injection(), 500, seed=110, which="tail")
    shape = acc.secondary(syn.Injection(), 500, seed=111, which="shape", iterations=200)
    assert tail["warned"] <= 10 and shape["warned"] <= 10


def test_suite_false_fail_rate():
    r = acc.suite("reference", suites=100, units=72, seed=112)
    assert r["suite_fail"] <= 5  # <= 5 % of whole-suite runs


def test_quiet_preset_catches_five_percent_almost_always():
    assert acc.paired("quiet", syn.Injection(effect=0.05), 300, seed=113)["fail"] >= 294


def test_determinism():
    a = acc.paired("reference", syn.Injection(effect=0.05), 200, seed=114)
    b = acc.paired("reference", syn.Injection(effect=0.05), 200, seed=114)
    assert a == b
