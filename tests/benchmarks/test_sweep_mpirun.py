"""Every collective on both CPU backends under real mpiexec, 2 ranks and 4 (oversubscribed)."""

import pytest

from fabricbench.benchmarks.model.summary import SUMMARY_COLUMNS
from fabricbench.collectives import registry
from tests.helpers import only_run, read_run, run_mpi

pytestmark = [pytest.mark.mpi]

SWEEP = ["--collectives", "all", "-b", "64", "-e", "64K", "-f", "32", "-n", "6", "-w", "1",
         "--window", "8"]


@pytest.fixture(scope="module", params=[(2, "mpi"), (2, "torch"), (4, "mpi"), (4, "torch")],
                ids=lambda p: f"np{p[0]}-{p[1]}")
def sweep(request, tmp_path_factory):
    np_, backend = request.param
    out = tmp_path_factory.mktemp(f"sweep-{np_}-{backend}")
    proc = run_mpi(np_, "run", *SWEEP, "--backend", backend, "--out", str(out))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    meta, summary = read_run(only_run(out))
    return np_, backend, meta, summary, proc.stdout


def test_run_is_ok_and_complete(sweep):
    np_, backend, meta, summary, _ = sweep
    assert meta["status"] == "ok" and meta["nranks"] == np_
    assert set(summary["collective"]) == set(registry.names())
    assert meta["points_completed"] == len(summary)


def test_summary_has_the_contract_columns(sweep):
    summary = sweep[3]
    assert list(summary.columns[: len(SUMMARY_COLUMNS)]) == SUMMARY_COLUMNS


def test_data_check_passes_everywhere(sweep):
    summary = sweep[3]
    assert (summary["wrong"] == 0).all(), summary[summary["wrong"] != 0]


@pytest.mark.parametrize("name", registry.names())
def test_bandwidth_follows_the_factor(sweep, name):
    np_, _, _, summary, _ = sweep
    rows = summary[summary["collective"] == name]
    assert len(rows) >= 2
    factor = registry.get(name).busbw_factor(np_)
    ratio = rows["busbw_gbps"] / rows["algbw_gbps"]
    assert ratio.round(12).eq(round(factor, 12)).all()
    algbw = rows["size_bytes"] / (rows["time_us_median"] * 1e-6) / 1e9
    assert (algbw - rows["algbw_gbps"]).abs().max() < 1e-9


def test_ci_brackets_the_median(sweep):
    s = sweep[3]
    assert (s["time_us_ci_low"] <= s["time_us_median"]).all()
    assert (s["time_us_median"] <= s["time_us_ci_high"]).all()
    assert (s["time_us_min"] <= s["time_us_ci_low"]).all() and (s["time_us_ci_high"] <= s["time_us_max"]).all()


def test_fixed_iterations_and_stop_reason(sweep):
    s = sweep[3]
    assert (s["iterations"] == 6).all() and (s["stop_reason"] == "fixed").all()


def test_live_table_printed_by_rank_zero_only(sweep):
    stdout = sweep[4]
    assert stdout.count("# done:") == 1
    assert stdout.count("# all_reduce  backend") == 1


def test_mpi_uses_the_native_timer(sweep):
    _, backend, meta, summary, _ = sweep
    expected = "native-c" if backend == "mpi" else "python"
    assert set(summary["timer"]) == {expected}
    if backend == "mpi":
        assert meta["harness_floor_ns"]["native-c"] > 0


def test_the_run_path_never_imports_pandas(tmp_path):
    """Every rank imports what `run` needs and no more: pandas (~0.15 s per rank, and a measurable
    effect on gloo small-message latency on small VMs, issue #2) belongs to the loader and reports."""
    import subprocess
    import sys

    from tests.helpers import ROOT, base_env

    proc = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "run_bench.py"), "run", "--backend",
                           "mpi,torch", "--collectives", "all_reduce", "--sizes", "8", "-n", "5", "--out",
                           str(tmp_path)], capture_output=True, text=True, env=base_env(), cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "torch" in imported and "mpi4py" in imported  # the check sees the real imports
    assert not imported & {"pandas", "scipy", "matplotlib", "jinja2"}
