"""Analysis functions on small hand-built frames with known answers."""

import pandas as pd
import pytest

from fabricbench.reports.analysis import compare_runs, enrich, headline, headline_groups, warnings


def _summary(run_id, times, sizes=(1 << 20, 1 << 30), collective="all_reduce", nnodes=2, nranks=16, **extra):
    rows = []
    factor = 2 * (nranks - 1) / nranks
    for size, t in zip(sizes, times, strict=True):
        algbw = size / (t * 1e-6) / 1e9
        rows.append(dict(run_id=run_id, collective=collective, backend="nccl-tests", device="cuda", dtype="float32",
                         redop="sum", inplace=False, size_bytes=size, count=size // 4, nranks=nranks, nnodes=nnodes,
                         iterations=20, stop_reason=extra.get("stop", "fixed"), time_us_median=t,
                         time_us_p99=t * 1.1, time_us_ci_low=t * 0.98, time_us_ci_high=t * 1.02, time_us_min=t * 0.9,
                         time_us_max=t * 1.2, algbw_gbps=algbw, busbw_gbps=algbw * factor,
                         wrong=extra.get("wrong", 0), valid=extra.get("wrong", 0) == 0))
    return pd.DataFrame(rows)


def _runs(*specs):
    return pd.DataFrame([dict(run_id=r, instance_type=t, status="ok", status_reason="", trusted=True, path=p,
                              stack=s, classification="ok", started="2026-11-26") for r, t, p, s in specs])


def test_pct_of_peak_hand_computed():
    # p5, 2 nodes: peak 400 GB/s; 1 GiB in 4000 us = 268.4 GB/s algbw, busbw x 1.875 = 503.3 -> 125.8 %
    s = _summary("a", [100.0, 4000.0])
    e = enrich(s, _runs(("a", "p5.48xlarge", "efa-rdma", None)))
    big = e[e["size_bytes"] == 1 << 30].iloc[0]
    assert big["family"] == "P5" and big["peak_busbw_gbps"] == 400.0
    assert big["pct_of_peak"] == pytest.approx(100 * (2**30 / 4000e-6 / 1e9 * 1.875) / 400.0)
    assert big["pct_of_peak"] > 100  # shown, not clipped


def test_unknown_machine_has_no_peak():
    e = enrich(_summary("a", [10.0, 20.0]), _runs(("a", "unknown", None, None)))
    assert set(e["family"]) == {"unknown"} and e["pct_of_peak"].isna().all()


def test_headline_picks_largest_busbw_and_smallest_latency():
    summary = _summary("a", [20.0, 100.0, 4000.0], sizes=(8, 1 << 20, 1 << 30))
    e = enrich(summary, _runs(("a", "p5.48xlarge", None, None)))
    h = headline(e).iloc[0]
    assert (h["large_size_bytes"], h["small_size_bytes"], h["latency_us"]) == (1 << 30, 8, 20.0)


def test_headline_gives_no_latency_when_the_smallest_size_is_not_small():
    """A 1 MiB time is a bandwidth figure, not a latency: the headline says n/a rather than pass it off."""
    e = enrich(_summary("a", [100.0, 4000.0]), _runs(("a", "p5.48xlarge", None, None)))
    h = headline(e).iloc[0]
    assert h["large_size_bytes"] == 1 << 30 and h["small_size_bytes"] is None and pd.isna(h["latency_us"])


def test_compare_runs_ratio_and_interval():
    e = enrich(pd.concat([_summary("a", [100.0, 1000.0]), _summary("b", [110.0, 900.0])]),
               _runs(("a", "p5.48xlarge", None, None), ("b", "p5.48xlarge", None, None)))
    c = compare_runs(e, "a").set_index("size_bytes")
    assert c.loc[1 << 20, "ratio"] == pytest.approx(1.1)
    assert c.loc[1 << 20, "ratio_ci_low"] == pytest.approx(110 * 0.98 / (100 * 1.02))
    assert c.loc[1 << 30, "ratio_ci_high"] == pytest.approx(900 * 1.02 / (1000 * 0.98))
    assert c.loc[1 << 30, "busbw_ratio"] == pytest.approx(1000 / 900)


def test_warnings_that_matter():
    s = pd.concat([_summary("a", [100.0, 4000.0], wrong=3), _summary("b", [100.0, 1e6], stop="time_cap")])
    runs = _runs(("a", "p5.48xlarge", "socket", "nccl=2.21.5"), ("b", "p5.48xlarge", "efa-rdma", "nccl=2.23.4"))
    w = warnings(enrich(s, runs), runs)
    text = " | ".join(w["message"])
    assert "NET/Socket" in text and "wrong data at 2 size(s)" in text and "time cap" in text
    assert "2 different software stacks" in text and "above the flat model" in text
    assert set(w["severity"]) >= {"error", "warning", "info"}


def test_empty_summary_is_fine():
    e = enrich(_summary("a", [1.0, 2.0])[0:0], _runs(("a", "p5.48xlarge", None, None)))
    assert e.empty and {"family", "pct_of_peak"} <= set(e.columns)
    assert headline(e).empty





def test_one_row_per_group_with_the_best_run_and_the_spread():
    head = pd.DataFrame([
        {"family": "p5", "run_id": "a", "collective": "all_reduce", "backend": "nccl-tests", "nnodes": 2,
         "busbw_gbps": 480.0, "latency_us": 30.0},
        {"family": "p5", "run_id": "b", "collective": "all_reduce", "backend": "nccl-tests", "nnodes": 2,
         "busbw_gbps": 420.0, "latency_us": 28.0},
        {"family": "p5", "run_id": "c", "collective": "all_reduce", "backend": "nccl-tests", "nnodes": 2,
         "busbw_gbps": float("nan"), "latency_us": 40.0},
        {"family": "H100 80GB · unknown fabric", "run_id": "d", "collective": "all_gather", "backend": "osu",
         "nnodes": 0, "busbw_gbps": 12.0, "latency_us": float("nan")},
    ])
    g = headline_groups(head).set_index("family")
    p5 = g.loc["p5"]
    assert (p5.runs, p5.best_run, p5.busbw_best, p5.busbw_min, p5.busbw_median, p5.latency_best_us) == (
        3, "a", 480.0, 420.0, 450.0, 28.0)
    assert g.loc["H100 80GB · unknown fabric"].runs == 1
    assert headline_groups(head.iloc[0:0]).empty
