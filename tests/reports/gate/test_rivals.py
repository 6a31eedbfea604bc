"""The argument, kept as a regression test: under the same noise model the emulated rules of
other tools fail identical code far more often, or miss real regressions (docs/gating.md §6)."""

import pytest

from tests.support import acceptance as acc


@pytest.fixture(scope="module")
def null():
    return acc.rival_rates("reference", 0.0, 1000, seed=201)


@pytest.fixture(scope="module")
def ten():
    return acc.rival_rates("reference", 0.10, 1000, seed=202)


def test_single_run_thresholds_and_iteration_tests_fail_identical_code(null):
    assert null["pytest-benchmark median:5%"] > 0.10
    assert null["google-benchmark U test"] > 0.25
    assert null["asv compare"] > 0.02
    assert null["bencher t-test 0.99"] > 0.01
    assert null["fabricbench paired"] <= 0.002


def test_history_z_score_on_best_values_misses_regressions(ten):
    assert ten["conbench z>5 on min"] < 0.10
    assert ten["bencher t-test 0.99"] < 0.5
    assert ten["fabricbench paired"] >= 0.97


def test_every_rival_is_worse_on_false_fails_or_power(null, ten):
    ours_fp, ours_power = null["fabricbench paired"], ten["fabricbench paired"]
    for name in null:
        if name != "fabricbench paired":
            assert null[name] > ours_fp or ten[name] < ours_power - 0.1, name
