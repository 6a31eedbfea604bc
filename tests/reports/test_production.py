"""Production analysis (reports/production.py) on dumps written in the Inspector's format: the late rank,
what the job used, its dips, and the comparison with a benchmark run of the same family."""

import numpy as np
import pytest

from fabricbench.benchmarks import inspector
from fabricbench.benchmarks.model.load import load_runs
from fabricbench.benchmarks.nccltests.convert import write_run
from fabricbench.benchmarks.nccltests.ingest import read_log
from fabricbench.reports import production
from fabricbench.reports.analysis import enrich
from tests.datasets import LOGS
from tests.support import inspector_synth as synth

P5_LOG = LOGS / "all_reduce__aws-p5-48xlarge-2node__adt-readme.txt"


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("job")
    synth.generate(root / "dump", ranks=16, hosts=2, ops=300, late_rank=11, slow_period=(150, 200), seed=5)
    inspector.ingest(root / "dump", str(root / "out"), "p5.48xlarge")
    log, info = read_log(P5_LOG)
    write_run(log, str(root / "out"), "p5.48xlarge", "", info=info)
    return load_runs([root / "out"])


def test_late_in_point_is_the_shortest_far_beyond_chance():
    rng = np.random.default_rng(1)
    m = 100 + rng.uniform(0, 1, size=(8, 50))
    assert production.late_in_point(m) is None  # noise only: each rank shortest about 1/8 of the time
    m[3] -= 20  # the others waited 20 us for rank 3
    found = production.late_in_point(m)
    assert found["rank"] == 3 and found["share"] == 1.0 and found["median_wait_us"] == pytest.approx(20, abs=1)
    assert production.late_in_point(m[:, :10]) is None  # too few operations to judge
    m2 = 100 + rng.uniform(0, 1, size=(8, 50))
    m2[3, :20] -= 20  # late in 40 % of the operations only: not consistently the one waited for
    assert production.late_in_point(m2) is None


def test_the_job_names_its_late_rank_per_communicator(job):
    t0 = {rid: rec.production.get("first_dump_us") for rid, rec in job.records.items() if rec.production}
    found = production.late_ranks(job.points, job.matrix, t0)
    assert sorted((v["evidence"]["comm_name"], v["ranks"][0], v["hosts"][0]) for v in found) == [
        ("tp1", 3, "node-01"), ("world", 11, "node-01")]
    w = next(v for v in found if v["evidence"]["comm_name"] == "world")["evidence"]
    assert w["points_flagged"] == w["points_judged"] == 6 and w["window"][0] < w["window"][1]


def test_usage_shares_and_dips(job):
    ops = production.per_op(job.points, job.matrix)
    assert len(ops) == 3 * 300 - 0  # world + tp0 + tp1, 300 operations each, all complete
    used = production.usage(ops)
    assert used["ops"].sum() == len(ops) and used["share_pct"].sum() == pytest.approx(100)
    line = production.timeline(ops)
    dips = production.dips(line)
    # the slow period (operations 150-199, written 0.75-1.0 s after the first) and nothing else
    assert not dips.empty and (dips["start_s"] >= 0.7).all() and (dips["end_s"] <= 1.05).all()
    assert (dips["busbw_gbps"] < 0.6 * dips["typical_gbps"]).all()  # the transfers took 3x as long there


def test_production_against_a_benchmark_of_the_same_family(job):
    enriched = enrich(job.summary, job.runs)
    used = production.versus_benchmark(production.usage(production.per_op(job.points, job.matrix)), enriched)
    ar = used[(used["collective"] == "all_reduce") & (used["size_bytes"] == 1 << 26) & (used["nranks"] == 16)]
    row = ar.iloc[0]
    bench = enriched[(enriched["run_id"] == row["bench_run"]) & (enriched["size_bytes"] == 1 << 26)]
    assert row["family"] == "P5" and row["bench_size_bytes"] == 1 << 26
    assert row["pct_of_bench"] == pytest.approx(100 * row["busbw_median"] / float(bench["busbw_gbps"].iloc[0]))
    assert row["pct_of_peak"] == pytest.approx(100 * row["busbw_median"] / row["peak_busbw_gbps"])
    assert used[used["collective"] == "all_gather"]["bench_run"].isna().all()  # no all_gather benchmark given
