"""Speed of the gate and its outputs on a full suite (72 units x 20 sizes x 7 launches per arm).

Target (docs/gating.md): the whole gate < 10 s on 2 cores. `make test` also reruns this file and
scripts/check_speed.py compares each median, divided by the median of a fixed calibration workload
timed in the same session, with the stored run's (tests/perf/stored/), failing only beyond 3x: it
catches algorithmic regressions, never a slower machine or machine noise.
"""

from __future__ import annotations

import time

import pytest

from fabricbench.reports.gate import evaluate, rules
from fabricbench.reports.gate.gate import GateResult, fold
from fabricbench.reports.gate.junit import to_junit
from fabricbench.reports.gate.markdown import to_markdown
from tests.support import synthetic as syn


@pytest.fixture(scope="module")
def suite():
    return syn.launch_tables(72, 20, 7, seed=1, effect=0.0)


def test_full_gate_speed(benchmark, suite):
    ctrl, cand = suite
    t0 = time.perf_counter()
    units, sizes = benchmark.pedantic(evaluate.paired_units, args=(ctrl, cand, {}, rules.PairedRule()),
                                      rounds=3, warmup_rounds=0)
    print(f"\ngate: {len(units)} units ({ctrl['size_bytes'].nunique()} sizes, 72 cells x bands) "
          f"in {(time.perf_counter() - t0) / 3:.2f} s per run")
    assert len(units) == 144 and set(units["verdict"]) <= {"pass", "inconclusive", "fail"}


def test_outputs_speed(benchmark, suite):
    ctrl, cand = suite
    units, sizes = evaluate.paired_units(ctrl, cand, {}, rules.PairedRule())
    verdict, code = fold(units, [])
    result = GateResult("paired", verdict, code, units, sizes, launches={"control": 7, "candidate": 7})

    def render():
        return to_junit(result), to_markdown(result)

    xml, md = benchmark.pedantic(render, rounds=5, warmup_rounds=1)
    print(f"\noutputs: JUnit {len(xml) / 1e3:.0f} kB, markdown {len(md) / 1e3:.0f} kB")
    assert len(md.encode()) < 1024 * 1024


def test_synthetic_generator_speed(benchmark):
    def gen():
        return syn.simulate_arms(syn.PRESETS["reference"], syn.Injection(), 500, 19, 2, seed=3)

    c, _ = benchmark.pedantic(gen, rounds=3, warmup_rounds=0)
    assert c.median.shape == (500, 19, 2)


def test_calibration_speed(benchmark):
    """A fixed numpy + pandas workload, independent of fabricbench: the yardstick of this machine."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"k": rng.integers(0, 5000, 3_000_000), "v": rng.normal(size=3_000_000)})

    def work():
        g = df.groupby("k")["v"].quantile([0.25, 0.5, 0.75])
        return float(np.sort(df["v"].to_numpy()).sum()) + float(g.sum())

    benchmark.pedantic(work, rounds=5, warmup_rounds=1)
