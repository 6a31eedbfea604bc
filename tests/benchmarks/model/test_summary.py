import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabricbench.benchmarks.model.summary import (
    SUMMARY_COLUMNS,
    bandwidth_gbps,
    per_iteration,
    summary_frame,
    summary_row,
)


def test_iteration_time_is_max_over_ranks():
    t = np.array([[1.0, 5.0, 2.0], [3.0, 1.0, 2.5]])
    it = per_iteration(t)
    np.testing.assert_array_equal(it["time_us"], [3.0, 5.0, 2.5])
    np.testing.assert_array_equal(it["time_us_mean"], [2.0, 3.0, 2.25])
    np.testing.assert_array_equal(it["skew_us"], [2.0, 4.0, 0.5])
    np.testing.assert_array_equal(it["last_rank"], [1, 0, 1])


def test_bandwidth_from_median_time_not_mean_of_rates():
    # 1 MB in 10 us and 1 MB in 30 us: mean of rates = 66.7 GB/s; from the median time (20 us) = 50.
    meta = {"size_bytes": 1_000_000, "wrong": 0}
    it = per_iteration(np.array([[10.0, 20.0, 30.0]]))
    row = summary_row(meta, it, busbw_factor=1.5)
    assert row["time_us_median"] == 20.0
    assert row["algbw_gbps"] == pytest.approx(50.0)
    assert row["busbw_gbps"] == pytest.approx(75.0)
    assert bandwidth_gbps(8, 0.0) != bandwidth_gbps(8, 0.0)  # nan for a zero time


def test_straggler_statistics():
    rng = np.random.default_rng(5)
    t = rng.normal(100, 1, size=(8, 200))
    t[5] += 20  # rank 5 is late in every iteration
    row = summary_row({"size_bytes": 1, "wrong": 0}, per_iteration(t), 1.0)
    assert row["slowest_rank"] == 5 and row["slowest_rank_share"] == 1.0
    assert row["skew_us_median"] > 15
    assert row["time_us_median"] > row["time_us_mean_ranks"]


def test_p99_is_nearest_rank_and_wrong_marks_validity():
    t = np.arange(1, 101, dtype=float)[None, :]
    row = summary_row({"size_bytes": 1, "wrong": 3}, per_iteration(t), 1.0)
    assert row["time_us_p99"] == 99.0 and row["valid"] is False
    assert summary_row({"size_bytes": 1, "wrong": None}, per_iteration(t), 1.0)["valid"] is False


def test_frame_puts_contract_columns_first():
    df = summary_frame([summary_row({"size_bytes": 1, "wrong": 0, "collective": "x"},
                                    per_iteration(np.ones((1, 3))), 1.0)])
    assert list(df.columns[: len(SUMMARY_COLUMNS)]) == SUMMARY_COLUMNS


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([None, 0, 3]), st.booleans(),
       st.sampled_from(["nccl-tests", "cputime", "osu"]), st.sampled_from([None, 1.75, 0.0]))
@settings(max_examples=300, deadline=None)
def test_one_value_point_summary_equals_the_general_path(v, wrong, trusted, timing, factor):
    """derived() answers a 1 x 1 matrix (an ingested row) without numpy: the same row as the general path."""
    from fabricbench.benchmarks.model.summary import derived, per_iteration, summary_row

    meta = {"collective": "all_reduce", "size_bytes": 1 << 20, "nranks": 8, "wrong": wrong, "trusted": trusted,
            "timing": timing, "busbw_factor": factor, "extra": {"algo": "RING", "statistic": None}}
    fast = derived(meta, np.array([[v]]))
    f = float("nan") if factor is None else factor
    one_rank = summary_row(meta, per_iteration(np.array([[v]])), f)
    generals = [one_rank]
    if abs(v) < 1e300:  # two equal ranks: the reductions' own path (their sum must not overflow)
        generals.append(summary_row(meta, per_iteration(np.array([[v], [v]])), f))
    for general in generals:
        general["rank_median_us"] = [v]
        assert fast.keys() == general.keys()
        for key in fast:
            a, b = fast[key], general[key]
            assert a == b or np.array_equal(a, b, equal_nan=True), key  # NaN == NaN here
            assert type(a) is type(b), key


def test_a_denormal_time_is_no_bandwidth_not_a_crash():
    """5e-324 us is 0 in seconds (found by the property test above): NaN, like a time of 0."""
    assert np.isnan(bandwidth_gbps(1 << 20, 5e-324)) and np.isnan(bandwidth_gbps(1 << 20, 0.0))
    assert bandwidth_gbps(1_000_000, 20.0) == pytest.approx(50.0)
